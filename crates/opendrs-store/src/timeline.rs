//! A job's timeline: its `job_events`, a window of them latest first, each with the name of the
//! user whose audited request made it (read through the audit row of that request).

use crate::rows::parsed;
use opendrs_core::{
    caller::Tenant,
    enums::JobStatus,
    timeline::{TimelineEvent, TimelinePage},
    window::Window,
};
use rusqlite::{params, Connection, OptionalExtension};

/// The timeline page of the project's job `job_id`; `None` when the project has no such job.
/// Run inside one read transaction, so that the total and the page agree.
pub fn job_timeline(
    c: &Connection,
    tenant: &Tenant,
    job_id: &str,
    window: Window,
) -> rusqlite::Result<Option<TimelinePage>> {
    let job = c
        .prepare_cached(
            "SELECT seq, enterprise_project_id,
                    (SELECT count(*) FROM job_events e WHERE e.job_seq = jobs.seq)
               FROM jobs WHERE project_key = ?1 AND id = ?2",
        )?
        .query_row(params![tenant.key(), job_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()?;
    let Some((seq, enterprise_project_id, total)) = job else {
        return Ok(None);
    };
    // The audit row of a user's change has the event's request ID and time (one write, one
    // clock reading); `audit_by_project (project_id, at)` finds it.
    let mut stmt = c.prepare_cached(
        "SELECT e.at, e.to_status, e.error_msg,
                (SELECT u.name FROM audit_log a JOIN users u ON u.id = a.user_id
                  WHERE a.project_id = ?2 AND a.at = e.at AND a.request_id = e.request_id
                  LIMIT 1)
           FROM job_events e WHERE e.job_seq = ?1
          ORDER BY e.seq DESC LIMIT ?3 OFFSET ?4",
    )?;
    let events = stmt
        .query_map(
            params![
                seq,
                tenant.project_id(),
                window.limit_i64(),
                window.offset_i64()
            ],
            |r| {
                Ok(TimelineEvent {
                    at_ms: r.get(0)?,
                    status: parsed(r, 1, JobStatus::parse)?,
                    error_msg: r.get(2)?,
                    user_name: r.get(3)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(TimelinePage {
        enterprise_project_id,
        total: total.max(0) as u64,
        events,
    }))
}
