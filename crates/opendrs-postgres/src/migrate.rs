//! Numbered, forward-only migrations (`migrations/NNNN_*.sql`), applied in one transaction under
//! an advisory lock (two instances starting at once apply them once) and tracked in
//! `schema_version`. A database newer than this build is refused.

use crate::{error::classify, rows::get, PgStore};
use opendrs_core::store::{StoreError, StoreResult};

/// The migrations, by number (ascending; a number may be skipped while another change holds it).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_schema.sql")),
    (2, include_str!("../migrations/0002_name_grams.sql")),
    (3, include_str!("../migrations/0003_list_orders.sql")),
    (4, include_str!("../migrations/0004_workflow.sql")),
    (
        5,
        include_str!("../migrations/0005_name_grams_by_scenario.sql"),
    ),
    (6, include_str!("../migrations/0006_quotas.sql")),
    (
        7,
        include_str!("../migrations/0007_covering_list_indexes.sql"),
    ),
];

/// The newest schema version this build knows: the highest migration number.
pub const KNOWN_VERSION: u64 = {
    let mut max = 0;
    let mut i = 0;
    while i < MIGRATIONS.len() {
        if MIGRATIONS[i].0 > max {
            max = MIGRATIONS[i].0;
        }
        i += 1;
    }
    max as u64
};

/// The key of the advisory lock migrations take.
const MIGRATION_LOCK: i64 = 7_243_301;

/// The message of a database newer than this build.
pub fn too_new(db: u64) -> String {
    format!(
        "the database schema is version {db}, newer than this build of OpenDRS knows \
         ({KNOWN_VERSION}): upgrade opendrs"
    )
}

impl PgStore {
    /// Applies the migrations the database lacks; refuses a database newer than this build.
    pub async fn migrate(&self) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        // A migration may rewrite every row, and may wait for another instance's: no timeout.
        tx.batch_execute(
            "SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0",
        )
        .await
        .map_err(classify)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(classify)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(classify)?;
        let row = tx
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .await
            .map_err(classify)?;
        let db: i64 = get(&row, 0)?;
        if db.max(0) as u64 > KNOWN_VERSION {
            return Err(StoreError::corrupt(too_new(db as u64)));
        }
        let applied: Vec<i64> = tx
            .query("SELECT version FROM schema_version", &[])
            .await
            .map_err(classify)?
            .iter()
            .map(|r| get(r, 0))
            .collect::<StoreResult<_>>()?;
        for (n, sql) in MIGRATIONS.iter().filter(|(n, _)| !applied.contains(n)) {
            tx.batch_execute(sql).await.map_err(classify)?;
            tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[n])
                .await
                .map_err(classify)?;
            tracing::info!(version = n, "applied a PostgreSQL migration");
        }
        tx.commit().await.map_err(classify)
    }

    /// (the database's schema version, the newest this build knows).
    pub async fn schema_version_pair(&self) -> StoreResult<(u64, u64)> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .await
            .map_err(classify)?;
        let db: i64 = get(&row, 0)?;
        Ok((db.max(0) as u64, KNOWN_VERSION))
    }
}
