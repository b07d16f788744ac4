//! Recorded histories for jobs seeded as they are (the demo's): each job's plausible path of
//! status changes ([`crate::lifecycle::history::history`]) appended to its events, dated from its
//! creation towards now.

use crate::{
    caller::Tenant,
    enums::{JobStatus, TaskType},
    job::Job,
    lifecycle::history::{history, CREATE_LABEL},
    store::{transact, EventCause, Store, StoreResult},
};

/// The longest gap between two seeded changes: a seeded task settles within hours of its creation.
const MAX_GAP_MS: i64 = 3_600_000;

/// A job inserted as it is, whose history is to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub id: String,
    pub status: JobStatus,
    pub task_type: TaskType,
    /// Wall clock, ms.
    pub create_time_ms: i64,
    /// The job's failure message: the cause of its last change when it is a failure.
    pub error_msg: Option<String>,
}

impl Seeded {
    /// `jobs` and their children.
    pub fn all(jobs: &[Job]) -> Vec<Seeded> {
        jobs.iter()
            .flat_map(|j| std::iter::once(j).chain(&j.children))
            .map(|j| Seeded {
                id: j.id.clone(),
                status: j.status,
                task_type: j.task_type,
                create_time_ms: j.create_time_ms,
                error_msg: j.error_msg.clone(),
            })
            .collect()
    }
}

/// When each of `n` changes happened: the first at `create_ms`, the others evenly after it,
/// at most [`MAX_GAP_MS`] apart, the last at `now_ms` at the latest (never before `create_ms`,
/// even for a job dated after `now_ms`). Non-decreasing.
fn times(create_ms: i64, now_ms: i64, n: usize) -> Vec<i64> {
    let span = now_ms.saturating_sub(create_ms).max(0);
    let gap = match n {
        0 | 1 => 0,
        _ => (span / (n as i64 - 1)).min(MAX_GAP_MS),
    };
    (0..n as i64)
        .map(|i| create_ms.saturating_add(gap.saturating_mul(i)))
        .collect()
}

/// Appends a history to each of `jobs` of `tenant` that has no seeded one yet (no
/// [`CREATE_LABEL`] entry), in one transaction, dated from its creation towards `now_ms` (wall
/// clock). A job not found in the project is skipped. Returns how many entries were written.
pub async fn history_seed<S: Store + ?Sized>(
    store: &S,
    tenant: &Tenant,
    jobs: Vec<Seeded>,
    now_ms: i64,
) -> StoreResult<u64> {
    let tenant = tenant.clone();
    transact(store, move |tx| {
        Box::pin(async move {
            let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
            tx.jobs_lock(&tenant, &ids).await?;
            let mut written = 0;
            for job in &jobs {
                let Some(row) = tx.job_lock(&tenant, &job.id).await? else {
                    continue;
                };
                if tx.event_count(row.seq, CREATE_LABEL).await? > 0 {
                    continue;
                }
                let changes = history(job.status, job.task_type);
                let at = times(job.create_time_ms, now_ms, changes.len());
                let last = changes.len().saturating_sub(1);
                for (i, (change, at)) in changes.iter().zip(at).enumerate() {
                    // The job's own failure message is the cause of the failure it is in.
                    let own = job.error_msg.as_deref().filter(|_| i == last);
                    let error_msg = change.error_msg.map(|default| own.unwrap_or(default));
                    let cause = EventCause {
                        at,
                        label: &change.label,
                        request_id: None,
                        error_msg,
                    };
                    tx.event_append(row.seq, change.from, change.to, &cause)
                        .await?;
                    written += 1;
                }
            }
            Ok(written)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_times_start_at_creation_never_decrease_and_never_pass_now() {
        for (create, now, n) in [
            (0, 10 * MAX_GAP_MS, 5),
            (1_000, 1_003, 5),
            (5_000, 5_000, 3),
            (9_000, 1_000, 4),
            (0, 1, 1),
        ] {
            let t = times(create, now, n);
            assert_eq!(t.len(), n);
            assert_eq!(t[0], create, "{create} {now} {n}");
            assert!(t.windows(2).all(|w| w[0] <= w[1]), "{t:?}");
            assert!(t.iter().all(|at| *at >= create), "{t:?}");
            assert!(
                t.iter().all(|at| *at <= now.max(create)),
                "{t:?} after {now}"
            );
        }
        assert_eq!(
            times(0, 10 * MAX_GAP_MS, 3),
            vec![0, MAX_GAP_MS, 2 * MAX_GAP_MS]
        );
        assert_eq!(times(0, 10, 3), vec![0, 5, 10]);
    }
}
