//! The v5 job actions and stops: `POST …/jobs/{job_id}/action`, `POST …/jobs/action` (batch),
//! `POST …/jobs/{job_id}/stop`, `POST …/jobs/batch-stop`, `DELETE …/jobs` (batch delete). Each
//! request becomes the [`Op`] a v3 batch item would: `start` (`batch-starting`), `stop` = pause
//! (`batch-pause-task`), `restart` (`batch-retry-task`: resumes a paused job, retries a failed
//! one), `terminate` and the stops (`batch-jobs` `terminate` / `force_terminate`), delete
//! (`batch-jobs` `delete`), `network` (`batch-connection` of the job's endpoints, see
//! `v5::network`), `precheck` (`batch-precheck`); `reset` is [`Op::Reset`] (a retry that needs a
//! passed `forRetryJob` precheck), `skip_precheck` [`Op::SkipPrecheck`] (failed items of the latest
//! run count as passed). The state machine decides, as for v3.
//!
//! The other actions act on state this service does not keep (comparisons, …): they answer `DRS.M00202` "not supported by this service yet". To add one,
//! map it to an [`Op`] (and its payload) in [`ActionReq::op`].

use super::{network::NetworkEndpoint, required};
use crate::{
    enums::{one_of, ActionName},
    error::{Error, Reason, Result},
    json::Strict,
    lifecycle::{Op, PrecheckMode},
    ops::{check_text, Payload, WriteItem, MAX_BATCH_ITEMS, MAX_DESCRIPTION_CHARS, MAX_ID_CHARS},
};
use serde::Deserialize;
use serde_json::Value;

/// `{"job": ActionReq}` (`JobActionReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct JobActionReq {
    pub job: Option<ActionReq>,
}

/// `ActionReq`: one action on one job.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionReq {
    /// Required in a batch; in a single call, when given, the path's job.
    pub job_id: Option<String>,
    /// `start`, `stop` (pause), `restart` (resume or retry), `terminate`, `network`,
    /// `precheck`, `reset`, `skip_precheck` (and, not supported yet, comparisons, …).
    #[schema(value_type = Option<crate::enums::ActionName>)]
    pub action_name: Option<String>,
    pub action_params: Option<ActionParams>,
}

/// `ActionParams`: the parameters the supported actions read (others are accepted and ignored).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionParams {
    /// `network`: the endpoints to test (`endpoint_role` `so`/`ta`; the address given, else
    /// the job's); absent: both of the job's.
    pub endpoints: Option<Vec<NetworkEndpoint>>,
    /// `start`: when to start, epoch milliseconds (a future time waits in `WAITING_FOR_START`).
    pub start_time: Option<String>,
    /// `stop`: `target` (default) or `all`; recorded only.
    #[schema(value_type = Option<crate::ops::PauseMode>)]
    pub pause_mode: Option<String>,
    /// `restart`: `true` restarts a synchronization after its objects were re-edited (not supported yet).
    pub is_sync_re_edit: Option<bool>,
    /// `terminate`: `true` ends the job whatever it is doing.
    pub force_delete: Option<bool>,
    pub is_only_init_task: Option<bool>,
    pub is_auto_create_compare: Option<bool>,
    /// `precheck`: `forStartJob` (default) or `forRetryJob`.
    pub precheck_mode: Option<String>,
    /// `skip_precheck`: which failed items of the latest precheck run to skip.
    pub skip_precheck_info: Option<SkipPreCheckInfo>,
}

/// `skip_precheck_info` (the SDK's `SkipPreCheckInfo`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SkipPreCheckInfo {
    /// Item names (`srcDbConnection`, …), each a failed item of the latest run; 1 to 100.
    pub skipped_precheck_list: Option<Vec<String>>,
    /// Why (at most 256 characters; read, not kept).
    pub skip_reason: Option<String>,
}

impl SkipPreCheckInfo {
    /// The names to skip; `field` names `skip_precheck_info` in errors.
    fn names(&self, field: &str) -> Result<Vec<String>> {
        let lf = format!("{field}.skipped_precheck_list");
        let list = self.skipped_precheck_list.clone().unwrap_or_default();
        if list.is_empty() {
            return Err(Error::empty(lf));
        }
        if list.len() > MAX_BATCH_ITEMS {
            return Err(Error::invalid_with(lf, Reason::TooMany(MAX_BATCH_ITEMS)));
        }
        let mut out: Vec<String> = Vec::with_capacity(list.len());
        for (k, name) in list.iter().enumerate() {
            let f = format!("{lf}[{k}]");
            let name = required(&Some(name.clone()), &f)?.to_string();
            check_text(&name, &f, MAX_ID_CHARS)?;
            if out.contains(&name) {
                return Err(Error::invalid_with(f, Reason::Duplicate));
            }
            out.push(name);
        }
        if let Some(r) = &self.skip_reason {
            check_text(r, &format!("{field}.skip_reason"), MAX_DESCRIPTION_CHARS)?;
        }
        Ok(out)
    }
}

/// An action ready for the state machine: its operation and what the operation carries.
pub type Acted = (Op, Option<Box<Payload>>);

/// `{"jobs": [ActionReq]}` (`BatchJobActionReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchJobActionReq {
    pub jobs: Vec<ActionReq>,
}

/// `{"is_force_stop": bool}` (`StopJobActionReq`); an empty body stops normally.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StopJobActionReq {
    pub is_force_stop: Option<bool>,
}

/// `{"jobs": [{"job_id", "is_force_stop"}]}` (`BatchStopJobActionReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchStopJobActionReq {
    pub jobs: Vec<StopJobActionInfo>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct StopJobActionInfo {
    pub job_id: Option<String>,
    pub is_force_stop: Option<bool>,
}

/// `{"jobs": ["job ID", …]}` (`BatchDeleteJobReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchDeleteJobReq {
    pub jobs: Vec<String>,
}

/// A terminate (`force`: from any status that holds resources).
pub fn stop_op(force: bool) -> Op {
    if force {
        Op::ForceTerminate
    } else {
        Op::Terminate
    }
}

impl ActionReq {
    /// The operation this action is; `field` prefixes the names in errors (`job` or `jobs[i]`).
    pub fn op(&self, field: &str) -> Result<Acted> {
        let name_field = format!("{field}.action_name");
        let action = one_of::<ActionName>(self.action_name.as_deref(), &name_field)?
            .ok_or_else(|| Error::empty(&name_field))?;
        let params = self.action_params.clone().unwrap_or_default();
        let pf = |name: &str| format!("{field}.action_params.{name}");
        let op = match action {
            ActionName::Start => {
                let at_ms = match params.start_time.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(t) => Some(
                        t.parse::<i64>()
                            .ok()
                            .filter(|ms| *ms > 0)
                            .ok_or_else(|| Error::invalid(pf("start_time")))?,
                    ),
                };
                Op::Start { at_ms }
            }
            ActionName::Stop => {
                match params.pause_mode.as_deref() {
                    None | Some("" | "target" | "all") => {}
                    Some(_) => {
                        return Err(Error::invalid_with(
                            pf("pause_mode"),
                            Reason::OneOf(crate::ops::PAUSE_MODES),
                        ))
                    }
                }
                Op::Pause
            }
            ActionName::Restart if params.is_sync_re_edit == Some(true) => {
                return Err(Error::invalid_with(
                    pf("is_sync_re_edit"),
                    Reason::NotYetSupported,
                ))
            }
            ActionName::Restart => Op::Restore,
            ActionName::Terminate => stop_op(params.force_delete == Some(true)),
            ActionName::Network => {
                let tests = super::network::tests(params.endpoints.as_deref(), &pf("endpoints"))?;
                return Ok((
                    Op::TestConnection,
                    Some(Box::new(Payload::Connection(tests))),
                ));
            }
            ActionName::Precheck => Op::Precheck {
                mode: match params.precheck_mode.as_deref().map(str::trim) {
                    None | Some("") => PrecheckMode::ForStartJob,
                    Some(m) => PrecheckMode::parse(m).ok_or_else(|| {
                        Error::invalid_with(pf("precheck_mode"), Reason::OneOf(PrecheckMode::NAMES))
                    })?,
                },
            },
            ActionName::Reset => Op::Reset,
            ActionName::SkipPrecheck => {
                let info = params.skip_precheck_info.clone().unwrap_or_default();
                let names = info.names(&pf("skip_precheck_info"))?;
                return Ok((Op::SkipPrecheck, Some(Box::new(Payload::Skip(names)))));
            }
            ActionName::CreateCompare
            | ActionName::CancelCompare
            | ActionName::ColumnLimit
            | ActionName::ReloadParameters
            | ActionName::SetWritable
            | ActionName::SetReadonly
            | ActionName::Diagnosis
            | ActionName::BindEip
            | ActionName::UnbindEip
            | ActionName::CloudConnection
            | ActionName::StartRepair
            | ActionName::StopRepair => {
                return Err(Error::invalid_with(name_field, Reason::NotYetSupported))
            }
        };
        Ok((op, None))
    }
}

/// The action of a single call on `job_id` (the path's).
pub fn single_action(body: &[u8], job_id: &str) -> Result<Acted> {
    let req = super::body::<JobActionReq>(body)?
        .job
        .ok_or_else(|| Error::empty("job"))?;
    if req
        .job_id
        .as_deref()
        .is_some_and(|id| !id.is_empty() && id != job_id)
    {
        return Err(Error::invalid("job.job_id"));
    }
    req.op("job")
}

/// The items of a v5 batch body `{"jobs": [...]}`, each read as `T` and turned into a write item
/// by `each` (an unreadable or invalid item is that item's answer). Only the envelope fails the
/// call: malformed JSON (`DRS.M00300`), `jobs` absent or empty (`DRS.M00201`), more than 100 or
/// the same job twice (`DRS.M00202` naming `jobs`).
pub fn batch<T: serde::de::DeserializeOwned>(
    body: &[u8],
    job_id_of: impl Fn(&Value) -> Option<String>,
    each: impl Fn(usize, T) -> Result<(String, Acted)>,
) -> Result<Vec<WriteItem>> {
    #[derive(Default, Deserialize)]
    struct Envelope {
        #[serde(default)]
        jobs: Option<Vec<Value>>,
    }
    let items = super::body::<Envelope>(body)?.jobs.unwrap_or_default();
    if items.is_empty() {
        return Err(Error::empty("jobs"));
    }
    if items.len() > MAX_BATCH_ITEMS {
        return Err(Error::invalid_with(
            "jobs",
            Reason::TooMany(MAX_BATCH_ITEMS),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if !items
        .iter()
        .filter_map(&job_id_of)
        .all(|id| seen.insert(id))
    {
        return Err(Error::invalid_with("jobs", Reason::Duplicate));
    }
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let id = job_id_of(&v);
            let parsed = serde_path_to_error::deserialize::<_, T>(Strict(v)).map_err(|e| {
                let path = e.path().to_string();
                let field = if path == "." || path.is_empty() {
                    format!("jobs[{i}]")
                } else {
                    format!("jobs[{i}].{path}")
                };
                Error::invalid_with(field, Reason::WrongType)
            });
            match parsed.and_then(|t| each(i, t)) {
                Ok((job_id, (op, payload))) => WriteItem::Act {
                    job_id,
                    op,
                    payload,
                },
                Err(error) => WriteItem::Rejected {
                    id,
                    name: None,
                    error,
                },
            }
        })
        .collect())
}

/// The `job_id` of an object item, when it has a usable one.
pub fn object_job_id(v: &Value) -> Option<String> {
    v.get("job_id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A string item (batch delete), when it is a usable ID.
pub fn string_job_id(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `POST …/jobs/action`.
pub fn batch_actions(body: &[u8]) -> Result<Vec<WriteItem>> {
    batch::<ActionReq>(body, object_job_id, |i, a| {
        let f = format!("jobs[{i}]");
        let id = required(&a.job_id, &format!("{f}.job_id"))?.to_string();
        Ok((id, a.op(&f)?))
    })
}

/// `POST …/jobs/batch-stop`.
pub fn batch_stops(body: &[u8]) -> Result<Vec<WriteItem>> {
    batch::<StopJobActionInfo>(body, object_job_id, |i, s| {
        let id = required(&s.job_id, &format!("jobs[{i}].job_id"))?.to_string();
        Ok((id, (stop_op(s.is_force_stop == Some(true)), None)))
    })
}

/// `DELETE …/jobs`.
pub fn batch_deletes(body: &[u8]) -> Result<Vec<WriteItem>> {
    batch::<String>(body, string_job_id, |i, id| {
        let id = required(&Some(id), &format!("jobs[{i}]"))?.to_string();
        Ok((id, (Op::Delete, None)))
    })
}
