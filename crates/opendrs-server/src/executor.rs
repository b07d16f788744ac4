//! The lifecycle executor task: applies data-plane transitions as they fall due (see
//! `opendrs_core::executor`), wakes early after a write, and keeps going through storage
//! errors. The durable work queue is the store's; this is only its clock and loop. Each run is
//! counted in the metrics (due, applied, purged, lag).

use crate::metrics::Metrics;
use opendrs_core::{
    clock::now_ms,
    executor::{settle, ClockMode, ExecutorSettings},
    store::Store,
};
use std::{sync::Arc, time::Duration};
use tokio::{sync::Notify, task::JoinHandle};

/// Starts the executor; `notify` wakes it before its next planned check.
pub fn spawn(
    store: Arc<dyn Store>,
    settings: ExecutorSettings,
    poll: Duration,
    notify: Arc<Notify>,
    metrics: Arc<Metrics>,
) -> JoinHandle<()> {
    let poll = poll.max(Duration::from_millis(10));
    tokio::spawn(async move {
        loop {
            let wait = match settle(&*store, &settings).await {
                Ok(run) => {
                    metrics.executor_ran(&run);
                    if run.applied > 0 || run.purged > 0 {
                        tracing::debug!(applied = run.applied, purged = run.purged, "executor ran");
                    }
                    match (settings.clock, run.next_due) {
                        (ClockMode::Wall, Some(due)) => {
                            let ms = due.saturating_sub(now_ms()).max(0) as u64;
                            Duration::from_millis(ms).min(poll)
                        }
                        _ => poll,
                    }
                }
                Err(e) => {
                    metrics.executor_failed();
                    tracing::warn!(error = %e, "executor run failed; retrying");
                    poll
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = notify.notified() => {}
            }
        }
    })
}
