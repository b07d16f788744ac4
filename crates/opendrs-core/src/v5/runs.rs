//! The `ShowJobDetail` views of a job's runs, in the v5 shapes: `type=precheck`
//! (`QueryPreCheckResult`, from the v3 `batch-precheck-result` item of the latest run) and
//! `type=progress` (`JobProgressInfo`, from the v3 `batch-progress` figures) — the same
//! computation at the executor's clock, only the field names differ.

use crate::{
    batch::JobRecord,
    error::{Error, Result},
    executor::Timings,
    workflow::{
        answers::{precheck_of, ProgressInfo},
        progress,
        state::WorkflowState,
    },
};
use serde::Serialize;
use std::collections::BTreeMap;

/// `precheck_result` (the SDK's `QueryPreCheckResult`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct QueryPreCheckResult {
    /// Whether the run completed without a failed item.
    pub result: bool,
    /// `"NN%"`: how far the run is.
    pub process: String,
    /// `"NN%"`: the share of items passed (`ALARM` counts as passed).
    pub total_passed_rate: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rds_instance_id: Option<String>,
    pub job_direction: String,
    /// The items finished so far.
    pub precheck_results: Vec<PrecheckResult>,
}

/// One precheck item (the SDK's `PrecheckResult`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PrecheckResult {
    pub item: String,
    /// `PASSED`, `ALARM` or `FAILED`.
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub group: String,
    /// A failed item may be skipped (`skip_precheck`).
    pub is_support_skip: bool,
    pub is_skipped: bool,
}

/// The latest precheck run at `now`; a job never prechecked is `DRS.M00304`.
pub fn precheck(r: &JobRecord, now: i64) -> Result<QueryPreCheckResult> {
    let state = r.workflow.as_ref().map(WorkflowState::from_text);
    let run = state
        .as_ref()
        .and_then(|s| s.precheck.as_ref())
        .ok_or(Error::PrecheckNotRun)?;
    let v = precheck_of(r, run, now);
    Ok(QueryPreCheckResult {
        result: v.result.unwrap_or(false),
        process: v.process.unwrap_or_default(),
        total_passed_rate: v.total_passed_rate.unwrap_or_default(),
        rds_instance_id: v.rds_instance_id,
        job_direction: v.job_direction.unwrap_or_default(),
        precheck_results: v
            .precheck_result
            .unwrap_or_default()
            .into_iter()
            .map(|i| PrecheckResult {
                is_support_skip: i.result == "FAILED",
                is_skipped: i.skipped,
                item: i.item,
                result: i.result,
                failed_reason: i.failed_reason,
                data: i.data,
                group: i.group,
            })
            .collect(),
    })
}

/// `progress_info` (the SDK's `JobProgressInfo`; note `incr_`, not v3's `incre_`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobProgressInfo {
    /// The full transfer's percent, `"0"`–`"100"`.
    pub progress: String,
    /// Seconds; `"-1"` before incremental replication.
    pub incr_trans_delay: String,
    pub incr_trans_delay_millis: String,
    pub task_mode: String,
    pub transfer_status: String,
    /// Epoch ms of this figure (executor clock); `"0"` before the task started.
    pub process_time: String,
    /// Seconds.
    pub remaining_time: String,
    /// `struct`, `data`, `index` (the SDK's `ProgressCompleteInfo`); absent for an
    /// incremental-only task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_map: Option<BTreeMap<String, ProgressInfo>>,
}

/// The job's progress at `now` (executor clock).
pub fn progress(r: &JobRecord, now: i64, t: &Timings) -> JobProgressInfo {
    let p = progress::progress(r, now, t);
    JobProgressInfo {
        progress: p.progress.unwrap_or_default(),
        incr_trans_delay: p.incre_trans_delay.unwrap_or_default(),
        incr_trans_delay_millis: p.incre_trans_delay_millis.unwrap_or_default(),
        task_mode: p.task_mode.unwrap_or_default(),
        transfer_status: p.transfer_status.unwrap_or_default(),
        process_time: p.process_time.unwrap_or_default(),
        remaining_time: p.remaining_time.unwrap_or_default(),
        progress_map: p.progress_map,
    }
}
