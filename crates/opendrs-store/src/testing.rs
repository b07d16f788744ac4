//! Fresh databases for tests, from one factory for every engine: `OPENDRS_TEST_DATABASE`
//! (`sqlite`, the default, or `postgres`) picks the engine; for PostgreSQL, `OPENDRS_TEST_PG_URL`
//! names a throwaway cluster (`scripts/pg.sh`) in which each test gets a database of its own.
//! Under CI a PostgreSQL run without a reachable cluster fails; it never skips.

use crate::{open, DatabaseUrl, OpenOptions};
use opendrs_core::{caller::Tenant, store::Backend};
use std::sync::Arc;

/// The engine the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// From `OPENDRS_TEST_DATABASE`.
    pub fn from_env() -> Engine {
        match std::env::var("OPENDRS_TEST_DATABASE").as_deref() {
            Ok("postgres") | Ok("postgresql") => Engine::Postgres,
            _ => Engine::Sqlite,
        }
    }
}

/// A fresh, empty database for one test; it goes away with this value (the SQLite file with its
/// directory) or with the throwaway cluster (a PostgreSQL database).
pub struct TestDatabase {
    pub url: DatabaseUrl,
    _dir: tempfile::TempDir,
}

impl TestDatabase {
    /// A new database on the engine `OPENDRS_TEST_DATABASE` names.
    pub async fn fresh() -> TestDatabase {
        Self::fresh_on(Engine::from_env()).await
    }

    pub async fn fresh_on(engine: Engine) -> TestDatabase {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = match engine {
            Engine::Sqlite => DatabaseUrl::Sqlite(dir.path().join("opendrs.db")),
            Engine::Postgres => DatabaseUrl::Postgres(postgres_database().await),
        };
        TestDatabase { url, _dir: dir }
    }

    /// The URL as configuration takes it.
    pub fn url_string(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => u.clone(),
        }
    }

    /// Opens it (each call is another instance on the same database).
    pub async fn open(&self) -> Arc<dyn Backend> {
        open(&self.url, OpenOptions::default())
            .await
            .unwrap_or_else(|e| panic!("cannot open the test database {}: {e}", self.url.display()))
    }
}

async fn postgres_database() -> String {
    let admin = std::env::var("OPENDRS_TEST_PG_URL").unwrap_or_else(|_| {
        panic!(
            "OPENDRS_TEST_DATABASE=postgres needs OPENDRS_TEST_PG_URL (start a cluster with \
             scripts/pg.sh start DIR)"
        )
    });
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test cluster {admin}: {e}"));
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database on {admin}: {e}"));
    match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("OPENDRS_TEST_PG_URL must name a database: postgres://USER@HOST:PORT/DB"),
    }
}

/// Two projects (`{:032x}` of 1 and 2, named `p1` and `p2`), each with the default enterprise
/// project only: the tenants most store tests need.
pub async fn two_projects(store: &Arc<dyn Backend>) -> (Tenant, Tenant) {
    let eps = vec!["0".to_string()];
    let p1 = store
        .project_upsert(&format!("{:032x}", 1), "p1", &eps, 0)
        .await
        .expect("p1");
    let p2 = store
        .project_upsert(&format!("{:032x}", 2), "p2", &eps, 0)
        .await
        .expect("p2");
    (p1, p2)
}
