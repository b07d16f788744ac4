//! A job's timeline: its `job_events`, a window of them latest first, each with the name of the
//! user whose audited request made it (read through the audit row of that request). One
//! statement: the total and the page come from one snapshot.

use crate::{
    error::classify,
    rows::{get, parsed},
};
use deadpool_postgres::ClientWrapper;
use opendrs_core::{
    caller::Tenant,
    enums::JobStatus,
    store::StoreResult,
    timeline::{TimelineEvent, TimelinePage},
    window::Window,
};

/// The timeline page of the project's job `job_id`; `None` when the project has no such job.
pub async fn job_timeline(
    client: &ClientWrapper,
    tenant: &Tenant,
    job_id: &str,
    window: Window,
) -> StoreResult<Option<TimelinePage>> {
    if job_id.contains('\0') {
        // PostgreSQL text cannot hold it, so no job has it.
        return Ok(None);
    }
    // The audit row of a user's change has the event's request ID and time (one write, one
    // clock reading); `audit_by_project (project_id, at)` finds it.
    let stmt = client
        .prepare_cached(
            "SELECT j.enterprise_project_id,
                    (SELECT count(*) FROM job_events c WHERE c.job_seq = j.seq),
                    e.at, e.to_status, e.error_msg, u.name
               FROM jobs j
               LEFT JOIN LATERAL (
                    SELECT seq, at, to_status, error_msg, request_id FROM job_events
                     WHERE job_seq = j.seq ORDER BY seq DESC LIMIT $3 OFFSET $4) e ON TRUE
               LEFT JOIN LATERAL (
                    SELECT us.name FROM audit_log a JOIN users us ON us.id = a.user_id
                     WHERE a.project_id = $5 AND a.at = e.at AND a.request_id = e.request_id
                     LIMIT 1) u ON TRUE
              WHERE j.project_key = $1 AND j.id = $2
              ORDER BY e.seq DESC",
        )
        .await
        .map_err(classify)?;
    let rows = client
        .query(
            &stmt,
            &[
                &tenant.key(),
                &job_id,
                &window.limit_i64(),
                &window.offset_i64(),
                &tenant.project_id(),
            ],
        )
        .await
        .map_err(classify)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        // A window past the last entry leaves one row without an event.
        let Some(at_ms) = get::<Option<i64>>(r, 2)? else {
            continue;
        };
        events.push(TimelineEvent {
            at_ms,
            status: parsed(r, 3, JobStatus::parse)?,
            error_msg: get(r, 4)?,
            user_name: get(r, 5)?,
        });
    }
    Ok(Some(TimelinePage {
        enterprise_project_id: get(first, 0)?,
        total: get::<i64>(first, 1)?.max(0) as u64,
        events,
    }))
}
