//! A plausible history for a job seeded in a status without one (the demo's jobs): the status
//! changes that bring a new job there, found over the state machine's own edges.

use super::{
    data_plane_next, decide, Action, JobState,
    JobStatus::{self, *},
    Op, Step, TRANSITIONS,
};
use crate::enums::TaskType;
use std::collections::VecDeque;

/// The label of a job's creation, its first change (`None` → `CREATING`).
pub const CREATE_LABEL: &str = "user:create";
/// The label of a change the state machine does not model (see [`history`]).
pub const FALLBACK_LABEL: &str = "executor:data_plane";
/// The cause recorded for a failure the machine does not model.
const FALLBACK_FAILURE: &str = "The replication instance reported an error; see the task's logs.";

/// One status change of a history, as the write procedures record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `None` for the creation.
    pub from: Option<JobStatus>,
    pub to: JobStatus,
    /// `user:<action>` or `executor:<step>`, as an [`crate::store::EventCause`] labels it.
    pub label: String,
    /// Why a step failed, for a change into a failure.
    pub error_msg: Option<&'static str>,
}

impl Change {
    fn user(from: JobStatus, action: Action, to: JobStatus) -> Change {
        Change {
            from: Some(from),
            to,
            label: format!("user:{}", action.as_str()),
            error_msg: None,
        }
    }

    fn step(from: JobStatus, to: JobStatus, step: Step, error_msg: Option<&'static str>) -> Change {
        Change {
            from: Some(from),
            to,
            label: format!("executor:{}", step.as_str()),
            error_msg,
        }
    }
}

/// The cause recorded when `step` fails.
fn failure_message(step: Step) -> &'static str {
    match step {
        Step::Start => "The task could not connect to the source database: connection timed out.",
        _ => "The full transfer stopped: a write to the destination database failed.",
    }
}

/// The edges of the state machine for a task of `task_type`, as changes: the user transitions
/// of [`TRANSITIONS`] (but the hidden `FORCE_STOP`: a plain stop reaches the same statuses), a
/// start with a time as [`decide`] parks and schedules it, every [`data_plane_next`] step, and
/// the failure of each step that can fail ([`Step::failure`]).
pub fn edges(task_type: TaskType) -> Vec<Change> {
    let mut out: Vec<Change> = TRANSITIONS
        .iter()
        .filter(|(from, action, to)| from != to && *action != Action::ForceStop)
        .map(|(from, action, to)| Change::user(*from, *action, *to))
        .collect();
    let timed = Op::Start {
        at_ms: Some(i64::MAX),
    };
    if let Ok(d) = decide(JobState::new(Configuration, task_type), &timed, 0) {
        out.push(Change::user(Configuration, d.action, d.to));
        out.extend(
            d.schedule
                .map(|(t, _)| Change::step(t.from, t.to, t.step, None)),
        );
    }
    for status in JobStatus::ALL {
        if let Some(t) = data_plane_next(*status, task_type) {
            out.push(Change::step(t.from, t.to, t.step, None));
            if let Some(failed) = t.step.failure() {
                let msg = failure_message(t.step);
                out.push(Change::step(t.from, failed, t.step, Some(msg)));
            }
        }
    }
    out
}

/// The shortest path of `edges` from `CREATING` to `to` (the first found among equals), or
/// `None` when they do not reach it.
fn shortest(edges: &[Change], to: JobStatus) -> Option<Vec<Change>> {
    const N: usize = JobStatus::ALL.len();
    // `ALL` is in declaration order, so a discriminant is an index.
    let mut via: [Option<usize>; N] = [None; N];
    let mut seen = [false; N];
    seen[Creating as usize] = true;
    let mut queue = VecDeque::from([Creating]);
    // Each status is queued at most once.
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = Vec::new();
            let mut here = to;
            while let Some(i) = via[here as usize] {
                path.push(edges[i].clone());
                here = edges[i].from.unwrap_or(Creating);
            }
            path.reverse();
            return Some(path);
        }
        for (i, e) in edges.iter().enumerate() {
            if e.from == Some(at) && !seen[e.to as usize] {
                seen[e.to as usize] = true;
                via[e.to as usize] = Some(i);
                queue.push_back(e.to);
            }
        }
    }
    None
}

/// The status a task of `task_type` runs in: where its data plane's chain from `STARTJOBING`
/// ends (`INCRE_TRANSFER_STARTED`, or `FULL_TRANSFER_COMPLETE` for a full-only task).
fn running(task_type: TaskType) -> JobStatus {
    let mut at = StartJobing;
    for _ in JobStatus::ALL {
        match data_plane_next(at, task_type) {
            Some(t) => at = t.to,
            None => break,
        }
    }
    at
}

/// Where a status the machine does not reach is entered from (see [`history`]).
fn anchor(status: JobStatus, task_type: TaskType) -> JobStatus {
    match status {
        CreateFailed => Creating,
        IncreTransferFailed => IncreTransferStarted,
        ReleaseResourceFailed => ReleaseResourceStarted,
        _ => running(task_type),
    }
}

/// The status changes that bring a new task of `task_type` to `status`, oldest first: its
/// creation (`None` → `CREATING`, [`CREATE_LABEL`]), then
///
/// 1. the shortest path over the machine's [`edges`] for `task_type`; or, for a status only
///    another task type passes through (the full transfer of an incremental-only task: its type
///    was changed since), the shortest path over the edges of every task type;
/// 2. for a status entered by what the machine does not model (a failed creation, incremental
///    transfer or release; node rebuilds, job changes, node upgrades, child transfers and their
///    release), the path (as in 1) to the status it is entered from, then ONE direct change
///    labelled [`FALLBACK_LABEL`] (with a cause when it is a failure). That status is `CREATING`,
///    `INCRE_TRANSFER_STARTED` and `RELEASE_RESOURCE_STARTED` for the three failures, otherwise
///    the status the task runs in (where its data plane's chain from `STARTJOBING` ends).
///
/// Among paths of equal length the first found wins, so the answer is the same on every call.
pub fn history(status: JobStatus, task_type: TaskType) -> Vec<Change> {
    let own = edges(task_type);
    let any: Vec<Change> = TaskType::ALL.iter().flat_map(|t| edges(*t)).collect();
    let reach = |to| shortest(&own, to).or_else(|| shortest(&any, to));
    let mut changes = vec![Change {
        from: None,
        to: Creating,
        label: CREATE_LABEL.into(),
        error_msg: None,
    }];
    match reach(status) {
        Some(path) => changes.extend(path),
        None => {
            let from = anchor(status, task_type);
            changes.extend(reach(from).unwrap_or_default());
            changes.push(Change {
                from: Some(from),
                to: status,
                label: FALLBACK_LABEL.into(),
                error_msg: status.is_failure().then_some(FALLBACK_FAILURE),
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(changes: &[Change]) -> Vec<JobStatus> {
        changes.iter().map(|c| c.to).collect()
    }

    fn is_edge(c: &Change) -> bool {
        TaskType::ALL.iter().any(|t| edges(*t).contains(c))
    }

    #[test]
    fn every_history_is_a_chain_of_machine_edges_from_creation_to_the_status() {
        for task in TaskType::ALL {
            for status in JobStatus::ALL {
                let h = history(*status, *task);
                let at = format!("{status} {task}");
                assert_eq!(h[0].from, None, "{at}");
                assert_eq!((h[0].to, h[0].label.as_str()), (Creating, CREATE_LABEL));
                assert_eq!(h.last().map(|c| c.to), Some(*status), "{at}");
                for (i, pair) in h.windows(2).enumerate() {
                    assert_eq!(
                        pair[1].from,
                        Some(pair[0].to),
                        "{at}: step {i} breaks the chain"
                    );
                }
                for (i, c) in h.iter().enumerate().skip(1) {
                    let fallback_here = i == h.len() - 1 && c.label == FALLBACK_LABEL;
                    assert!(is_edge(c) || fallback_here, "{at}: {c:?} is no edge");
                    assert_ne!(c.from, Some(c.to), "{at}: {c:?} changes nothing");
                }
                let mut seen = statuses(&h);
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), h.len(), "{at}: a status repeats");
            }
        }
    }

    #[test]
    fn only_a_status_no_task_type_reaches_ends_with_the_fallback() {
        for task in TaskType::ALL {
            for status in JobStatus::ALL {
                let h = history(*status, *task);
                let fallback = h.last().is_some_and(|c| c.label == FALLBACK_LABEL);
                let every: Vec<Change> = TaskType::ALL.iter().flat_map(|t| edges(*t)).collect();
                let reachable = shortest(&every, *status).is_some();
                assert_eq!(fallback, !reachable, "{status} {task}");
            }
        }
    }

    #[test]
    fn a_task_in_incremental_transfer_got_there_through_its_start_and_full_transfer() {
        let h = history(IncreTransferStarted, TaskType::FullIncrTrans);
        assert_eq!(
            statuses(&h),
            vec![
                Creating,
                Configuration,
                StartJobing,
                FullTransferStarted,
                IncreTransferStarted
            ]
        );
        let labels: Vec<&str> = h.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "user:create",
                "executor:create",
                "user:START",
                "executor:start",
                "executor:full_transfer"
            ]
        );
        let incr = history(IncreTransferStarted, TaskType::IncrTrans);
        assert_eq!(
            statuses(&incr),
            vec![Creating, Configuration, StartJobing, IncreTransferStarted]
        );
    }

    #[test]
    fn a_failed_full_transfer_ends_with_the_steps_failure_and_its_cause() {
        let h = history(FullTransferFailed, TaskType::FullTrans);
        let last = h.last().expect("changes");
        assert_eq!(
            (last.from, last.to, last.label.as_str()),
            (
                Some(FullTransferStarted),
                FullTransferFailed,
                "executor:full_transfer"
            )
        );
        assert!(last.error_msg.is_some());
        assert!(h[..h.len() - 1].iter().all(|c| c.error_msg.is_none()));
    }

    #[test]
    fn a_full_transfer_status_of_an_incremental_only_task_passes_through_another_types_edges() {
        let h = history(FullTransferComplete, TaskType::IncrTrans);
        assert_eq!(
            statuses(&h),
            vec![
                Creating,
                Configuration,
                StartJobing,
                FullTransferStarted,
                FullTransferComplete
            ]
        );
        assert!(h.iter().all(|c| c.label != FALLBACK_LABEL));
    }

    #[test]
    fn a_node_upgrade_is_one_data_plane_change_from_the_status_the_task_runs_in() {
        let h = history(NodeUpgradeStart, TaskType::FullIncrTrans);
        let last = h.last().expect("changes");
        assert_eq!(
            (last.from, last.label.as_str(), last.error_msg),
            (Some(IncreTransferStarted), FALLBACK_LABEL, None)
        );
        let full = history(ChildTransferStarted, TaskType::FullTrans);
        assert_eq!(full.last().and_then(|c| c.from), Some(FullTransferComplete));
        let failed = history(ReleaseResourceFailed, TaskType::FullTrans);
        let last = failed.last().expect("changes");
        assert_eq!(last.from, Some(ReleaseResourceStarted));
        assert!(last.error_msg.is_some(), "a failure records its cause");
    }

    #[test]
    fn a_waiting_task_was_started_with_a_time_and_a_created_one_has_only_its_creation() {
        let h = history(WaitingForStart, TaskType::FullTrans);
        assert_eq!(
            h.last().map(|c| (c.from, c.label.as_str())),
            Some((Some(Configuration), "user:START"))
        );
        assert_eq!(
            statuses(&history(Creating, TaskType::IncrTrans)),
            vec![Creating]
        );
    }

    #[test]
    fn the_hidden_force_stop_is_never_part_of_a_history() {
        for task in TaskType::ALL {
            assert!(edges(*task)
                .iter()
                .all(|c| c.label != format!("user:{}", Action::ForceStop.as_str())));
        }
    }
}
