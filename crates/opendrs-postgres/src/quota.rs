//! The job quota rows (`project_quotas`, migration 0006) and the count a quota limits: live
//! (not `DELETED`) top-level jobs, summed from `job_counts` and its deltas. The lock a
//! creation takes is the project's quota row, `FOR UPDATE`. Stores and reads; decides nothing.

use crate::rows::get;
use opendrs_core::{quota::QuotaUsage, store::StoreResult};
use tokio_postgres::Row;

/// The project's live top-level jobs, as a scalar subquery of parameter `$1` (the project key).
const USED: &str = "(SELECT coalesce(sum(n), 0)::bigint FROM (
        SELECT n FROM job_counts WHERE project_key = $1 AND status <> 'DELETED'
        UNION ALL
        SELECT n FROM job_count_deltas WHERE project_key = $1 AND status <> 'DELETED') x)";

/// Makes sure the project has a quota row (to lock), leaving an existing one as it is.
pub const ENSURE: &str =
    "INSERT INTO project_quotas (project_key) VALUES ($1) ON CONFLICT (project_key) DO NOTHING";

/// Locks the project's quota row until the transaction ends; reads the configured quota.
pub const LOCK: &str = "SELECT instances FROM project_quotas WHERE project_key = $1 FOR UPDATE";

/// Sets the project's quota (`$2` NULL: the default), creating the row if needed.
pub const SET: &str = "INSERT INTO project_quotas (project_key, instances) VALUES ($1, $2)
     ON CONFLICT (project_key) DO UPDATE SET instances = excluded.instances";

/// The project's live top-level jobs (a statement of its own: after the lock, read committed
/// gives it a snapshot that includes every creation committed before the lock was granted).
pub fn used_sql() -> String {
    format!("SELECT {USED}")
}

/// The configured quota and the count, in one statement (one snapshot).
pub fn read_sql() -> String {
    format!("SELECT (SELECT instances FROM project_quotas WHERE project_key = $1), {USED}")
}

/// A configured quota as stored (`None`: the default).
pub fn instances(row: Option<&Row>, i: usize) -> StoreResult<Option<u64>> {
    Ok(match row {
        Some(r) => get::<Option<i64>>(r, i)?.map(|n| n.max(0) as u64),
        None => None,
    })
}

/// `used` as stored.
pub fn used(row: &Row, i: usize) -> StoreResult<u64> {
    Ok(get::<i64>(row, i)?.max(0) as u64)
}

/// The usage from one row of [`read_sql`].
pub fn usage(row: &Row) -> StoreResult<QuotaUsage> {
    Ok(QuotaUsage {
        instances: instances(Some(row), 0)?,
        used: used(row, 1)?,
    })
}

/// A quota as a column value.
pub fn column(instances: Option<u64>) -> Option<i64> {
    instances.map(|n| n.min(i64::MAX as u64) as i64)
}
