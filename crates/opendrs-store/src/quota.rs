//! The job quota rows (`project_quotas`, migration 0008) and the count a quota limits: live
//! (not `DELETED`) top-level jobs, summed from `job_counts`. Stores and reads; decides nothing.

use opendrs_core::quota::QuotaUsage;
use rusqlite::{Connection, OptionalExtension};

/// The project's configured quota and its live top-level jobs (one snapshot: the caller's
/// transaction).
pub(crate) fn usage(conn: &Connection, project_key: i64) -> rusqlite::Result<QuotaUsage> {
    let instances: Option<i64> = conn
        .prepare_cached("SELECT instances FROM project_quotas WHERE project_key = ?1")?
        .query_row([project_key], |r| r.get(0))
        .optional()?
        .flatten();
    let used: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(n), 0) FROM job_counts
              WHERE project_key = ?1 AND status <> 'DELETED'",
        )?
        .query_row([project_key], |r| r.get(0))?;
    Ok(QuotaUsage {
        instances: instances.map(|n| n.max(0) as u64),
        used: used.max(0) as u64,
    })
}

/// Sets (or, `None`, clears) the project's quota.
pub(crate) fn set(
    conn: &Connection,
    project_key: i64,
    instances: Option<u64>,
) -> rusqlite::Result<()> {
    let n = instances.map(|n| n.min(i64::MAX as u64) as i64);
    conn.prepare_cached(
        "INSERT INTO project_quotas (project_key, instances) VALUES (?1, ?2)
         ON CONFLICT (project_key) DO UPDATE SET instances = excluded.instances",
    )?
    .execute(rusqlite::params![project_key, n])?;
    Ok(())
}
