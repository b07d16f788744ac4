//! The wire answers of the workflow operations, as the SDK models them, and how outcomes and
//! stored state become them: `CheckJobResp`, `DatabaseObjectResp`, `PostPreCheckResp`,
//! `SwitchoverResp` (writes); `QueryPreCheckResp`, `QueryProgressResp`, `QueryRpoAndRtoResp`
//! (reads). Every item names its job; an unknown job is that item's `DRS.M05003`.

use super::{
    precheck, progress,
    state::{PrecheckRun, WorkflowState},
};
use crate::{
    batch::JobRecord,
    enums::JobDirection,
    error::Error,
    executor::Timings,
    job::Endpoint,
    lang::Lang,
    messages::message,
    ops::{BatchWriteResponse, ItemOutcome},
};
use serde::Serialize;
use std::collections::BTreeMap;

fn code_msg(e: &Error, lang: Lang) -> (Option<String>, Option<String>) {
    (Some(e.code().to_string()), Some(message(e, lang)))
}

fn answer<T>(results: Vec<T>) -> BatchWriteResponse<T> {
    BatchWriteResponse {
        count: results.len(),
        results,
    }
}

/// An item of `batch-connection` (`CheckJobResp`): `status` `success`|`failed` and `success`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckJobResp {
    pub id: String,
    pub status: String,
    pub success: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// Renders connection-test outcomes.
pub fn connection_answer(outcomes: &[ItemOutcome], lang: Lang) -> BatchWriteResponse<CheckJobResp> {
    answer(
        outcomes
            .iter()
            .map(|o| match o {
                ItemOutcome::Failed { id, error, .. } => {
                    let (error_code, error_msg) = code_msg(error, lang);
                    CheckJobResp {
                        id: id.clone().unwrap_or_default(),
                        status: "failed".into(),
                        success: false,
                        error_code,
                        error_msg,
                    }
                }
                other => CheckJobResp {
                    id: other.job_id().unwrap_or_default().to_string(),
                    status: "success".into(),
                    success: true,
                    error_code: None,
                    error_msg: None,
                },
            })
            .collect(),
    )
}

/// An item of `batch-select-objects` (`DatabaseObjectResp`): `status` is a boolean.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DatabaseObjectResp {
    pub job_id: String,
    pub status: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// `batch-select-objects`'s answer: `all_counts`, not `count`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchSetObjectsResponse {
    pub all_counts: usize,
    pub results: Vec<DatabaseObjectResp>,
}

/// Renders object-selection outcomes.
pub fn objects_answer(outcomes: &[ItemOutcome], lang: Lang) -> BatchSetObjectsResponse {
    let results: Vec<DatabaseObjectResp> = outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Failed { id, error, .. } => {
                let (error_code, error_msg) = code_msg(error, lang);
                DatabaseObjectResp {
                    job_id: id.clone().unwrap_or_default(),
                    status: false,
                    error_code,
                    error_msg,
                }
            }
            other => DatabaseObjectResp {
                job_id: other.job_id().unwrap_or_default().to_string(),
                status: true,
                error_code: None,
                error_msg: None,
            },
        })
        .collect();
    BatchSetObjectsResponse {
        all_counts: results.len(),
        results,
    }
}

/// An item of `batch-precheck` (`PostPreCheckResp`): whether the check was launched.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostPreCheckResp {
    pub id: String,
    /// The ID to ask results for (the job's ID, as in the original's example).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precheck_id: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// Renders precheck launches.
pub fn precheck_answer(
    outcomes: &[ItemOutcome],
    lang: Lang,
) -> BatchWriteResponse<PostPreCheckResp> {
    answer(
        outcomes
            .iter()
            .map(|o| match o {
                ItemOutcome::Failed { id, error, .. } => {
                    let (error_code, error_msg) = code_msg(error, lang);
                    PostPreCheckResp {
                        id: id.clone().unwrap_or_default(),
                        precheck_id: None,
                        status: "failed".into(),
                        error_code,
                        error_msg,
                    }
                }
                other => {
                    let id = other.job_id().unwrap_or_default().to_string();
                    PostPreCheckResp {
                        precheck_id: Some(id.clone()),
                        id,
                        status: "success".into(),
                        error_code: None,
                        error_msg: None,
                    }
                }
            })
            .collect(),
    )
}

/// A database as the switchover answer shows it (the SDK's `EndpointVO`; no passwords).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EndpointVo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub az_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_link: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_mode: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mongo_ha_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

impl From<&Endpoint> for EndpointVo {
    fn from(e: &Endpoint) -> Self {
        EndpointVo {
            db_type: e.db_type.clone(),
            instance_id: e.inst_id.clone(),
            instance_name: e.inst_name.clone(),
            ip: e.ip.clone(),
            db_port: e.db_port,
            db_user: e.db_user.clone(),
            region: e.region.clone(),
            project_id: e.project_id.clone(),
            az_code: e.az_code.clone(),
            vpc_id: e.vpc_id.clone(),
            subnet_id: e.subnet_id.clone(),
            security_group_id: e.security_group_id.clone(),
            db_name: e.db_name.clone(),
            ssl_link: e.ssl_link,
            safe_mode: e.safe_mode,
            mongo_ha_mode: e.mongo_ha_mode.clone(),
            cluster_mode: e.cluster_mode.clone(),
            topic: e.topic.clone(),
        }
    }
}

/// What a job will look like once an accepted switchover completes.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchoverView {
    /// Wall clock, ms: when it was requested.
    pub updated_at_ms: i64,
    pub source: Endpoint,
    pub target: Endpoint,
    pub job_direction: JobDirection,
    pub is_target_readonly: Option<bool>,
}

/// An item of `batch-switchover` (`SwitchoverResp`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SwitchoverResp {
    pub job_id: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_db: Option<EndpointVo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_db: Option<EndpointVo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_target_readonly: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// `yyyy-MM-ddTHH:mm:ssZ`, UTC.
pub fn iso_time(ms: i64) -> String {
    format!(
        "{}Z",
        crate::job::format_list_time(ms).replacen(' ', "T", 1)
    )
}

/// Renders switchover outcomes.
pub fn switchover_answer(
    outcomes: &[ItemOutcome],
    lang: Lang,
) -> BatchWriteResponse<SwitchoverResp> {
    answer(
        outcomes
            .iter()
            .map(|o| match o {
                ItemOutcome::Switched { id, view } => SwitchoverResp {
                    job_id: id.clone(),
                    updated_at: Some(iso_time(view.updated_at_ms)),
                    source_db: Some((&view.source).into()),
                    target_db: Some((&view.target).into()),
                    job_direction: Some(view.job_direction.as_str().to_string()),
                    is_target_readonly: view.is_target_readonly,
                    error_code: None,
                    error_msg: None,
                },
                other => {
                    let error = match other {
                        ItemOutcome::Failed { error, .. } => error.clone(),
                        _ => Error::internal("a switchover item without its view"),
                    };
                    let (error_code, error_msg) = code_msg(&error, lang);
                    SwitchoverResp {
                        job_id: other.job_id().unwrap_or_default().to_string(),
                        error_code,
                        error_msg,
                        ..SwitchoverResp::default()
                    }
                }
            })
            .collect(),
    )
}

/// A precheck item as the result shows it (`PrecheckResult`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrecheckResultView {
    pub item: String,
    /// `PASSED`, `ALARM` or `FAILED`.
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub group: String,
    /// A failed item the user skipped (v5 `skip_precheck`; the v3 model has no such field).
    #[serde(skip)]
    pub skipped: bool,
}

/// An item of `batch-precheck-result` (`QueryPreCheckResp`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct QueryPreCheckResp {
    pub precheck_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<bool>,
    /// `"NN%"`: how far the run is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    /// `"NN%"`: the share of items passed (`ALARM` counts as passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_passed_rate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rds_instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precheck_result: Option<Vec<PrecheckResultView>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// An item of `batch-progress` (`QueryProgressResp`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QueryProgressResp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The full transfer's percent, `"0"`–`"100"` (no `%`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<String>,
    /// Seconds; `"-1"` before incremental replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incre_trans_delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incre_trans_delay_millis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_status: Option<String>,
    /// Epoch ms of this figure (executor clock); `"0"` before the task started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_time: Option<String>,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_time: Option<String>,
    /// `struct`, `data`, `index`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_map: Option<BTreeMap<String, ProgressInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    /// Rows per second; `-1` before incremental replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply_rows_rate: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply_bytes_rate: Option<i64>,
}

/// One phase of the full transfer (`ProgressInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProgressInfo {
    /// `"NN%"`.
    pub completed: String,
    /// Seconds, while the phase runs; `null` otherwise.
    pub remaining_time: Option<String>,
}

/// RPO or RTO (`RpoAndRtoInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RpoAndRtoInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_point: Option<String>,
    /// Milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gtid_set: Option<String>,
    /// `yyyy-MM-dd HH:mm:ss`, UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
}

/// An item of `batch-rpo-and-rto` (`QueryRpoAndRtoResp`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct QueryRpoAndRtoResp {
    pub job_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpo_info: Option<RpoAndRtoInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_info: Option<RpoAndRtoInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// `{results, count}` of the workflow reads.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchReadResponse<T> {
    pub results: Vec<T>,
    pub count: usize,
}

/// Each asked ID's record (in order), or `None`.
fn each<'a>(
    ids: &'a [String],
    found: &'a [JobRecord],
) -> impl Iterator<Item = (&'a String, Option<&'a JobRecord>)> {
    ids.iter()
        .map(move |id| (id, found.iter().find(|r| &r.job.id == id)))
}

/// `batch-precheck-result` items at `now` (executor clock).
pub fn precheck_results(
    ids: &[String],
    found: &[JobRecord],
    now: i64,
    lang: Lang,
) -> BatchReadResponse<QueryPreCheckResp> {
    let results: Vec<QueryPreCheckResp> = each(ids, found)
        .map(|(id, rec)| {
            let state = rec.and_then(|r| r.workflow.as_ref().map(WorkflowState::from_text));
            let run = state.as_ref().and_then(|s| s.precheck.as_ref());
            let (rec, run) = match (rec, run) {
                (Some(rec), Some(run)) => (rec, run),
                (rec, _) => {
                    let e = if rec.is_some() {
                        Error::PrecheckNotRun
                    } else {
                        Error::JobNotFound
                    };
                    let (error_code, error_msg) = code_msg(&e, lang);
                    return QueryPreCheckResp {
                        precheck_id: id.clone(),
                        error_code,
                        error_msg,
                        ..QueryPreCheckResp::default()
                    };
                }
            };
            precheck_of(rec, run, now)
        })
        .collect();
    BatchReadResponse {
        count: results.len(),
        results,
    }
}

/// A job's precheck run `run` as far as it has got at `now` (executor clock).
pub fn precheck_of(rec: &JobRecord, run: &PrecheckRun, now: i64) -> QueryPreCheckResp {
    let (done, items) = precheck::progress(run, now);
    QueryPreCheckResp {
        precheck_id: run.precheck_id.clone(),
        result: Some(done == 100 && run.passed()),
        process: Some(format!("{done}%")),
        total_passed_rate: Some(format!("{}%", precheck::passed_rate(run, items))),
        rds_instance_id: rec.job.target_endpoint.inst_id.clone(),
        job_direction: Some(rec.job.job_direction.as_str().to_string()),
        precheck_result: Some(
            items
                .iter()
                .map(|i| PrecheckResultView {
                    item: i.item.clone(),
                    result: i.result.as_str().to_string(),
                    failed_reason: i.failed_reason.clone(),
                    data: i.data.clone(),
                    group: i.group.clone(),
                    skipped: i.skipped,
                })
                .collect(),
        ),
        error_code: None,
        error_msg: None,
    }
}

/// `batch-progress` items at `now` (executor clock).
pub fn progress_items(
    ids: &[String],
    found: &[JobRecord],
    now: i64,
    timings: &Timings,
    lang: Lang,
) -> BatchReadResponse<QueryProgressResp> {
    let results: Vec<QueryProgressResp> = each(ids, found)
        .map(|(id, rec)| match rec {
            Some(r) => progress::progress(r, now, timings),
            None => {
                let (error_code, error_msg) = code_msg(&Error::JobNotFound, lang);
                QueryProgressResp {
                    job_id: Some(id.clone()),
                    error_code,
                    error_msg,
                    ..QueryProgressResp::default()
                }
            }
        })
        .collect();
    BatchReadResponse {
        count: results.len(),
        results,
    }
}

/// `batch-rpo-and-rto` items at `now` (executor clock).
pub fn rpo_rto_items(
    ids: &[String],
    found: &[JobRecord],
    now: i64,
    lang: Lang,
) -> BatchReadResponse<QueryRpoAndRtoResp> {
    let results: Vec<QueryRpoAndRtoResp> = each(ids, found)
        .map(|(id, rec)| {
            let figures = rec
                .ok_or(Error::JobNotFound)
                .and_then(|r| progress::rpo_rto(r, now));
            match figures {
                Ok((rpo, rto)) => QueryRpoAndRtoResp {
                    job_id: id.clone(),
                    rpo_info: Some(rpo),
                    rto_info: Some(rto),
                    ..QueryRpoAndRtoResp::default()
                },
                Err(e) => {
                    let (error_code, error_msg) = code_msg(&e, lang);
                    QueryRpoAndRtoResp {
                        job_id: id.clone(),
                        error_code,
                        error_msg,
                        ..QueryRpoAndRtoResp::default()
                    }
                }
            }
        })
        .collect();
    BatchReadResponse {
        count: results.len(),
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_connection_item_says_so_twice_and_a_good_one_names_its_job() {
        let outcomes = vec![
            ItemOutcome::Applied {
                id: "a".into(),
                name: "job-a".into(),
                status: crate::enums::JobStatus::Configuration,
            },
            ItemOutcome::Failed {
                id: Some("b".into()),
                name: None,
                error: Error::ConnectionFailed {
                    target: "db.invalid".into(),
                },
            },
        ];
        let a = connection_answer(&outcomes, Lang::EnUs);
        assert_eq!(a.count, 2);
        assert_eq!(
            (a.results[0].status.as_str(), a.results[0].success),
            ("success", true)
        );
        assert_eq!(
            (
                a.results[1].status.as_str(),
                a.results[1].success,
                a.results[1].error_code.as_deref()
            ),
            ("failed", false, Some("DRS.M05011"))
        );
    }

    #[test]
    fn switchover_times_are_iso_in_utc() {
        assert_eq!(iso_time(1_608_548_269_000), "2020-12-21T10:57:49Z");
    }

    #[test]
    fn an_unknown_job_is_an_item_error_in_every_read() {
        let ids = vec!["nope".to_string()];
        let p = precheck_results(&ids, &[], 0, Lang::EnUs);
        assert_eq!(p.results[0].error_code.as_deref(), Some("DRS.M05003"));
        assert_eq!(p.results[0].precheck_id, "nope");
        let g = progress_items(&ids, &[], 0, &Timings::default(), Lang::ZhCn);
        assert_eq!(g.results[0].error_code.as_deref(), Some("DRS.M05003"));
        let r = rpo_rto_items(&ids, &[], 0, Lang::EnUs);
        assert_eq!(r.results[0].error_code.as_deref(), Some("DRS.M05003"));
    }
}
