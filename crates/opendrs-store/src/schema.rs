//! Schema migrations for SQLite: forward-only, numbered, applied at open, tracked in
//! `PRAGMA user_version`.

use rusqlite::Connection;

/// Every migration, in order. A released file is never edited: add a new one.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_jobs",
        include_str!("../migrations/sqlite/0001_jobs.sql"),
    ),
    (
        "0002_identity",
        include_str!("../migrations/sqlite/0002_identity.sql"),
    ),
    (
        "0003_lifecycle",
        include_str!("../migrations/sqlite/0003_lifecycle.sql"),
    ),
    (
        "0004_project_versions",
        include_str!("../migrations/sqlite/0004_project_versions.sql"),
    ),
];

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (i, (_name, sql)) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// The schema version this build writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}
