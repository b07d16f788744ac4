//! The executor's settings and its pure decisions: how long each data-plane step takes, which
//! runs fail (failure injection), and which clock it reads. The loop itself lives in the
//! server; applying a transition durably is the store's (`Store::transitions_run`).

use crate::{
    lifecycle::Step,
    store::{Store, StoreResult},
};
use sha2::{Digest, Sha256};

/// How long each data-plane step takes, in milliseconds of the executor's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timings {
    pub create_ms: u64,
    pub start_ms: u64,
    pub full_transfer_ms: u64,
    pub release_ms: u64,
    /// A precheck run.
    pub precheck_ms: u64,
    /// A DR switchover.
    pub switchover_ms: u64,
}

impl Timings {
    /// Every step settles at once (tests).
    pub const INSTANT: Timings = Timings {
        create_ms: 0,
        start_ms: 0,
        full_transfer_ms: 0,
        release_ms: 0,
        precheck_ms: 0,
        switchover_ms: 0,
    };

    /// The duration of `step` (a scheduled start is due at its own time, not after a duration).
    pub fn of(&self, step: Step) -> u64 {
        match step {
            Step::Create => self.create_ms,
            Step::Start | Step::Resume => self.start_ms,
            Step::FullTransfer => self.full_transfer_ms,
            Step::Release => self.release_ms,
            Step::ScheduledStart => 0,
            Step::Precheck => self.precheck_ms,
            Step::Switchover => self.switchover_ms,
        }
    }
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            create_ms: 5_000,
            start_ms: 5_000,
            full_transfer_ms: 30_000,
            release_ms: 5_000,
            precheck_ms: 3_000,
            switchover_ms: 5_000,
        }
    }
}

/// Which clock due times are measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// The wall clock: transitions happen by themselves.
    #[default]
    Wall,
    /// A clock stored with the data that moves only on command (`opendrs admin clock advance`):
    /// nothing happens until a test says so, and then exactly what is due happens.
    Virtual,
}

/// Fractions (0.0..=1.0) of step runs that fail, for testing failure handling.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FailureInjection {
    /// Runs of the start step that end in `START_JOB_FAILED`.
    pub start: f64,
    /// Runs of the full transfer that end in `FULL_TRANSFER_FAILED`.
    pub transfer: f64,
}

impl FailureInjection {
    /// Whether the `attempt`-th run of `step` for `job_id` fails. Deterministic: the same job,
    /// step and attempt always give the same answer, so failing runs are reproducible.
    pub fn fails(&self, job_id: &str, step: Step, attempt: u64) -> bool {
        let fraction = match step {
            Step::Start => self.start,
            Step::FullTransfer => self.transfer,
            _ => return false,
        };
        if fraction <= 0.0 {
            return false;
        }
        if fraction >= 1.0 {
            return true;
        }
        let digest = Sha256::new()
            .chain_update(job_id.as_bytes())
            .chain_update([0])
            .chain_update(step.as_str().as_bytes())
            .chain_update(attempt.to_be_bytes())
            .finalize();
        let mut head = [0u8; 8];
        head.copy_from_slice(&digest[..8]);
        (u64::from_be_bytes(head) as f64) < fraction * (u64::MAX as f64)
    }

    /// The `error_msg` a failed run leaves on the job.
    pub fn message(step: Step) -> &'static str {
        match step {
            Step::Start => "Injected failure: the task could not connect to the source database.",
            _ => {
                "Injected failure: the full transfer was interrupted by a destination write error."
            }
        }
    }
}

/// Everything the executor and the write path need to schedule and apply transitions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExecutorSettings {
    pub timings: Timings,
    pub clock: ClockMode,
    pub failures: FailureInjection,
    /// How long a deleted job stays readable before it is purged, ms.
    pub deleted_retention_ms: u64,
    /// Most transitions applied in one write transaction.
    pub batch: usize,
}

impl Default for ExecutorSettings {
    fn default() -> Self {
        ExecutorSettings {
            timings: Timings::default(),
            clock: ClockMode::Wall,
            failures: FailureInjection::default(),
            deleted_retention_ms: 7 * 24 * 3600 * 1000,
            batch: 256,
        }
    }
}

/// What one executor run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunReport {
    /// Transitions that were due and claimed (applied, or dropped because the job moved on).
    pub due: usize,
    /// Transitions applied (each changes one job and its children).
    pub applied: usize,
    /// Deleted jobs purged after their retention period.
    pub purged: usize,
    /// When the next pending transition is due (executor clock, ms).
    pub next_due: Option<i64>,
    /// How late the most overdue claimed transition was when claimed (executor clock, ms).
    pub lag_ms: Option<i64>,
}

/// Applies everything that is due now, including the steps that become due by applying others
/// (instant timings, a jump of the virtual clock), until nothing more is due.
pub async fn settle(store: &dyn Store, settings: &ExecutorSettings) -> StoreResult<RunReport> {
    let mut total = RunReport::default();
    loop {
        let run = crate::writes::transitions_run(store, settings).await?;
        total.due += run.due;
        total.applied += run.applied;
        total.purged += run.purged;
        total.next_due = run.next_due;
        total.lag_ms = total.lag_ms.max(run.lag_ms);
        if run.applied == 0 && run.purged == 0 {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_failures_are_deterministic_and_close_to_the_chosen_fraction() {
        let f = FailureInjection {
            start: 0.25,
            transfer: 0.0,
        };
        let failed = (0..4000)
            .filter(|i| f.fails(&format!("job-{i}"), Step::Start, 0))
            .count();
        assert!((800..1200).contains(&failed), "{failed} of 4000");
        assert_eq!(
            f.fails("job-7", Step::Start, 0),
            f.fails("job-7", Step::Start, 0)
        );
        assert!(!f.fails("job-7", Step::FullTransfer, 0), "transfer is 0.0");
        assert!(!f.fails("job-7", Step::Create, 0), "creation never fails");
    }

    #[test]
    fn fractions_of_zero_and_one_never_and_always_fail() {
        let always = FailureInjection {
            start: 1.0,
            transfer: 1.0,
        };
        let never = FailureInjection::default();
        for i in 0..100 {
            let id = format!("j{i}");
            assert!(always.fails(&id, Step::FullTransfer, i));
            assert!(!never.fails(&id, Step::Start, i));
        }
    }

    #[test]
    fn a_scheduled_start_takes_no_step_time() {
        assert_eq!(Timings::default().of(Step::ScheduledStart), 0);
        assert_eq!(Timings::INSTANT.of(Step::FullTransfer), 0);
    }
}
