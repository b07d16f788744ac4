//! The batch read APIs by job ID: `POST /v3/{project_id}/jobs/batch-status` and
//! `…/batch-detail` (`BatchQueryJobReqPage`), answered per item: an unknown ID is an item with
//! `DRS.M05003`, never a failure of the whole call.

use crate::{
    error::{Error, PageProblem, Reason, Result},
    job::{Endpoint, Job},
    lang::Lang,
    query::MAX_PER_PAGE,
};
use serde::{Deserialize, Serialize};

/// Most IDs one batch call may name.
pub const MAX_BATCH_IDS: usize = 100;

/// The request body.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchQueryJobReqPage {
    /// Job IDs (required, 1 to 100, no duplicates).
    #[serde(default)]
    pub jobs: Option<Vec<String>>,
    /// Paging over `jobs`: `cur_page` from 1 (0 = all), `per_page` 0..=100 (default 5, 0 = all).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub page_req: Option<PageReq>,
    /// The spelling one page of the original's documentation uses.
    #[serde(default, rename = "pageReq")]
    #[schema(ignore)]
    pub page_req_camel: Option<PageReq>,
}

#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct PageReq {
    #[serde(default)]
    pub cur_page: Option<i64>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// A validated batch request: the IDs of the requested page, and how many were named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchQuery {
    pub ids: Vec<String>,
    pub count: usize,
}

/// A batch read's job IDs: 1 to 100, none blank, none twice (`jobs` names the field).
pub fn check_ids(ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Err(Error::empty("jobs"));
    }
    if ids.len() > MAX_BATCH_IDS {
        return Err(Error::invalid_with("jobs", Reason::TooMany(MAX_BATCH_IDS)));
    }
    if ids.iter().any(|id| id.trim().is_empty()) {
        return Err(Error::invalid_with("jobs", Reason::Empty));
    }
    let mut seen = std::collections::HashSet::new();
    if !ids.iter().all(|id| seen.insert(id.as_str())) {
        return Err(Error::invalid_with("jobs", Reason::Duplicate));
    }
    Ok(())
}

impl BatchQueryJobReqPage {
    /// Checks the IDs and selects the requested page of them.
    pub fn validate(&self) -> Result<BatchQuery> {
        let ids: Vec<String> = self.jobs.clone().unwrap_or_default();
        check_ids(&ids)?;
        let page = self.page_req.or(self.page_req_camel).unwrap_or_default();
        let (cur, per) = (page.cur_page.unwrap_or(1), page.per_page.unwrap_or(5));
        if !(0..=MAX_PER_PAGE).contains(&per) {
            return Err(Error::InvalidPage(PageProblem::PerPageRange {
                max: MAX_PER_PAGE,
            }));
        }
        if cur < 0 {
            return Err(Error::InvalidPage(PageProblem::NegativeCurPage));
        }
        let count = ids.len();
        if cur == 0 || per == 0 {
            return Ok(BatchQuery { ids, count });
        }
        let pages = count.div_ceil(per as usize);
        if cur as usize > pages {
            return Err(Error::InvalidPage(PageProblem::PastLastPage {
                pages: pages as u64,
            }));
        }
        let start = (cur as usize - 1) * per as usize;
        Ok(BatchQuery {
            ids: ids[start..(start + per as usize).min(count)].to_vec(),
            count,
        })
    }
}

/// How much of each job a batch read needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// Status and failure only (`batch-status`, polled often): no tags, no history.
    Status,
    /// Everything `batch-detail` shows.
    Detail,
}

/// One job of a batch answer, as the store found it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRecord {
    pub job: Job,
    pub parent_id: Option<String>,
    /// Milliseconds since the epoch.
    pub update_time_ms: i64,
    /// The settings it was created with.
    pub spec: crate::ops::JobSpec,
    /// When it first started, ms.
    pub actual_start_ms: Option<i64>,
    /// When its full transfer first completed, ms.
    pub full_transfer_complete_ms: Option<i64>,
    /// When its status last changed, on the executor's clock (`Depth::Detail` only; `None`:
    /// not changed since it was stored).
    pub status_since_ms: Option<i64>,
    /// Its workflow row (`Depth::Detail` only); `None`: none recorded (seeded jobs).
    pub workflow: Option<crate::workflow::state::WorkflowText>,
    /// Its pending data-plane step (`Depth::Detail` only).
    pub pending: Option<PendingStep>,
}

/// A job's pending data-plane step, as stored (the core parses `step`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingStep {
    pub step: String,
    /// Executor clock, ms.
    pub scheduled_at: i64,
    /// Executor clock, ms.
    pub due_at: i64,
}

/// An item of `batch-status` (`QueryJobStatusResp`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueryJobStatusResp {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchListJobStatusResponse {
    pub results: Vec<QueryJobStatusResp>,
    pub count: usize,
}

/// `{key, value}` as the detail shows tags.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// `inst_info`: where the original reports the engine.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InstInfo {
    pub engine_type: String,
}

/// An item of `batch-detail` (the main fields of `QueryJobResp`). Times are epoch milliseconds
/// as strings, as the original's; endpoints never carry passwords.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct QueryJobResp {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_transfer_complete_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_endpoint: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_endpoint: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub net_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_use_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inst_info: Option<InstInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_num: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_target_readonly: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_write: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_az: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slave_az: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_multi_az: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub alarm_notify: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_order: Option<crate::ops::PeriodOrder>,
    /// Flow control (`batch-limit-speed`); `[]`: unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_limit: Option<Vec<SpeedLimitView>>,
    /// The objects chosen (`batch-select-objects` with `selected: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_infos: Option<Vec<DatabaseObjectInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_database: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// A flow-control range in the detail (`SpeedLimitInfo`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpeedLimitView {
    pub begin: String,
    pub end: String,
    pub speed: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_utc: Option<bool>,
}

/// A chosen object in the detail (`DatabaseObjectInfo`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatabaseObjectInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(rename = "type")]
    pub object_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchListJobDetailsResponse {
    pub count: usize,
    pub results: Vec<QueryJobResp>,
}

/// The per-item "not found" answer, in `lang`.
fn not_found(lang: Lang) -> (String, String) {
    let e = Error::JobNotFound;
    (e.code().to_string(), crate::messages::message(&e, lang))
}

/// `batch-status` items, in the order asked, from what the store found.
pub fn status_items(ids: &[String], found: &[JobRecord], lang: Lang) -> Vec<QueryJobStatusResp> {
    ids.iter()
        .map(|id| match found.iter().find(|r| &r.job.id == id) {
            Some(r) => QueryJobStatusResp {
                id: id.clone(),
                status: Some(r.job.status.as_str().to_string()),
                error_code: None,
                error_message: r.job.error_msg.clone(),
            },
            None => {
                let (code, msg) = not_found(lang);
                QueryJobStatusResp {
                    id: id.clone(),
                    status: None,
                    error_code: Some(code),
                    error_message: Some(msg),
                }
            }
        })
        .collect()
}

/// `batch-detail` items, in the order asked, from what the store found.
pub fn detail_items(ids: &[String], found: &[JobRecord], lang: Lang) -> Vec<QueryJobResp> {
    ids.iter()
        .map(|id| match found.iter().find(|r| &r.job.id == id) {
            Some(r) => detail(r),
            None => {
                let (code, msg) = not_found(lang);
                QueryJobResp {
                    id: id.clone(),
                    error_code: Some(code),
                    error_message: Some(msg),
                    ..Default::default()
                }
            }
        })
        .collect()
}

fn detail(r: &JobRecord) -> QueryJobResp {
    let j = &r.job;
    let workflow = r
        .workflow
        .as_ref()
        .map(crate::workflow::WorkflowState::from_text)
        .unwrap_or_default();
    let chosen = workflow.objects.as_ref().filter(|o| o.selected);
    QueryJobResp {
        id: j.id.clone(),
        parent_id: r.parent_id.clone(),
        name: Some(j.name.clone()),
        status: Some(j.status.as_str().to_string()),
        description: Some(j.description.clone()),
        create_time: Some(j.create_time_ms.to_string()),
        update_time: Some(r.update_time_ms.to_string()),
        actual_start_time: r.actual_start_ms.map(|t| t.to_string()),
        full_transfer_complete_time: r.full_transfer_complete_ms.map(|t| t.to_string()),
        task_type: Some(j.task_type.as_str().to_string()),
        source_endpoint: Some(j.source_endpoint.clone()),
        target_endpoint: Some(j.target_endpoint.clone()),
        net_type: Some(j.net_type.as_str().to_string()),
        job_direction: Some(j.job_direction.as_str().to_string()),
        db_use_type: Some(j.db_use_type.as_str().to_string()),
        inst_info: Some(InstInfo {
            engine_type: j.engine_type.clone(),
        }),
        failed_reason: j.error_msg.clone(),
        tags: Some(
            j.tags
                .iter()
                .map(|(k, v)| Tag {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
        ),
        node_num: r.spec.node_num,
        is_target_readonly: r.spec.is_target_readonly,
        multi_write: r.spec.multi_write,
        subnet_id: r.spec.subnet_id.clone(),
        master_az: r.spec.master_az.clone(),
        slave_az: r.spec.slave_az.clone(),
        is_multi_az: j.is_multi_az.then_some(true),
        alarm_notify: r.spec.alarm_notify.clone(),
        period_order: r.spec.period_order.clone(),
        speed_limit: Some(
            workflow
                .speed_limit
                .iter()
                .map(|s| SpeedLimitView {
                    begin: s.begin.clone(),
                    end: s.end.clone(),
                    speed: s.speed.clone(),
                    is_utc: s.is_utc,
                })
                .collect(),
        ),
        object_infos: chosen.map(|o| {
            o.objects
                .iter()
                .filter(|x| x.select != "false")
                .map(|x| DatabaseObjectInfo {
                    id: x.id.clone(),
                    parent_id: x.parent_id.clone(),
                    object_type: x.object_type.clone(),
                    name: x.name.clone(),
                    alias_name: x.alias_name.clone(),
                })
                .collect()
        }),
        sync_database: workflow.objects.as_ref().and_then(|o| o.sync_database),
        error_code: None,
        error_message: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(body: &str) -> Result<BatchQuery> {
        serde_json::from_str::<BatchQueryJobReqPage>(body)
            .map_err(|e| Error::request(e.to_string()))?
            .validate()
    }

    /// Found by fuzzing the login body (an array where an object belongs was read by position).
    #[test]
    fn a_page_req_given_as_an_array_is_a_wrong_type_naming_it() {
        let body = br#"{"jobs":["a","b","c"],"page_req":[2,1]}"#;
        let err = crate::query::parse_json::<BatchQueryJobReqPage>(body).err();
        assert!(
            matches!(err, Some(Error::InvalidParam { ref field, .. }) if field == "page_req"),
            "{err:?}"
        );
    }

    #[test]
    fn the_first_page_holds_five_ids_by_default_and_counts_them_all() {
        let q = req(r#"{"jobs":["a","b","c","d","e","f","g"]}"#).expect("valid");
        assert_eq!((q.ids.len(), q.count), (5, 7));
        let q =
            req(r#"{"jobs":["a","b","c","d","e","f","g"],"page_req":{"cur_page":2,"per_page":5}}"#)
                .expect("valid");
        assert_eq!(q.ids, vec!["f", "g"]);
        let q =
            req(r#"{"jobs":["a","b","c"],"pageReq":{"cur_page":0,"per_page":1}}"#).expect("valid");
        assert_eq!(q.ids.len(), 3);
    }

    #[test]
    fn bad_batch_requests_get_their_codes() {
        assert_eq!(req(r#"{}"#).err().map(|e| e.code()), Some("DRS.M00201"));
        assert_eq!(
            req(r#"{"jobs":[]}"#).err().map(|e| e.code()),
            Some("DRS.M00201")
        );
        assert_eq!(
            req(r#"{"jobs":["a","a"]}"#).err().map(|e| e.code()),
            Some("DRS.M00202")
        );
        assert_eq!(
            req(r#"{"jobs":[" "]}"#).err().map(|e| e.code()),
            Some("DRS.M00202")
        );
        let many: Vec<String> = (0..101).map(|i| format!("\"j{i}\"")).collect();
        assert_eq!(
            req(&format!(r#"{{"jobs":[{}]}}"#, many.join(",")))
                .err()
                .map(|e| e.code()),
            Some("DRS.M00202")
        );
        assert_eq!(
            req(r#"{"jobs":["a"],"page_req":{"cur_page":2}}"#)
                .err()
                .map(|e| e.code()),
            Some("DRS.M00210")
        );
        assert_eq!(
            req(r#"{"jobs":["a"],"page_req":{"per_page":101}}"#)
                .err()
                .map(|e| e.code()),
            Some("DRS.M00210")
        );
    }

    #[test]
    fn an_unknown_id_is_an_item_error_in_the_requested_language() {
        let items = status_items(&["nope".to_string()], &[], Lang::ZhCn);
        assert_eq!(items[0].error_code.as_deref(), Some("DRS.M05003"));
        assert!(items[0]
            .error_message
            .as_deref()
            .is_some_and(|m| m.contains("任务")));
        let details = detail_items(&["nope".to_string()], &[], Lang::EnUs);
        assert_eq!(
            details[0].error_message.as_deref(),
            Some("Task information not found.")
        );
    }
}
