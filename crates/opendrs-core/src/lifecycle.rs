//! The job state machine: ONE table of (status, action) → next status. It decides which
//! operations a job accepts and computes the `job_action` shown in the list and the detail; the
//! data-plane steps the executor drives (`data_plane_next`) and the decision for a user
//! operation (`decide`) are read from it. Workflow operations that keep the status (choosing
//! objects, testing connections, prechecks, switchovers) are rows of the same table.

use crate::{
    enums::{
        DbUseType,
        JobStatus::{self, *},
        TaskType,
    },
    error::Error,
    workflow::PrecheckGate,
};
use serde::{Deserialize, Serialize};

pub mod history;

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
    /// `batch-select-objects`.
    ChooseObject,
    /// `batch-precheck`.
    PreCheck,
    /// `batch-connection`: testing the databases a job is configured with.
    ModifyDbConfig,
    /// `batch-switchover` (disaster-recovery tasks only).
    SwitchOver,
    /// `delete_type: force_terminate`: stop whatever the job is doing. Not shown in `job_action`
    /// (the original's `JobActionResp` has no such action).
    ForceStop,
}

impl Action {
    /// The actions `job_action` shows (every action but the hidden `ForceStop`).
    pub const ALL: &'static [Action] = Action::EVERY.split_at(Action::EVERY.len() - 1).0;

    /// Every action of the table, the hidden `ForceStop` included.
    pub const EVERY: &'static [Action] = &[
        Action::Start,
        Action::Pause,
        Action::ContinueJob,
        Action::Retry,
        Action::StopJob,
        Action::Delete,
        Action::ModifyConfiguration,
        Action::ChooseObject,
        Action::PreCheck,
        Action::ModifyDbConfig,
        Action::SwitchOver,
        Action::ForceStop,
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
            Action::ChooseObject => "CHOOSE_OBJECT",
            Action::PreCheck => "PRE_CHECK",
            Action::ModifyDbConfig => "MODIFY_DB_CONFIG",
            Action::SwitchOver => "SWITCH_OVER",
            Action::ForceStop => "FORCE_STOP",
        }
    }

    /// Whether the action exists for jobs of `scenario` at all: objects are chosen for
    /// migration and synchronization tasks, a switchover is for disaster recovery only.
    pub fn applies_to(self, scenario: DbUseType) -> bool {
        match self {
            Action::ChooseObject => scenario != DbUseType::CloudDataGuard,
            Action::SwitchOver => scenario == DbUseType::CloudDataGuard,
            _ => true,
        }
    }

    /// Whether the action waits while a status-keeping step (a precheck, a switchover) runs:
    /// the step must end (or be cancelled by a stop) first.
    fn waits_for_running_step(self) -> bool {
        matches!(
            self,
            Action::Start
                | Action::Pause
                | Action::ContinueJob
                | Action::Retry
                | Action::PreCheck
                | Action::SwitchOver
        )
    }
}

use Action::*;

/// The transitions users may trigger. Anything not listed is refused with `DRS.M00304`.
pub const TRANSITIONS: &[(JobStatus, Action, JobStatus)] = &[
    (Configuration, Start, StartJobing),
    (Configuration, ModifyConfiguration, Configuration),
    (Configuration, ChooseObject, Configuration),
    (Configuration, ModifyDbConfig, Configuration),
    (Configuration, PreCheck, Configuration),
    (Configuration, StopJob, ReleaseResourceStarted),
    (Configuration, Delete, Deleted),
    (CreateFailed, Delete, Deleted),
    (WaitingForStart, Start, StartJobing),
    (WaitingForStart, ModifyConfiguration, WaitingForStart),
    (WaitingForStart, StopJob, ReleaseResourceStarted),
    (StartJobing, StopJob, ReleaseResourceStarted),
    (StartJobFailed, Retry, StartJobing),
    (StartJobFailed, PreCheck, StartJobFailed),
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
    (FullTransferFailed, PreCheck, FullTransferFailed),
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
    (IncreTransferStarted, SwitchOver, IncreTransferStarted),
    (IncreTransferFailed, Retry, IncreTransferStarted),
    (IncreTransferFailed, PreCheck, IncreTransferFailed),
    (IncreTransferFailed, SwitchOver, IncreTransferFailed),
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
    // force_terminate: from anything that still holds resources.
    (Creating, ForceStop, ReleaseResourceStarted),
    (Configuration, ForceStop, ReleaseResourceStarted),
    (WaitingForStart, ForceStop, ReleaseResourceStarted),
    (StartJobing, ForceStop, ReleaseResourceStarted),
    (StartJobFailed, ForceStop, ReleaseResourceStarted),
    (Pausing, ForceStop, ReleaseResourceStarted),
    (FullTransferStarted, ForceStop, ReleaseResourceStarted),
    (FullTransferFailed, ForceStop, ReleaseResourceStarted),
    (FullTransferComplete, ForceStop, ReleaseResourceStarted),
    (IncreTransferStarted, ForceStop, ReleaseResourceStarted),
    (IncreTransferFailed, ForceStop, ReleaseResourceStarted),
    (ReleaseResourceFailed, ForceStop, ReleaseResourceStarted),
    (RebuildNodeStarted, ForceStop, ReleaseResourceStarted),
    (RebuildNodeFailed, ForceStop, ReleaseResourceStarted),
    (ChangeJobStarted, ForceStop, ReleaseResourceStarted),
    (ChangeJobFailed, ForceStop, ReleaseResourceStarted),
    (NodeUpgradeStart, ForceStop, ReleaseResourceStarted),
    (NodeUpgradeComplete, ForceStop, ReleaseResourceStarted),
    (NodeUpgradeFailed, ForceStop, ReleaseResourceStarted),
    (
        ChildTransferStarting,
        ForceStop,
        ReleaseChildTransferStarted,
    ),
    (ChildTransferStarted, ForceStop, ReleaseChildTransferStarted),
    (
        ChildTransferComplete,
        ForceStop,
        ReleaseChildTransferStarted,
    ),
    (ChildTransferFailed, ForceStop, ReleaseChildTransferStarted),
];

/// The status `action` leads to from `status`, or `None` when the status does not allow it.
pub fn next_status(status: JobStatus, action: Action) -> Option<JobStatus> {
    TRANSITIONS
        .iter()
        .find(|(from, a, _)| *from == status && *a == action)
        .map(|(_, _, to)| *to)
}

/// Whether a job of `scenario` in `status`, with `running` (a status-keeping step in progress,
/// if any), accepts `action`: the table's row, the scenario, and the running step.
pub fn allows(
    status: JobStatus,
    scenario: DbUseType,
    running: Option<Step>,
    action: Action,
) -> bool {
    next_status(status, action).is_some()
        && action.applies_to(scenario)
        && !(running.is_some() && action.waits_for_running_step())
}

/// The wire `JobActionResp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct JobActionResp {
    pub available_actions: Vec<&'static str>,
    pub unavailable_actions: Vec<&'static str>,
    /// The operation in progress, when there is one (`STOP_JOB` while resources are released,
    /// `SWITCH_OVER` while a DR task switches over).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_action: Option<&'static str>,
}

/// The status-keeping steps a job can be running (index 0: none).
const RUNNING: [Option<Step>; 3] = [None, Some(Step::Precheck), Some(Step::Switchover)];

/// `job_action` for a job of `scenario` in `status` running `running`, computed once per
/// combination from the transition table.
pub fn job_action(
    status: JobStatus,
    scenario: DbUseType,
    running: Option<Step>,
) -> &'static JobActionResp {
    static TABLE: std::sync::OnceLock<Vec<JobActionResp>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut all = Vec::new();
        for scenario in DbUseType::ALL {
            for running in RUNNING {
                for status in JobStatus::ALL {
                    all.push(compute_job_action(*status, *scenario, running));
                }
            }
        }
        all
    });
    // `ALL`s are in declaration order, so a discriminant is an index.
    let r = RUNNING.iter().position(|r| *r == running).unwrap_or(0);
    let n = JobStatus::ALL.len();
    &table[(scenario as usize * RUNNING.len() + r) * n + status as usize]
}

fn compute_job_action(
    status: JobStatus,
    scenario: DbUseType,
    running: Option<Step>,
) -> JobActionResp {
    let (available, unavailable): (Vec<Action>, Vec<Action>) = Action::ALL
        .iter()
        .partition(|a| allows(status, scenario, running, **a));
    JobActionResp {
        available_actions: available.into_iter().map(Action::as_str).collect(),
        unavailable_actions: unavailable.into_iter().map(Action::as_str).collect(),
        current_action: match (status, running) {
            (ReleaseResourceStarted | ReleaseChildTransferStarted, _) => Some(StopJob.as_str()),
            (_, Some(Step::Switchover)) => Some(SwitchOver.as_str()),
            _ => None,
        },
    }
}

/// A step of the data plane: what the executor does to a job between two statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Provisioning the replication instance: `CREATING` → `CONFIGURATION`.
    Create,
    /// Starting the task: `STARTJOBING` → the first transfer status.
    Start,
    /// Resuming a paused task: `STARTJOBING` → the status it was paused in.
    Resume,
    /// The full (snapshot) transfer: `FULL_TRANSFER_STARTED` → complete or incremental.
    FullTransfer,
    /// Releasing the resources of a stopped task.
    Release,
    /// Waiting for a start time: `WAITING_FOR_START` → `STARTJOBING`.
    ScheduledStart,
    /// A precheck run: the status stays; its result is final when the step completes.
    Precheck,
    /// A DR switchover: the status stays (`current_action` `SWITCH_OVER` meanwhile); the roles
    /// of the databases swap when it completes.
    Switchover,
}

impl Step {
    pub const ALL: &'static [Step] = &[
        Step::Create,
        Step::Start,
        Step::Resume,
        Step::FullTransfer,
        Step::Release,
        Step::ScheduledStart,
        Step::Precheck,
        Step::Switchover,
    ];

    /// Whether the step keeps the job's status (it is an operation in progress, not a move).
    pub fn keeps_status(self) -> bool {
        matches!(self, Step::Precheck | Step::Switchover)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Create => "create",
            Step::Start => "start",
            Step::Resume => "resume",
            Step::FullTransfer => "full_transfer",
            Step::Release => "release",
            Step::ScheduledStart => "scheduled_start",
            Step::Precheck => "precheck",
            Step::Switchover => "switchover",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.iter().copied().find(|step| step.as_str() == s)
    }

    /// The status a failed run of this step leaves the job in (`None`: the step cannot fail).
    pub fn failure(self) -> Option<JobStatus> {
        match self {
            Step::Start => Some(StartJobFailed),
            Step::FullTransfer => Some(FullTransferFailed),
            _ => None,
        }
    }
}

/// A pending data-plane transition of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: JobStatus,
    pub to: JobStatus,
    pub step: Step,
}

/// What the data plane does next with a job that has just reached `status` (`None`: the job
/// stays there until a user acts). A full+incremental task moves on to incremental transfer
/// after its full transfer; a full-only task completes; an incremental-only task skips the full
/// transfer.
pub fn data_plane_next(status: JobStatus, task_type: TaskType) -> Option<Transition> {
    let (to, step) = match status {
        Creating => (Configuration, Step::Create),
        StartJobing => (
            match task_type {
                TaskType::IncrTrans => IncreTransferStarted,
                _ => FullTransferStarted,
            },
            Step::Start,
        ),
        FullTransferStarted => (
            match task_type {
                TaskType::FullTrans => FullTransferComplete,
                _ => IncreTransferStarted,
            },
            Step::FullTransfer,
        ),
        ReleaseResourceStarted => (ReleaseResourceComplete, Step::Release),
        ReleaseChildTransferStarted => (ReleaseChildTransferComplete, Step::Release),
        ChildTransferStarting => (ChildTransferStarted, Step::Start),
        _ => return None,
    };
    Some(Transition {
        from: status,
        to,
        step,
    })
}

/// A user operation on one job, as the batch APIs name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `batch-starting`; `at_ms`: a start time (epoch ms) instead of now.
    Start { at_ms: Option<i64> },
    /// `batch-pause-task`.
    Pause,
    /// `batch-retry-task`: resumes a paused job, retries a failed one.
    Restore,
    /// The v5 action `reset`: retries a failed transfer (`FULL_TRANSFER_FAILED`,
    /// `INCRE_TRANSFER_FAILED`) once a `forRetryJob` precheck has passed (`JobState::precheck`
    /// is then that precheck's gate). The table's `RETRY`.
    Reset,
    /// `batch-jobs` with `delete_type: terminate`.
    Terminate,
    /// `batch-jobs` with `delete_type: force_terminate`.
    ForceTerminate,
    /// `batch-jobs` with `delete_type: delete`.
    Delete,
    /// `batch-modification`; `configuration`: whether it changes how the task runs (task type,
    /// endpoints, network…) rather than only how it is named, described, tagged or alarmed.
    Modify { configuration: bool },
    /// `batch-select-objects`.
    SelectObjects,
    /// `batch-limit-speed` (flow control: part of the task's configuration).
    SetSpeed,
    /// `batch-connection`.
    TestConnection,
    /// `batch-precheck`.
    Precheck { mode: PrecheckMode },
    /// The v5 action `skip_precheck`: marks failed items of the latest (completed) precheck run
    /// as skipped. The table's `PRE_CHECK` row; nothing is scheduled.
    SkipPrecheck,
    /// `batch-switchover`; `pause`: pause the task once the roles have swapped.
    Switchover { pause: bool },
}

/// `precheck_mode`: before a first start, or before retrying a failed task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum PrecheckMode {
    #[serde(rename = "forStartJob")]
    ForStartJob,
    #[serde(rename = "forRetryJob")]
    ForRetryJob,
}

impl PrecheckMode {
    pub const NAMES: &'static [&'static str] = &["forStartJob", "forRetryJob"];

    pub fn parse(s: &str) -> Option<PrecheckMode> {
        match s {
            "forStartJob" => Some(PrecheckMode::ForStartJob),
            "forRetryJob" => Some(PrecheckMode::ForRetryJob),
            _ => None,
        }
    }
}

/// What `decide` needs to know of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobState {
    pub status: JobStatus,
    pub task_type: TaskType,
    /// For a `PAUSING` job: the status it was paused in, when known.
    pub paused_from: Option<JobStatus>,
    pub scenario: DbUseType,
    /// A dual-active DR task (`multi_write`): no switchover.
    pub multi_write: bool,
    /// The status-keeping step in progress, if any.
    pub running: Option<Step>,
    /// The precheck the operation needs: a first start's `forStartJob` one, or, for
    /// [`Op::Reset`], the latest unused `forRetryJob` one.
    pub precheck: PrecheckGate,
}

impl JobState {
    /// A job of `task_type` in `status` (a migration, nothing running, no precheck recorded).
    pub fn new(status: JobStatus, task_type: TaskType) -> Self {
        JobState {
            status,
            task_type,
            paused_from: None,
            scenario: DbUseType::Migration,
            multi_write: false,
            running: None,
            precheck: PrecheckGate::NotRequired,
        }
    }
}

/// When a scheduled transition is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// After the step's configured duration.
    AfterStep,
    /// At this time of the executor's clock (ms).
    At(i64),
}

/// The outcome of an accepted operation: the job's new status and the data-plane transition
/// to schedule (replacing any pending one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub to: JobStatus,
    pub schedule: Option<(Transition, Due)>,
}

/// Statuses in which even a job's name, description, tags and alarms are frozen.
fn metadata_frozen(status: JobStatus) -> bool {
    matches!(
        status,
        ReleaseResourceStarted
            | ReleaseResourceComplete
            | ReleaseChildTransferStarted
            | ReleaseChildTransferComplete
            | Deleted
    )
}

/// Accepts or refuses `op` on a job in `state`, at `now_ms` of the executor's clock.
pub fn decide(state: JobState, op: &Op, now_ms: i64) -> Result<Decision, Error> {
    if state.status == Deleted {
        return Err(Error::JobDeleted);
    }
    let refuse = || Error::StatusForbids {
        status: state.status,
    };
    let action = match op {
        Op::Start { .. } => Start,
        Op::Pause => Pause,
        Op::Restore if state.status == Pausing => ContinueJob,
        Op::Restore => Retry,
        Op::Reset if matches!(state.status, FullTransferFailed | IncreTransferFailed) => Retry,
        Op::Reset => return Err(refuse()),
        Op::Terminate => StopJob,
        Op::ForceTerminate => ForceStop,
        Op::Delete => Delete,
        Op::Modify {
            configuration: true,
        } => ModifyConfiguration,
        Op::SetSpeed if state.task_type == TaskType::IncrTrans => {
            return Err(Error::FlowControlUnsupported)
        }
        Op::SetSpeed => ModifyConfiguration,
        Op::SelectObjects => ChooseObject,
        Op::TestConnection => ModifyDbConfig,
        Op::Precheck { mode } => {
            let first_start = state.status == Configuration;
            if first_start != (*mode == PrecheckMode::ForStartJob) {
                return Err(refuse());
            }
            PreCheck
        }
        Op::SkipPrecheck => PreCheck,
        Op::Switchover { .. } if state.multi_write => return Err(Error::NotForThisTask),
        Op::Switchover { .. } => SwitchOver,
        Op::Modify {
            configuration: false,
        } => {
            // Renaming, describing, tagging: allowed until the job is being released.
            return if metadata_frozen(state.status) {
                Err(refuse())
            } else {
                Ok(Decision {
                    action: ModifyConfiguration,
                    to: state.status,
                    schedule: None,
                })
            };
        }
    };
    let to = next_status(state.status, action).ok_or_else(refuse)?;
    if !action.applies_to(state.scenario) {
        return Err(Error::NotForThisTask);
    }
    if state.running.is_some() && action.waits_for_running_step() {
        return Err(Error::OperationInProgress);
    }
    if action == Start && state.status == Configuration {
        match state.precheck {
            PrecheckGate::NotRequired | PrecheckGate::Passed => {}
            PrecheckGate::Running => return Err(Error::OperationInProgress),
            PrecheckGate::NotRun | PrecheckGate::Failed => return Err(Error::PrecheckNotPassed),
        }
    }
    if matches!(op, Op::Reset) && state.precheck != PrecheckGate::Passed {
        return Err(Error::RetryPrecheckNotPassed);
    }
    let follow = |to: JobStatus| data_plane_next(to, state.task_type).map(|t| (t, Due::AfterStep));
    let (to, schedule) = match (op, action) {
        (Op::Start { at_ms: Some(at) }, Start) if *at > now_ms && state.status == Configuration => {
            let wait = Transition {
                from: WaitingForStart,
                to: StartJobing,
                step: Step::ScheduledStart,
            };
            (WaitingForStart, Some((wait, Due::At(*at))))
        }
        (_, ContinueJob) => {
            let back = state.paused_from.unwrap_or(match state.task_type {
                TaskType::FullTrans => FullTransferStarted,
                _ => IncreTransferStarted,
            });
            let resume = Transition {
                from: StartJobing,
                to: back,
                step: Step::Resume,
            };
            (to, Some((resume, Due::AfterStep)))
        }
        (Op::SkipPrecheck, _) => (to, None),
        (_, PreCheck | SwitchOver) => {
            let step = if action == PreCheck {
                Step::Precheck
            } else {
                Step::Switchover
            };
            let run = Transition { from: to, to, step };
            (to, Some((run, Due::AfterStep)))
        }
        _ => (to, follow(to)),
    };
    Ok(Decision {
        action,
        to,
        schedule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (status, scenario, running step) a job can show.
    fn shown() -> Vec<(JobStatus, DbUseType, Option<Step>)> {
        let mut all = Vec::new();
        for status in JobStatus::ALL {
            for scenario in DbUseType::ALL {
                for running in RUNNING {
                    all.push((*status, *scenario, running));
                }
            }
        }
        all
    }

    #[test]
    fn the_cached_job_action_of_every_status_is_the_computed_one() {
        for (status, scenario, running) in shown() {
            assert_eq!(
                job_action(status, scenario, running),
                &compute_job_action(status, scenario, running),
                "{status} {scenario} {running:?}"
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
        for (status, scenario, running) in shown() {
            let r = job_action(status, scenario, running);
            let mut all: Vec<_> = r
                .available_actions
                .iter()
                .chain(&r.unavailable_actions)
                .collect();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), Action::ALL.len(), "{status}");
            let _ = (scenario, running);
        }
    }

    #[test]
    fn job_action_matches_the_table_for_every_status_and_action() {
        for (status, scenario, running) in shown() {
            let r = job_action(status, scenario, running);
            for a in Action::ALL {
                let allowed = next_status(status, *a).is_some()
                    && a.applies_to(scenario)
                    && (running.is_none() || !a.waits_for_running_step());
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

    const OPS: &[Op] = &[
        Op::Start { at_ms: None },
        Op::Start {
            at_ms: Some(i64::MAX),
        },
        Op::Pause,
        Op::Restore,
        Op::Reset,
        Op::Terminate,
        Op::ForceTerminate,
        Op::Delete,
        Op::Modify {
            configuration: true,
        },
        Op::Modify {
            configuration: false,
        },
        Op::SetSpeed,
        Op::SelectObjects,
        Op::TestConnection,
        Op::Precheck {
            mode: PrecheckMode::ForStartJob,
        },
        Op::Precheck {
            mode: PrecheckMode::ForRetryJob,
        },
        Op::SkipPrecheck,
        Op::Switchover { pause: false },
    ];
    const TASKS: &[TaskType] = &[
        TaskType::FullTrans,
        TaskType::FullIncrTrans,
        TaskType::IncrTrans,
    ];

    fn state(status: JobStatus, task_type: TaskType) -> JobState {
        JobState::new(status, task_type)
    }

    #[test]
    fn every_decision_over_the_whole_table_agrees_with_the_table() {
        for status in JobStatus::ALL {
            for task in TASKS {
                for op in OPS {
                    match decide(state(*status, *task), op, 0) {
                        Ok(d) => {
                            let table = next_status(*status, d.action);
                            let scheduled_start = matches!(op, Op::Start { at_ms: Some(_) })
                                && *status == Configuration;
                            let metadata = matches!(
                                op,
                                Op::Modify {
                                    configuration: false
                                }
                            );
                            if *op == Op::SkipPrecheck {
                                assert_eq!((d.to, d.schedule), (*status, None), "{status}");
                            } else if d.action == PreCheck || d.action == SwitchOver {
                                assert_eq!(d.to, *status, "{op:?} keeps the status");
                                let step = d
                                    .schedule
                                    .map(|(t, _)| (t.from, t.to, t.step.keeps_status()));
                                assert_eq!(step, Some((*status, *status, true)));
                            } else if scheduled_start {
                                assert_eq!(d.to, WaitingForStart);
                            } else if metadata {
                                assert_eq!(d.to, *status, "metadata edits keep the status");
                            } else {
                                assert_eq!(Some(d.to), table, "{status} {op:?}");
                            }
                        }
                        Err(Error::JobDeleted) => assert_eq!(*status, Deleted),
                        Err(Error::StatusForbids { status: s }) => {
                            assert_eq!(s, *status);
                            if !matches!(
                                op,
                                Op::Modify {
                                    configuration: false
                                }
                            ) {
                                let refused = Action::EVERY
                                    .iter()
                                    .filter(|a| next_status(*status, **a).is_none())
                                    .count();
                                assert!(refused > 0, "{status} refuses something");
                            }
                        }
                        Err(Error::FlowControlUnsupported) => {
                            assert_eq!((op, *task), (&Op::SetSpeed, TaskType::IncrTrans))
                        }
                        Err(Error::NotForThisTask) => {
                            assert!(matches!(op, Op::Switchover { .. }), "{op:?}")
                        }
                        Err(Error::RetryPrecheckNotPassed) => {
                            // No retry precheck is recorded here; the table allows the retry.
                            assert_eq!(op, &Op::Reset);
                            assert!(next_status(*status, Retry).is_some(), "{status}");
                        }
                        Err(e) => panic!("{status} {op:?}: unexpected {e:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn every_data_plane_chain_ends_and_never_leaves_through_a_user_only_status() {
        for status in JobStatus::ALL {
            for task in TASKS {
                let mut at = *status;
                let mut steps = 0;
                while let Some(t) = data_plane_next(at, *task) {
                    assert_eq!(t.from, at);
                    assert_ne!(t.to, at, "a step changes the status");
                    at = t.to;
                    steps += 1;
                    assert!(steps < 5, "{status} {task} loops");
                }
            }
        }
    }

    #[test]
    fn the_data_plane_follows_the_task_type() {
        let run = |task| {
            let mut at = StartJobing;
            let mut seen = vec![at];
            while let Some(t) = data_plane_next(at, task) {
                at = t.to;
                seen.push(at);
            }
            seen
        };
        assert_eq!(
            run(TaskType::FullIncrTrans),
            vec![StartJobing, FullTransferStarted, IncreTransferStarted]
        );
        assert_eq!(
            run(TaskType::FullTrans),
            vec![StartJobing, FullTransferStarted, FullTransferComplete]
        );
        assert_eq!(
            run(TaskType::IncrTrans),
            vec![StartJobing, IncreTransferStarted]
        );
        assert_eq!(
            data_plane_next(ReleaseResourceStarted, TaskType::FullTrans).map(|t| t.to),
            Some(ReleaseResourceComplete)
        );
    }

    #[test]
    fn a_start_with_a_future_time_waits_and_a_past_one_starts_now() {
        let s = state(Configuration, TaskType::FullIncrTrans);
        let later = decide(s, &Op::Start { at_ms: Some(2_000) }, 1_000).expect("start");
        assert_eq!(later.to, WaitingForStart);
        assert_eq!(
            later.schedule.map(|(t, due)| (t.to, due)),
            Some((StartJobing, Due::At(2_000)))
        );
        let past = decide(s, &Op::Start { at_ms: Some(500) }, 1_000).expect("start");
        assert_eq!(past.to, StartJobing);
        assert_eq!(past.schedule.map(|(t, _)| t.step), Some(Step::Start));
    }

    #[test]
    fn a_resumed_job_returns_to_the_status_it_was_paused_in() {
        let paused = JobState {
            paused_from: Some(FullTransferStarted),
            ..JobState::new(Pausing, TaskType::FullIncrTrans)
        };
        let d = decide(paused, &Op::Restore, 0).expect("resume");
        assert_eq!((d.action, d.to), (ContinueJob, StartJobing));
        assert_eq!(
            d.schedule.map(|(t, _)| (t.to, t.step)),
            Some((FullTransferStarted, Step::Resume))
        );
        let unknown = JobState {
            paused_from: None,
            ..paused
        };
        let d = decide(unknown, &Op::Restore, 0).expect("resume");
        assert_eq!(d.schedule.map(|(t, _)| t.to), Some(IncreTransferStarted));
        let failed = state(FullTransferFailed, TaskType::FullTrans);
        let d = decide(failed, &Op::Restore, 0).expect("retry");
        assert_eq!((d.action, d.to), (Retry, FullTransferStarted));
    }

    #[test]
    fn force_terminate_stops_what_terminate_cannot_and_is_never_shown() {
        let creating = state(Creating, TaskType::FullTrans);
        assert!(decide(creating, &Op::Terminate, 0).is_err());
        let d = decide(creating, &Op::ForceTerminate, 0).expect("force");
        assert_eq!(d.to, ReleaseResourceStarted);
        for (status, scenario, running) in shown() {
            let shown = job_action(status, scenario, running);
            assert!(!shown.available_actions.contains(&"FORCE_STOP"));
            assert!(!shown.unavailable_actions.contains(&"FORCE_STOP"));
        }
        assert!(decide(
            state(ReleaseResourceComplete, TaskType::FullTrans),
            &Op::ForceTerminate,
            0
        )
        .is_err());
    }

    #[test]
    fn names_and_tags_can_change_until_the_job_is_released() {
        let meta = Op::Modify {
            configuration: false,
        };
        assert!(decide(
            state(IncreTransferStarted, TaskType::FullIncrTrans),
            &meta,
            0
        )
        .is_ok());
        assert!(decide(state(StartJobFailed, TaskType::FullIncrTrans), &meta, 0).is_ok());
        assert!(decide(
            state(ReleaseResourceStarted, TaskType::FullIncrTrans),
            &meta,
            0
        )
        .is_err());
        assert_eq!(
            decide(state(Deleted, TaskType::FullIncrTrans), &meta, 0),
            Err(Error::JobDeleted)
        );
    }

    #[test]
    fn a_first_start_needs_a_passed_precheck_unless_none_is_recorded() {
        let start = Op::Start { at_ms: None };
        let with = |precheck| JobState {
            precheck,
            ..state(Configuration, TaskType::FullIncrTrans)
        };
        assert!(decide(with(PrecheckGate::NotRequired), &start, 0).is_ok());
        assert!(decide(with(PrecheckGate::Passed), &start, 0).is_ok());
        assert_eq!(
            decide(with(PrecheckGate::NotRun), &start, 0),
            Err(Error::PrecheckNotPassed)
        );
        assert_eq!(
            decide(with(PrecheckGate::Failed), &start, 0),
            Err(Error::PrecheckNotPassed)
        );
        assert_eq!(
            decide(with(PrecheckGate::Running), &start, 0),
            Err(Error::OperationInProgress)
        );
        let failed = JobState {
            precheck: PrecheckGate::Failed,
            ..state(StartJobFailed, TaskType::FullIncrTrans)
        };
        assert!(
            decide(failed, &Op::Restore, 0).is_ok(),
            "a retry is not gated"
        );
    }

    #[test]
    fn a_reset_retries_a_failed_transfer_only_after_a_passed_retry_precheck() {
        let with = |status, precheck| JobState {
            precheck,
            ..state(status, TaskType::FullIncrTrans)
        };
        let d = decide(
            with(FullTransferFailed, PrecheckGate::Passed),
            &Op::Reset,
            0,
        )
        .expect("a passed forRetryJob precheck opens a reset");
        assert_eq!((d.action, d.to), (Retry, FullTransferStarted));
        assert!(decide(
            with(IncreTransferFailed, PrecheckGate::Passed),
            &Op::Reset,
            0
        )
        .is_ok());
        for gate in [
            PrecheckGate::NotRequired,
            PrecheckGate::NotRun,
            PrecheckGate::Failed,
        ] {
            assert_eq!(
                decide(with(FullTransferFailed, gate), &Op::Reset, 0),
                Err(Error::RetryPrecheckNotPassed),
                "{gate:?}"
            );
        }
        assert_eq!(
            decide(with(StartJobFailed, PrecheckGate::Passed), &Op::Reset, 0),
            Err(Error::StatusForbids {
                status: StartJobFailed
            }),
            "only a failed transfer is reset"
        );
        let busy = JobState {
            running: Some(Step::Precheck),
            ..with(FullTransferFailed, PrecheckGate::Running)
        };
        assert_eq!(decide(busy, &Op::Reset, 0), Err(Error::OperationInProgress));
    }

    #[test]
    fn a_precheck_keeps_the_status_and_its_mode_must_fit_the_status() {
        let cfg = state(Configuration, TaskType::FullIncrTrans);
        let d = decide(
            cfg,
            &Op::Precheck {
                mode: PrecheckMode::ForStartJob,
            },
            0,
        )
        .expect("run");
        assert_eq!(d.to, Configuration);
        assert_eq!(
            d.schedule.map(|(t, due)| (t.step, due)),
            Some((Step::Precheck, Due::AfterStep))
        );
        let retry = Op::Precheck {
            mode: PrecheckMode::ForRetryJob,
        };
        assert!(decide(cfg, &retry, 0).is_err());
        assert!(decide(state(FullTransferFailed, TaskType::FullTrans), &retry, 0).is_ok());
        let busy = JobState {
            running: Some(Step::Precheck),
            ..cfg
        };
        assert_eq!(
            decide(
                busy,
                &Op::Precheck {
                    mode: PrecheckMode::ForStartJob
                },
                0
            ),
            Err(Error::OperationInProgress)
        );
        assert!(
            decide(busy, &Op::Terminate, 0).is_ok(),
            "a stop cancels a running step"
        );
    }

    #[test]
    fn objects_are_not_for_dr_tasks_and_a_switchover_is_only_for_them() {
        let dr = JobState {
            scenario: DbUseType::CloudDataGuard,
            ..state(IncreTransferStarted, TaskType::FullIncrTrans)
        };
        let d = decide(dr, &Op::Switchover { pause: false }, 0).expect("switch");
        assert_eq!((d.action, d.to), (SwitchOver, IncreTransferStarted));
        let migration = state(IncreTransferStarted, TaskType::FullIncrTrans);
        assert_eq!(
            decide(migration, &Op::Switchover { pause: false }, 0),
            Err(Error::NotForThisTask)
        );
        let dual = JobState {
            multi_write: true,
            ..dr
        };
        assert_eq!(
            decide(dual, &Op::Switchover { pause: false }, 0),
            Err(Error::NotForThisTask)
        );
        let dr_cfg = JobState {
            scenario: DbUseType::CloudDataGuard,
            ..state(Configuration, TaskType::FullIncrTrans)
        };
        assert_eq!(
            decide(dr_cfg, &Op::SelectObjects, 0),
            Err(Error::NotForThisTask)
        );
        let shown = job_action(IncreTransferStarted, DbUseType::CloudDataGuard, None);
        assert!(shown.available_actions.contains(&"SWITCH_OVER"));
        let shown = job_action(IncreTransferStarted, DbUseType::Migration, None);
        assert!(shown.unavailable_actions.contains(&"SWITCH_OVER"));
    }

    #[test]
    fn a_running_switchover_is_the_current_action_and_blocks_a_pause() {
        let shown = job_action(
            IncreTransferStarted,
            DbUseType::CloudDataGuard,
            Some(Step::Switchover),
        );
        assert_eq!(shown.current_action, Some("SWITCH_OVER"));
        assert!(shown.unavailable_actions.contains(&"PAUSE"));
        assert!(shown.available_actions.contains(&"STOP_JOB"));
    }

    #[test]
    fn flow_control_is_configuration_and_not_for_incremental_only_tasks() {
        let cfg = state(Configuration, TaskType::FullIncrTrans);
        assert_eq!(
            decide(cfg, &Op::SetSpeed, 0).map(|d| (d.action, d.to)),
            Ok((ModifyConfiguration, Configuration))
        );
        let incr = state(Configuration, TaskType::IncrTrans);
        assert_eq!(
            decide(incr, &Op::SetSpeed, 0),
            Err(Error::FlowControlUnsupported)
        );
    }
}
