//! A job's workflow state as stored: each part is one JSON text column of the store's
//! `job_workflow` row (the store keeps the text; this module alone reads and writes it).
//! A job without a row (seeded by `--demo` or `admin generate`) has no recorded workflow.

use crate::lifecycle::PrecheckMode;
use serde::{Deserialize, Serialize};

/// The stored columns of a job's workflow row, as text. `None`: the part was never set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkflowText {
    pub objects: Option<String>,
    pub speed_limit: Option<String>,
    pub connections: Option<String>,
    pub precheck: Option<String>,
    pub switchover: Option<String>,
}

/// A job's workflow state. Parts that cannot be read are dropped (logged), never fatal.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkflowState {
    pub objects: Option<ObjectSelection>,
    /// Flow-control ranges; empty: unlimited.
    pub speed_limit: Vec<SpeedRange>,
    pub connections: Connections,
    /// Whether a first start needs a passed precheck: set for a job created through the API,
    /// and by a configuration change or a precheck of any job; never set for seeded data.
    pub precheck_required: bool,
    /// The latest precheck run.
    pub precheck: Option<PrecheckRun>,
    pub switchover: Option<SwitchoverRecord>,
}

/// The `precheck` column: whether one is required, and the latest run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct PrecheckColumn {
    #[serde(default)]
    required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    run: Option<PrecheckRun>,
}

fn read<T: serde::de::DeserializeOwned>(text: &Option<String>, part: &str) -> Option<T> {
    let text = text.as_deref()?;
    match serde_json::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(part, error = %e, "dropping an unreadable workflow part");
            None
        }
    }
}

fn write<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

impl WorkflowState {
    pub fn from_text(t: &WorkflowText) -> Self {
        let precheck: PrecheckColumn = read(&t.precheck, "precheck").unwrap_or_default();
        WorkflowState {
            objects: read(&t.objects, "objects"),
            speed_limit: read(&t.speed_limit, "speed_limit").unwrap_or_default(),
            connections: read(&t.connections, "connections").unwrap_or_default(),
            precheck_required: precheck.required,
            precheck: precheck.run,
            switchover: read(&t.switchover, "switchover"),
        }
    }

    /// The state of a job created through the API: nothing set yet, a precheck required.
    pub fn created() -> Self {
        WorkflowState {
            precheck_required: true,
            ..WorkflowState::default()
        }
    }

    pub fn to_text(&self) -> WorkflowText {
        WorkflowText {
            objects: self.objects.as_ref().map(write),
            speed_limit: Some(write(&self.speed_limit)),
            connections: Some(write(&self.connections)),
            precheck: Some(write(&PrecheckColumn {
                required: self.precheck_required,
                run: self.precheck.clone(),
            })),
            switchover: self.switchover.as_ref().map(write),
        }
    }

    /// Where a start stands with respect to the precheck.
    pub fn gate(&self) -> PrecheckGate {
        match &self.precheck {
            _ if !self.precheck_required => PrecheckGate::NotRequired,
            None => PrecheckGate::NotRun,
            Some(run) if !run.done => PrecheckGate::Running,
            Some(run) if run.passed() && run.mode == PrecheckMode::ForStartJob => {
                PrecheckGate::Passed
            }
            Some(_) => PrecheckGate::Failed,
        }
    }
}

impl WorkflowState {
    /// Where a v5 `reset` stands: it needs the latest run to be a completed, passed,
    /// `forRetryJob` one that no retry has followed yet (required even for seeded jobs).
    pub fn retry_gate(&self) -> PrecheckGate {
        match &self.precheck {
            Some(run) if run.mode != PrecheckMode::ForRetryJob || run.used => PrecheckGate::NotRun,
            None => PrecheckGate::NotRun,
            Some(run) if !run.done => PrecheckGate::Running,
            Some(run) if run.passed() => PrecheckGate::Passed,
            Some(_) => PrecheckGate::Failed,
        }
    }
}

/// Where a job stands with respect to the precheck a first start needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrecheckGate {
    /// No workflow is recorded for the job (seeded data): nothing to check.
    #[default]
    NotRequired,
    NotRun,
    Running,
    Passed,
    Failed,
}

/// The objects chosen for a job (`batch-select-objects`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSelection {
    /// `true`: only `objects`; `false`: everything.
    pub selected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_database: Option<bool>,
    #[serde(default)]
    pub objects: Vec<DbObject>,
}

/// One chosen database object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbObject {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub object_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_name: Option<String>,
    /// `true`, `false` or `partial`.
    pub select: String,
}

/// One flow-control range: from `begin` to `end` (UTC hours, `HH:00`–`HH:59`), `speed` MB/s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeedRange {
    pub begin: String,
    pub end: String,
    pub speed: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_utc: Option<bool>,
}

/// The latest connection test of each endpoint of a job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connections {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ConnectionResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<ConnectionResult>,
}

/// What a connection test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionResult {
    pub success: bool,
    /// Wall clock, ms.
    pub tested_at: i64,
    /// The address tested (without credentials).
    pub ip: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_port: Option<u16>,
    /// Why it failed (the simulation's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A precheck run: its items are decided when it is requested and become the result when the
/// executor completes the run (`done`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckRun {
    pub precheck_id: String,
    pub mode: PrecheckMode,
    /// Executor clock, ms.
    pub started_at: i64,
    /// Executor clock, ms: when the executor completes it.
    pub due_at: i64,
    pub done: bool,
    pub items: Vec<PrecheckItem>,
    /// A `forRetryJob` run a retry (v3 `batch-retry-task`, v5 `restart` or `reset`) has
    /// followed: it opens no further `reset`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub used: bool,
}

impl PrecheckRun {
    /// No item failed (`ALARM` does not block, nor a failed item the user skipped).
    pub fn passed(&self) -> bool {
        self.items.iter().all(PrecheckItem::counts_as_passed)
    }
}

/// The outcome of one precheck item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckResult {
    Passed,
    Alarm,
    Failed,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::Passed => "PASSED",
            CheckResult::Alarm => "ALARM",
            CheckResult::Failed => "FAILED",
        }
    }
}

/// One precheck item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrecheckItem {
    pub group: String,
    pub item: String,
    pub result: CheckResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_reason: Option<String>,
    /// Details, a JSON object as a string (as the original's `data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// A failed item the user chose to skip (the v5 action `skip_precheck`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

impl PrecheckItem {
    /// Passed, an alarm, or a failure the user skipped.
    pub fn counts_as_passed(&self) -> bool {
        self.result != CheckResult::Failed || self.skipped
    }
}

/// The latest switchover of a DR job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchoverRecord {
    /// Wall clock, ms.
    pub requested_at: i64,
    /// Wall clock, ms; `None` while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<i64>,
    pub pause_after: bool,
    /// How many switchovers the job has completed.
    #[serde(default)]
    pub completed: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(done: bool, results: &[CheckResult]) -> PrecheckRun {
        PrecheckRun {
            precheck_id: "j".into(),
            mode: PrecheckMode::ForStartJob,
            started_at: 0,
            due_at: 10,
            done,
            used: false,
            items: results
                .iter()
                .map(|r| PrecheckItem {
                    group: "g".into(),
                    item: "i".into(),
                    result: *r,
                    failed_reason: None,
                    data: None,
                    skipped: false,
                })
                .collect(),
        }
    }

    #[test]
    fn the_state_survives_its_text_form() {
        let s = WorkflowState {
            objects: Some(ObjectSelection {
                selected: true,
                sync_database: None,
                objects: vec![DbObject {
                    id: "db1".into(),
                    object_type: "database".into(),
                    select: "true".into(),
                    ..DbObject::default()
                }],
            }),
            speed_limit: vec![SpeedRange {
                begin: "01:00".into(),
                end: "02:59".into(),
                speed: "10".into(),
                is_utc: Some(true),
            }],
            connections: Connections::default(),
            precheck_required: true,
            precheck: Some(run(true, &[CheckResult::Alarm])),
            switchover: None,
        };
        assert_eq!(WorkflowState::from_text(&s.to_text()), s);
    }

    #[test]
    fn an_unreadable_part_is_dropped_and_the_others_kept() {
        let t = WorkflowText {
            precheck: Some("{not json".into()),
            speed_limit: Some(r#"[{"begin":"01:00","end":"01:59","speed":"5"}]"#.into()),
            ..WorkflowText::default()
        };
        let s = WorkflowState::from_text(&t);
        assert!(s.precheck.is_none());
        assert_eq!(s.speed_limit.len(), 1);
    }

    #[test]
    fn a_reset_needs_a_completed_passed_retry_run_not_used_yet() {
        let mut s = WorkflowState::default();
        assert_eq!(s.retry_gate(), PrecheckGate::NotRun);
        let mut retry = run(false, &[CheckResult::Passed]);
        retry.mode = PrecheckMode::ForRetryJob;
        s.precheck = Some(retry.clone());
        assert_eq!(s.retry_gate(), PrecheckGate::Running);
        retry.done = true;
        s.precheck = Some(retry.clone());
        assert_eq!(s.retry_gate(), PrecheckGate::Passed);
        retry.used = true;
        s.precheck = Some(retry.clone());
        assert_eq!(s.retry_gate(), PrecheckGate::NotRun, "used by a retry");
        s.precheck = Some(run(true, &[CheckResult::Passed]));
        assert_eq!(
            s.retry_gate(),
            PrecheckGate::NotRun,
            "a start check opens no reset"
        );
        let mut failed = run(true, &[CheckResult::Failed]);
        failed.mode = PrecheckMode::ForRetryJob;
        s.precheck = Some(failed);
        assert_eq!(s.retry_gate(), PrecheckGate::Failed);
    }

    #[test]
    fn the_gate_opens_only_after_a_completed_run_without_failures() {
        assert_eq!(WorkflowState::default().gate(), PrecheckGate::NotRequired);
        let mut s = WorkflowState::created();
        assert_eq!(s.gate(), PrecheckGate::NotRun);
        s.precheck = Some(run(false, &[CheckResult::Passed]));
        assert_eq!(s.gate(), PrecheckGate::Running);
        s.precheck = Some(run(true, &[CheckResult::Passed, CheckResult::Alarm]));
        assert_eq!(s.gate(), PrecheckGate::Passed);
        s.precheck = Some(run(true, &[CheckResult::Passed, CheckResult::Failed]));
        assert_eq!(s.gate(), PrecheckGate::Failed);
        let mut retry = run(true, &[CheckResult::Passed]);
        retry.mode = PrecheckMode::ForRetryJob;
        s.precheck = Some(retry);
        assert_eq!(
            s.gate(),
            PrecheckGate::Failed,
            "a retry check does not open a start"
        );
    }
}
