//! The workflow writes inside a batch write's transaction (object selection, flow control,
//! connection tests, precheck runs, switchovers) and the executor's completion of the
//! status-keeping steps. The decisions (`decide`) are taken before; this applies them.

use super::{due_at, schedule, set_status};
use crate::{
    enums::{JobDirection, JobStatus},
    error::Reason,
    lifecycle::{next_status, Action, Decision, Op, PrecheckMode, Step},
    ops::{ItemOutcome, JobSpec, Payload},
    store::{EventCause, JobFields, JobRow, JobTx, JobWrite, StoreResult},
    workflow::{
        answers::SwitchoverView,
        bodies::{ConnectionTest, Side},
        precheck::{self, PrecheckInput},
        state::{CheckResult, ConnectionResult, PrecheckRun, SwitchoverRecord},
        PrecheckGate, WorkflowState,
    },
    Error,
};

/// Whether `op` is one of the workflow operations this module applies.
pub(super) fn is_workflow(op: &Op) -> bool {
    matches!(
        op,
        Op::SelectObjects
            | Op::SetSpeed
            | Op::TestConnection
            | Op::Precheck { .. }
            | Op::SkipPrecheck
            | Op::Switchover { .. }
    )
}

/// Whether deciding `op` needs the job's workflow state (the precheck gate of a start or a
/// reset; a retry marks the `forRetryJob` run it follows as used).
pub(super) fn needs_state(op: &Op) -> bool {
    is_workflow(op)
        || matches!(
            op,
            Op::Start { .. }
                | Op::Restore
                | Op::Reset
                | Op::Modify {
                    configuration: true
                }
        )
}

/// The precheck gate `op` must pass: a reset's `forRetryJob` run (none recorded: not run), or
/// a first start's `forStartJob` run (none recorded: a seeded job, not required).
pub(super) fn gate(op: &Op, state: Option<&WorkflowState>) -> PrecheckGate {
    match op {
        Op::Reset => state.map_or(PrecheckGate::NotRun, WorkflowState::retry_gate),
        _ => state.map_or(PrecheckGate::NotRequired, WorkflowState::gate),
    }
}

/// An accepted retry (or reset) follows the latest `forRetryJob` run: it opens no other reset.
pub(super) async fn use_retry_check(
    tx: &mut dyn JobTx,
    seq: i64,
    state: Option<WorkflowState>,
) -> StoreResult<()> {
    let Some(mut state) = state else {
        return Ok(());
    };
    match state.precheck.as_mut() {
        Some(run) if run.mode == PrecheckMode::ForRetryJob && !run.used => {
            run.used = true;
            tx.workflow_write(seq, &state.to_text()).await
        }
        _ => Ok(()),
    }
}

/// The job's workflow state (`None`: no row, a seeded job).
pub(super) async fn read(tx: &mut dyn JobTx, seq: i64) -> StoreResult<Option<WorkflowState>> {
    Ok(tx
        .workflow_read(seq)
        .await?
        .map(|t| WorkflowState::from_text(&t)))
}

/// A configuration change of a job in `CONFIGURATION`: its precheck no longer holds (a
/// running one is cancelled), and a precheck is needed from now on.
pub(super) async fn invalidate_precheck(
    tx: &mut dyn JobTx,
    row: &JobRow,
    state: Option<WorkflowState>,
) -> StoreResult<()> {
    if row.status != JobStatus::Configuration {
        return Ok(());
    }
    let mut state = state.unwrap_or_default();
    state.precheck = None;
    state.precheck_required = true;
    tx.workflow_write(row.seq, &state.to_text()).await?;
    if row.running == Some(Step::Precheck) {
        schedule(tx, row.seq, None).await?;
    }
    Ok(())
}

/// Applies a workflow operation that `decide` accepted. The outer `Result` is the store's;
/// `Err` inside is the item's answer (what was written stays: a failed connection test is
/// recorded as such).
#[allow(clippy::too_many_arguments)]
pub(super) async fn apply(
    tx: &mut dyn JobTx,
    row: &JobRow,
    op: &Op,
    payload: Option<&Payload>,
    state: Option<WorkflowState>,
    decision: &Decision,
    w: &JobWrite,
    exec: i64,
) -> StoreResult<Result<Option<ItemOutcome>, Error>> {
    let mut state = state.unwrap_or_default();
    let outcome = match (op, payload) {
        (Op::SelectObjects, Some(Payload::Objects(sel))) => {
            state.objects = Some(sel.clone());
            tx.workflow_write(row.seq, &state.to_text()).await?;
            invalidate_precheck(tx, row, Some(state)).await?;
            None
        }
        (Op::SetSpeed, Some(Payload::Speed(ranges))) => {
            state.speed_limit = ranges.clone();
            tx.workflow_write(row.seq, &state.to_text()).await?;
            None
        }
        (Op::TestConnection, Some(Payload::Connection(tests))) => {
            // Every endpoint is tested and recorded; the first that does not answer is the error.
            let mut failed = None;
            for test in tests {
                let result = connection_test(tx, row, test, w).await?;
                if !result.success && failed.is_none() {
                    failed = Some(Error::ConnectionFailed {
                        target: result.reason.clone().unwrap_or_default(),
                    });
                }
                match test.side {
                    Side::Source => state.connections.source = Some(result),
                    Side::Target => state.connections.target = Some(result),
                }
            }
            tx.workflow_write(row.seq, &state.to_text()).await?;
            if let Some(e) = failed {
                return Ok(Err(e));
            }
            None
        }
        (Op::Precheck { mode }, _) => {
            let ends = tx.job_endpoints(row.seq).await?;
            let due = decision
                .schedule
                .map_or(exec, |(t, d)| due_at(&w.settings, exec, &t, d));
            let items = precheck::items(PrecheckInput {
                engine_type: &row.engine_type,
                source: &ends.source,
                target: &ends.target,
                connections: &state.connections,
                objects: state.objects.as_ref(),
                reach: &w.reachability,
            });
            state.precheck_required = true;
            state.precheck = Some(PrecheckRun {
                precheck_id: row.id.clone(),
                mode: *mode,
                started_at: exec,
                due_at: due,
                done: false,
                items,
                used: false,
            });
            tx.workflow_write(row.seq, &state.to_text()).await?;
            None
        }
        (Op::SkipPrecheck, Some(Payload::Skip(names))) => {
            let Some(run) = state.precheck.as_mut() else {
                return Ok(Err(Error::PrecheckNotRun));
            };
            if !run.done {
                return Ok(Err(Error::OperationInProgress));
            }
            let failed = |name: &String| {
                run.items
                    .iter()
                    .any(|i| &i.item == name && i.result == CheckResult::Failed)
            };
            if !names.iter().all(failed) {
                return Ok(Err(Error::invalid_with(
                    "skipped_precheck_list",
                    Reason::NotAFailedCheck,
                )));
            }
            for i in run.items.iter_mut().filter(|i| names.contains(&i.item)) {
                i.skipped = true;
            }
            tx.workflow_write(row.seq, &state.to_text()).await?;
            None
        }
        (Op::Switchover { pause }, _) => {
            let ends = tx.job_endpoints(row.seq).await?;
            let spec: JobSpec =
                serde_json::from_str(&tx.job_spec(row.seq).await?).unwrap_or_default();
            let completed = state.switchover.as_ref().map_or(0, |s| s.completed);
            state.switchover = Some(SwitchoverRecord {
                requested_at: w.now_ms,
                done_at: None,
                pause_after: *pause,
                completed,
            });
            tx.workflow_write(row.seq, &state.to_text()).await?;
            let direction = JobDirection::parse(&ends.job_direction).unwrap_or(JobDirection::Up);
            Some(ItemOutcome::Switched {
                id: row.id.clone(),
                view: Box::new(SwitchoverView {
                    updated_at_ms: w.now_ms,
                    source: ends.target,
                    target: ends.source,
                    job_direction: flipped(direction),
                    is_target_readonly: spec.is_target_readonly,
                }),
            })
        }
        _ => return Ok(Err(Error::internal("a workflow item without its payload"))),
    };
    Ok(Ok(outcome))
}

/// `up` ↔ `down`; `non-dbs` stays.
fn flipped(d: JobDirection) -> JobDirection {
    match d {
        JobDirection::Up => JobDirection::Down,
        JobDirection::Down => JobDirection::Up,
        JobDirection::NonDbs => JobDirection::NonDbs,
    }
}

/// Tests the endpoint `test` names (its address, else the job's) by the reachability rule.
async fn connection_test(
    tx: &mut dyn JobTx,
    row: &JobRow,
    test: &ConnectionTest,
    w: &JobWrite,
) -> StoreResult<ConnectionResult> {
    let ends = tx.job_endpoints(row.seq).await?;
    let stored = match test.side {
        Side::Source => ends.source,
        Side::Target => ends.target,
    };
    let ip = test.ip.clone().or(stored.ip);
    let db_port = test.db_port.or(stored.db_port);
    let inst_id = test.inst_id.clone().or(stored.inst_id);
    let verdict = w
        .reachability
        .check_endpoint(ip.as_deref(), db_port, inst_id.as_deref());
    let ip = ip.or(inst_id).unwrap_or_default();
    Ok(ConnectionResult {
        success: verdict.is_ok(),
        tested_at: w.now_ms,
        ip,
        db_port,
        reason: verdict.err().map(|u| u.target()),
    })
}

/// The executor completes a status-keeping step of the job `seq` (wall clock `wall`).
pub(super) async fn complete(
    tx: &mut dyn JobTx,
    seq: i64,
    status: JobStatus,
    step: Step,
    wall: i64,
    exec: i64,
) -> StoreResult<()> {
    tx.job_set_running(seq, None).await?;
    let mut state = read(tx, seq).await?.unwrap_or_default();
    match step {
        Step::Precheck => {
            if let Some(run) = state.precheck.as_mut().filter(|r| !r.done) {
                run.done = true;
                tx.workflow_write(seq, &state.to_text()).await?;
            }
        }
        Step::Switchover => {
            let ends = tx.job_endpoints(seq).await?;
            let direction = JobDirection::parse(&ends.job_direction).map(flipped);
            let tenant = tx.job_tenant(seq).await?;
            let fields = JobFields {
                source_endpoint: Some(ends.target),
                target_endpoint: Some(ends.source),
                job_direction: direction.map(|d| d.as_str().to_string()),
                update_time: wall,
                ..JobFields::default()
            };
            tx.job_update(&tenant, seq, &fields).await?;
            let pause = state.switchover.as_ref().is_some_and(|s| s.pause_after);
            if let Some(s) = state.switchover.as_mut() {
                s.done_at = Some(wall);
                s.completed += 1;
            }
            tx.workflow_write(seq, &state.to_text()).await?;
            if let Some(to) = next_status(status, Action::Pause).filter(|_| pause) {
                let label = format!("executor:{}", step.as_str());
                let cause = EventCause {
                    at: wall,
                    label: &label,
                    request_id: None,
                    error_msg: None,
                };
                set_status(tx, seq, status, to, &cause, exec).await?;
            }
        }
        _ => {}
    }
    Ok(())
}
