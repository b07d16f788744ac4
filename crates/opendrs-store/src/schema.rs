//! Schema migrations for SQLite: forward-only, numbered, applied at open, tracked in
//! `PRAGMA user_version`. A database newer than this build is refused.

use crate::{classify, tx::grams_replace};
use opendrs_core::{
    caller::Tenant,
    query::fold,
    store::{StoreError, StoreResult},
};
use rusqlite::{params, Connection};

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
    (
        "0005_unique_names",
        include_str!("../migrations/sqlite/0005_unique_names.sql"),
    ),
    (
        "0006_workflow",
        include_str!("../migrations/sqlite/0006_workflow.sql"),
    ),
    (
        "0007_list_orders",
        include_str!("../migrations/sqlite/0007_list_orders.sql"),
    ),
    (
        "0008_quotas",
        include_str!("../migrations/sqlite/0008_quotas.sql"),
    ),
    (
        "0009_orders_carry_live",
        include_str!("../migrations/sqlite/0009_orders_carry_live.sql"),
    ),
];

/// Builds made while 0006 was still on its branch applied 0007 as the database's 6th migration
/// (`user_version` 6) without 0006: such a database has no `jobs.running_step`. Applies 0006 to
/// it now and records both (7); returns the version to continue from.
fn workflow_skipped(conn: &mut Connection, current: usize) -> StoreResult<usize> {
    if current != 6 {
        return Ok(current);
    }
    let has_workflow: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM pragma_table_info('jobs') WHERE name = 'running_step'",
            [],
            |r| r.get(0),
        )
        .map_err(classify)?;
    if has_workflow {
        return Ok(current);
    }
    let tx = conn.transaction().map_err(classify)?;
    tx.execute_batch(include_str!("../migrations/sqlite/0006_workflow.sql"))
        .map_err(classify)?;
    tx.pragma_update(None, "user_version", 7_i64)
        .map_err(classify)?;
    tx.commit().map_err(classify)?;
    Ok(7)
}

/// Applies the migrations the database has not seen yet, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(classify)?
        .max(0) as usize;
    if current > MIGRATIONS.len() {
        return Err(StoreError::corrupt(format!(
            "the database schema is version {current}, newer than this build of OpenDRS knows ({}): \
             upgrade opendrs",
            MIGRATIONS.len()
        )));
    }
    let current = workflow_skipped(conn, current)?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction().map_err(classify)?;
        if *name == "0005_unique_names" {
            rename_duplicates(&tx).map_err(classify)?;
        }
        tx.execute_batch(sql).map_err(classify)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(classify)?;
        tx.commit().map_err(classify)?;
    }
    Ok(())
}

/// Before names became unique (generated data could repeat one): every live top-level job that
/// shares its project's name with an older one gets its sequence number appended.
fn rename_duplicates(conn: &Connection) -> rusqlite::Result<()> {
    let dups: Vec<(i64, i64, String)> = conn
        .prepare(
            "SELECT seq, project_key, name FROM jobs j
              WHERE parent_seq IS NULL AND status <> 'DELETED'
                AND EXISTS (SELECT 1 FROM jobs o WHERE o.project_key = j.project_key
                              AND o.name = j.name AND o.parent_seq IS NULL
                              AND o.status <> 'DELETED' AND o.seq < j.seq)",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, project_key, name) in dups {
        let renamed = format!("{name}-{seq}");
        let folded = fold(&renamed);
        conn.execute(
            "UPDATE jobs SET name = ?2, name_fold = ?3 WHERE seq = ?1",
            params![seq, renamed, folded],
        )?;
        grams_replace(conn, &Tenant::new("", project_key), seq, &folded)?;
    }
    Ok(())
}

/// The schema version this build writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_newer_than_the_build_is_refused_with_a_clear_message() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("migrate");
        conn.pragma_update(None, "user_version", (latest_version() + 1) as i64)
            .expect("bump");
        let e = migrate(&mut conn).expect_err("refused");
        assert_eq!(e.kind(), opendrs_core::store::StoreErrorKind::Corrupt);
        assert!(e.to_string().contains("newer than this build"), "{e}");
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("first");
        migrate(&mut conn).expect("second");
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v as usize, latest_version());
    }

    #[test]
    fn a_database_that_ran_0007_as_its_sixth_migration_gets_0006_afterwards() {
        let mut conn = Connection::open_in_memory().expect("open");
        // Such a database was made before any later migration existed.
        let without_0006 = MIGRATIONS
            .iter()
            .take_while(|(name, _)| *name <= "0007_list_orders")
            .filter(|(name, _)| *name != "0006_workflow");
        for (i, (name, sql)) in without_0006.enumerate() {
            if *name == "0005_unique_names" {
                rename_duplicates(&conn).expect("renames");
            }
            conn.execute_batch(sql).expect("a migration");
            conn.pragma_update(None, "user_version", (i + 1) as i64)
                .expect("version");
        }
        migrate(&mut conn).expect("migrate");
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v as usize, latest_version());
        conn.execute_batch(
            "SELECT running_step, status_since FROM jobs; SELECT * FROM job_workflow;",
        )
        .expect("0006 applied");
        conn.execute_batch("SELECT charging_mode, is_multi_az FROM jobs;")
            .expect("0007 kept");
    }

    #[test]
    fn the_list_orders_migration_carries_charging_mode_and_multi_az_over_from_the_settings() {
        let mut conn = Connection::open_in_memory().expect("open");
        let before = MIGRATIONS
            .iter()
            .position(|(name, _)| *name == "0007_list_orders")
            .expect("the migration");
        for (i, (_, sql)) in MIGRATIONS.iter().enumerate().take(before) {
            conn.execute_batch(sql).expect("an older migration");
            conn.pragma_update(None, "user_version", (i + 1) as i64)
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO projects (key, id, name, created_at) VALUES (1, 'p', 'p', 0);
             INSERT INTO jobs (project_key, id, name, name_fold, status, db_use_type, engine_type,
                 net_type, job_direction, task_type, create_time, update_time, spec)
             VALUES
               (1, 'a', 'a', 'a', 'CONFIGURATION', 'sync', 'mysql', 'eip', 'up', 'FULL_TRANS', 1, 1,
                '{\"charging_mode\":\"period\",\"master_az\":\"az1\",\"slave_az\":\"az2\"}'),
               (1, 'b', 'b', 'b', 'CONFIGURATION', 'sync', 'mysql', 'eip', 'up', 'FULL_TRANS', 2, 2,
                '{\"charging_mode\":\"on_demand\"}'),
               (1, 'c', 'c', 'c', 'CONFIGURATION', 'sync', 'mysql', 'eip', 'up', 'FULL_TRANS', 3, 3, '{}');",
        )
        .expect("jobs of the older schema");
        migrate(&mut conn).expect("migrate");
        let got: Vec<(String, String, bool)> = conn
            .prepare("SELECT id, charging_mode, is_multi_az FROM jobs ORDER BY id")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(
            got,
            vec![
                ("a".into(), "period".into(), true),
                ("b".into(), "on_demand".into(), false),
                ("c".into(), "on_demand".into(), false),
            ]
        );
    }
}
