//! Writing and reading the audit trail (`audit_log`).

use opendrs_core::audit::{AuditFilter, AuditRecord, Outcome};
use rusqlite::{params, Connection};

/// Appends one record, inside the caller's transaction.
pub fn insert(conn: &Connection, r: &AuditRecord) -> rusqlite::Result<()> {
    let ids = serde_json::to_string(&r.job_ids).unwrap_or_else(|_| "[]".into());
    conn.prepare_cached(
        "INSERT INTO audit_log (at, project_id, user_id, action, job_ids, request_id, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        r.at_ms,
        r.project_id,
        r.user_id,
        r.action,
        ids,
        r.request_id,
        r.outcome.as_str(),
        r.detail
    ])?;
    Ok(())
}

/// Records matching `f`, oldest first (the newest `f.limit` of them), each with its user's
/// `account/name` when the user still exists.
pub fn list(
    conn: &Connection,
    f: &AuditFilter,
) -> rusqlite::Result<Vec<(AuditRecord, Option<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT a.at, a.project_id, a.user_id, a.action, a.job_ids, a.request_id, a.outcome, a.detail,
                d.name || '/' || u.name
           FROM (SELECT * FROM audit_log
                  WHERE (?1 IS NULL OR project_id = ?1) AND (?2 IS NULL OR at >= ?2) AND (?3 IS NULL OR at < ?3)
                  ORDER BY at DESC, seq DESC LIMIT ?4) a
           LEFT JOIN users u ON u.id = a.user_id
           LEFT JOIN domains d ON d.key = u.domain_key
          ORDER BY a.at, a.seq",
    )?;
    let rows = stmt.query_map(
        params![f.project_id, f.since_ms, f.until_ms, f.limit.max(1) as i64],
        |row| {
            let ids: String = row.get(4)?;
            let out: String = row.get(6)?;
            let record = AuditRecord {
                at_ms: row.get(0)?,
                project_id: row.get(1)?,
                user_id: row.get(2)?,
                action: row.get(3)?,
                job_ids: serde_json::from_str(&ids).unwrap_or_default(),
                request_id: row.get(5)?,
                outcome: Outcome::parse(&out),
                detail: row.get(7)?,
            };
            Ok((record, row.get(8)?))
        },
    )?;
    rows.collect()
}
