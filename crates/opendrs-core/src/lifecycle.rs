//! The job state machine: ONE table of (status, action) → next status. It decides which
//! operations a job accepts and computes the `job_action` shown in the list and the detail.

use crate::enums::JobStatus::{self, *};
use serde::Serialize;

/// A user operation on a job, named as the original's `JobActionResp` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Start,
    Pause,
    ContinueJob,
    Retry,
    StopJob,
    Delete,
    ModifyConfiguration,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Start,
        Action::Pause,
        Action::ContinueJob,
        Action::Retry,
        Action::StopJob,
        Action::Delete,
        Action::ModifyConfiguration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Start => "START",
            Action::Pause => "PAUSE",
            Action::ContinueJob => "CONTINUE_JOB",
            Action::Retry => "RETRY",
            Action::StopJob => "STOP_JOB",
            Action::Delete => "DELETE",
            Action::ModifyConfiguration => "MODIFY_CONFIGURATION",
        }
    }
}

use Action::*;

/// The transitions users may trigger. Anything not listed is refused with `DRS.M00304`.
pub const TRANSITIONS: &[(JobStatus, Action, JobStatus)] = &[
    (Configuration, Start, StartJobing),
    (Configuration, ModifyConfiguration, Configuration),
    (Configuration, StopJob, ReleaseResourceStarted),
    (Configuration, Delete, Deleted),
    (CreateFailed, Delete, Deleted),
    (WaitingForStart, Start, StartJobing),
    (WaitingForStart, ModifyConfiguration, WaitingForStart),
    (WaitingForStart, StopJob, ReleaseResourceStarted),
    (StartJobing, StopJob, ReleaseResourceStarted),
    (StartJobFailed, Retry, StartJobing),
    (StartJobFailed, StopJob, ReleaseResourceStarted),
    (StartJobFailed, Delete, Deleted),
    (FullTransferStarted, Pause, Pausing),
    (
        FullTransferStarted,
        ModifyConfiguration,
        FullTransferStarted,
    ),
    (FullTransferStarted, StopJob, ReleaseResourceStarted),
    (FullTransferFailed, Retry, FullTransferStarted),
    (FullTransferFailed, StopJob, ReleaseResourceStarted),
    (
        FullTransferComplete,
        ModifyConfiguration,
        FullTransferComplete,
    ),
    (FullTransferComplete, StopJob, ReleaseResourceStarted),
    (IncreTransferStarted, Pause, Pausing),
    (
        IncreTransferStarted,
        ModifyConfiguration,
        IncreTransferStarted,
    ),
    (IncreTransferStarted, StopJob, ReleaseResourceStarted),
    (IncreTransferFailed, Retry, IncreTransferStarted),
    (IncreTransferFailed, StopJob, ReleaseResourceStarted),
    (Pausing, ContinueJob, StartJobing),
    (Pausing, ModifyConfiguration, Pausing),
    (Pausing, StopJob, ReleaseResourceStarted),
    (ReleaseResourceFailed, StopJob, ReleaseResourceStarted),
    (ReleaseResourceComplete, Delete, Deleted),
    (RebuildNodeFailed, Retry, RebuildNodeStarted),
    (RebuildNodeFailed, StopJob, ReleaseResourceStarted),
    (ChangeJobFailed, Retry, ChangeJobStarted),
    (ChangeJobFailed, StopJob, ReleaseResourceStarted),
    (ChildTransferStarted, StopJob, ReleaseChildTransferStarted),
    (ChildTransferFailed, Retry, ChildTransferStarting),
    (ChildTransferFailed, StopJob, ReleaseChildTransferStarted),
    (ChildTransferComplete, StopJob, ReleaseChildTransferStarted),
    (ReleaseChildTransferComplete, Delete, Deleted),
    (NodeUpgradeFailed, StopJob, ReleaseResourceStarted),
];

/// The status `action` leads to from `status`, or `None` when the status does not allow it.
pub fn next_status(status: JobStatus, action: Action) -> Option<JobStatus> {
    TRANSITIONS
        .iter()
        .find(|(from, a, _)| *from == status && *a == action)
        .map(|(_, _, to)| *to)
}

/// The wire `JobActionResp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobActionResp {
    pub available_actions: Vec<&'static str>,
    pub unavailable_actions: Vec<&'static str>,
    /// The operation in progress, when there is one (`STOP_JOB` while resources are released).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_action: Option<&'static str>,
}

/// `job_action` for a job in `status`, computed once per status from the transition table.
pub fn job_action(status: JobStatus) -> &'static JobActionResp {
    static TABLE: std::sync::OnceLock<Vec<JobActionResp>> = std::sync::OnceLock::new();
    // `JobStatus::ALL` is in declaration order, so a status's discriminant is its index.
    &TABLE.get_or_init(|| {
        JobStatus::ALL
            .iter()
            .map(|s| compute_job_action(*s))
            .collect()
    })[status as usize]
}

fn compute_job_action(status: JobStatus) -> JobActionResp {
    let (available, unavailable): (Vec<Action>, Vec<Action>) = Action::ALL
        .iter()
        .partition(|a| next_status(status, **a).is_some());
    JobActionResp {
        available_actions: available.into_iter().map(Action::as_str).collect(),
        unavailable_actions: unavailable.into_iter().map(Action::as_str).collect(),
        current_action: match status {
            ReleaseResourceStarted | ReleaseChildTransferStarted => Some(StopJob.as_str()),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_job_action_of_every_status_is_the_computed_one() {
        for status in JobStatus::ALL {
            assert_eq!(
                job_action(*status),
                &compute_job_action(*status),
                "{status}"
            );
        }
    }

    #[test]
    fn no_status_has_two_transitions_for_the_same_action() {
        for (i, (s, a, _)) in TRANSITIONS.iter().enumerate() {
            let dup = TRANSITIONS[i + 1..]
                .iter()
                .any(|(s2, a2, _)| s2 == s && a2 == a);
            assert!(!dup, "{s} {a:?} listed twice");
        }
    }

    #[test]
    fn a_deleted_job_accepts_nothing() {
        for a in Action::ALL {
            assert_eq!(next_status(Deleted, *a), None);
        }
    }

    #[test]
    fn job_action_lists_every_action_exactly_once() {
        for status in JobStatus::ALL {
            let r = job_action(*status);
            let mut all: Vec<_> = r
                .available_actions
                .iter()
                .chain(&r.unavailable_actions)
                .collect();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), Action::ALL.len(), "{status}");
        }
    }

    #[test]
    fn job_action_matches_the_table_for_every_status_and_action() {
        for status in JobStatus::ALL {
            let r = job_action(*status);
            for a in Action::ALL {
                let allowed = next_status(*status, *a).is_some();
                assert_eq!(
                    r.available_actions.contains(&a.as_str()),
                    allowed,
                    "{status} {a:?}"
                );
            }
        }
    }

    #[test]
    fn a_running_transfer_can_be_paused_and_a_paused_job_resumed() {
        assert_eq!(next_status(IncreTransferStarted, Pause), Some(Pausing));
        assert_eq!(next_status(Pausing, ContinueJob), Some(StartJobing));
        assert_eq!(next_status(Configuration, Pause), None);
    }

    #[test]
    fn only_finished_or_never_started_jobs_can_be_deleted() {
        let deletable: Vec<_> = JobStatus::ALL
            .iter()
            .filter(|s| next_status(**s, Delete).is_some())
            .collect();
        assert_eq!(
            deletable,
            vec![
                &CreateFailed,
                &Configuration,
                &StartJobFailed,
                &ReleaseResourceComplete,
                &ReleaseChildTransferComplete
            ]
        );
    }
}
