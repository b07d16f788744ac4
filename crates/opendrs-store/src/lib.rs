//! OpenDRS storage: [`SqliteStore`], the embedded default (one file in the data directory, WAL
//! mode, a small connection pool, writes queued on blocking threads), and [`open`], which picks
//! the engine a database URL names (`sqlite://PATH` or `postgres://…`).

mod admin;
mod audit;
mod grams;
mod identity;
mod list_sql;
mod quota;
mod rows;
mod schema;
mod sql;
mod tags;
mod timeline;
mod tx;
mod write;

pub mod backup;
pub mod generate;
pub mod testing;
mod url;
pub use url::{open, DatabaseUrl, OpenOptions};

use futures::StreamExt;
use opendrs_core::{
    audit::{AuditLog, AuditRecord},
    batch::{Depth, JobRecord},
    caller::Tenant,
    identity::IdentitySnapshot,
    job::Job,
    query::{Cursor, JobQuery, Paging},
    store::{
        EnterpriseProjectRow, ExecutorPeek, JobPage, JobStream, Probe, Store, StoreError,
        StoreErrorKind, StoreResult, TxBody,
    },
    timeline::TimelinePage,
    window::Window,
};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};
use std::{
    path::Path,
    time::{Duration, Instant},
};

/// Jobs per chunk of the all-items stream.
const STREAM_CHUNK: usize = 200;

type Pool = r2d2::Pool<SqliteConnectionManager>;
pub(crate) type PooledConn = r2d2::PooledConnection<SqliteConnectionManager>;

/// The embedded SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    pool: Pool,
    /// Writers of this process queue here before they take SQLite's write lock. Without it,
    /// concurrent writers meet SQLite's busy handler, which sleeps 1–100 ms between retries
    /// while the lock sits idle (BENCHMARKS.md, Lifecycle): p99 creation latency was ~1 s.
    writer: std::sync::Arc<std::sync::Mutex<()>>,
    /// A connection that never writes: its `PRAGMA data_version` moves on every commit made by
    /// any other connection, in this process or another.
    watcher: std::sync::Arc<std::sync::Mutex<Connection>>,
    /// Told how long connections and the writer queue kept a caller waiting.
    probe: Probe,
}

fn classify(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::InvalidParameterName(what) = &e {
        if what.starts_with("no such") {
            return StoreError::not_found(what.clone());
        }
    }
    let kind = match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy
            | ErrorCode::DatabaseLocked
            | ErrorCode::CannotOpen
            | ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure
            | ErrorCode::ReadOnly => StoreErrorKind::Unavailable,
            ErrorCode::ConstraintViolation => StoreErrorKind::Conflict,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreErrorKind::Corrupt,
            _ => StoreErrorKind::Other,
        },
        _ => StoreErrorKind::Other,
    };
    StoreError::caused(kind, e)
}

fn pool_error(e: r2d2::Error) -> StoreError {
    StoreError::caused(StoreErrorKind::Unavailable, e)
}

fn task_failed(e: tokio::task::JoinError) -> StoreError {
    StoreError::caused(StoreErrorKind::Other, e)
}

fn init(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: an acknowledged write survives a power loss, not only a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // 2 MB of pages per connection (each connection has its own cache, so at most 2 MB ×
    // connections in all: memory stays flat under a load that spreads over a growing database;
    // with 8 MB the soak's caches were still filling after 25 minutes). The kernel's file cache
    // holds the rest. No page needs more: the order indexes carry `status` (migration 0009), so a
    // deep page steps over its offset in the index and reads only its own rows.
    conn.pragma_update(None, "cache_size", -2_000)?;
    conn.set_prepared_statement_cache_capacity(128);
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> StoreResult<Self> {
        Self::open_with(path, 8)
    }

    /// As [`open`](Self::open), with `connections` pooled connections.
    pub fn open_with(path: &Path, connections: u32) -> StoreResult<Self> {
        Self::open_probed(path, connections, Probe::default())
    }

    /// As [`open_with`](Self::open_with), reporting waits to `probe`.
    pub fn open_probed(path: &Path, connections: u32, probe: Probe) -> StoreResult<Self> {
        let mut first = Connection::open(path).map_err(classify)?;
        init(&mut first).map_err(classify)?;
        schema::migrate(&mut first)?;
        drop(first);
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(init);
        let pool = r2d2::Pool::builder()
            .max_size(connections.max(1))
            .connection_timeout(Duration::from_secs(5))
            // A broken SQLite connection is not a thing: skip the per-checkout probe query.
            .test_on_check_out(false)
            // Nor does one go stale: keep every connection for the life of the store. r2d2's
            // defaults (close after 10 idle minutes, replace after 30) threw away warm page
            // caches, and a closed connection's file descriptors stay open while another
            // connection holds a lock on the file (POSIX locks are per process), which under
            // steady load is always: the soak saw memory and open files step up every 10
            // minutes.
            .idle_timeout(None)
            .max_lifetime(None)
            .build(manager)
            .map_err(pool_error)?;
        let mut watcher = Connection::open(path).map_err(classify)?;
        init(&mut watcher).map_err(classify)?;
        Ok(SqliteStore {
            pool,
            writer: std::sync::Arc::new(std::sync::Mutex::new(())),
            watcher: std::sync::Arc::new(std::sync::Mutex::new(watcher)),
            probe,
        })
    }

    /// A pooled connection, its wait reported.
    fn conn(pool: &Pool, probe: &Probe) -> StoreResult<PooledConn> {
        let asked = Instant::now();
        let conn = pool.get().map_err(pool_error)?;
        probe.pool_wait(asked.elapsed());
        Ok(conn)
    }

    /// A free pooled connection, if there is one now (reported as no wait).
    fn free_conn(&self) -> Option<PooledConn> {
        let conn = self.pool.try_get();
        if conn.is_some() {
            self.probe.pool_wait(Duration::ZERO);
        }
        conn
    }

    /// The schema version this build applies.
    pub fn schema_version() -> usize {
        schema::latest_version()
    }

    /// Runs the write `f` on a blocking thread, after the writers queued before it: one writer
    /// of this process at a time takes a connection and SQLite's write lock.
    async fn writing<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let (pool, writer, probe) = (self.pool.clone(), self.writer.clone(), self.probe.clone());
        let asked = Instant::now();
        tokio::task::spawn_blocking(move || {
            // The mutex guards no data: a panic while holding it leaves nothing inconsistent.
            let _turn = writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut conn = Self::conn(&pool, &probe)?;
            probe.write_wait(asked.elapsed());
            f(&mut conn)
        })
        .await
        .map_err(task_failed)?
    }

    /// Runs `f` in one IMMEDIATE transaction, queued with the other writers (administration).
    async fn write_tx<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        self.writing(move |conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(classify)?;
            let out = f(&tx).map_err(classify)?;
            tx.commit().map_err(classify)?;
            Ok(out)
        })
        .await
    }

    /// Runs `f` on a pooled connection on a blocking thread.
    async fn blocking<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let (pool, probe) = (self.pool.clone(), self.probe.clone());
        tokio::task::spawn_blocking(move || {
            let mut conn = Self::conn(&pool, &probe)?;
            f(&mut conn)
        })
        .await
        .map_err(task_failed)?
    }
}

impl SqliteStore {
    /// A short read: on this thread when a connection is free at once, else on a blocking thread.
    async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        if let Some(conn) = self.pool.try_get() {
            return f(&conn).map_err(classify);
        }
        self.blocking(move |c| f(c).map_err(classify)).await
    }
}

/// Runs `f` in one read transaction (one snapshot), with cached BEGIN/COMMIT statements.
fn read_snapshot<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    match f(conn) {
        Ok(v) => {
            conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(v)
        }
        Err(e) => {
            let _ = conn
                .prepare_cached("ROLLBACK")
                .and_then(|mut s| s.execute([]));
            Err(e)
        }
    }
}

fn page(
    conn: &mut Connection,
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<JobPage> {
    // The common case, enumerated filters only: one statement, no explicit transaction. Children
    // (rare) are read after it, which can only show them newer than their parent's row.
    if let Some(((total, mut jobs), any_children)) =
        list_sql::enum_page(conn, tenant, q, offset, limit)?
    {
        if any_children {
            list_sql::attach_children(conn, tenant, &mut jobs)?;
        }
        return Ok(JobPage {
            total,
            jobs: jobs.into_iter().map(|(_, j)| j).collect(),
        });
    }
    let (total, jobs) = read_snapshot(conn, |tx| {
        if let Some((total, mut jobs)) = list_sql::candidate_page(tx, tenant, q, offset, limit)? {
            list_sql::attach_children(tx, tenant, &mut jobs)?;
            return Ok((total, jobs));
        }
        let total = list_sql::count(tx, tenant, q)?;
        let mut jobs: Vec<(i64, Job)> = Vec::new();
        if offset < total {
            list_sql::rows(tx, tenant, q, offset, Some(limit), |seq, job| {
                jobs.push((seq, job));
                true
            })?;
            list_sql::attach_children(tx, tenant, &mut jobs)?;
        }
        Ok((total, jobs))
    })?;
    Ok(JobPage {
        total,
        jobs: jobs.into_iter().map(|(_, j)| j).collect(),
    })
}

#[async_trait::async_trait]
impl AuditLog for SqliteStore {
    async fn audit_append(&self, record: AuditRecord) -> StoreResult<()> {
        opendrs_core::writes::audit_append(self, record).await
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn job_list(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobPage> {
        let (offset, limit) = match query.paging {
            Paging::Page { offset, limit } => (offset, limit),
            Paging::All => (0, u64::MAX),
        };
        // A page is bounded work (an index walk, at most 100 rows): with a connection free it runs
        // right here, on the request's thread (a hand-off cost more than the query, see
        // BENCHMARKS.md); when every connection is taken it waits on a blocking thread, never here.
        if let Some(mut conn) = self.free_conn() {
            return page(&mut conn, tenant, query, offset, limit).map_err(classify);
        }
        let (tenant, query) = (tenant.clone(), query.clone());
        self.blocking(move |c| page(c, &tenant, &query, offset, limit).map_err(classify))
            .await
    }

    async fn job_list_all(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobStream> {
        // The total, then each chunk by keyset on a connection taken for that chunk alone: a slow
        // reader holds no connection, no read transaction and no thread between chunks (each
        // chunk shows the data as of its own read).
        let (t, q) = (tenant.clone(), query.clone());
        let total = self
            .blocking(move |c| list_sql::count(c, &t, &q).map_err(classify))
            .await?;
        let (store, tenant, query) = (self.clone(), tenant.clone(), query.clone());
        let chunks = futures::stream::unfold(Some(None), move |state| {
            let (store, tenant, query) = (store.clone(), tenant.clone(), query.clone());
            async move {
                let after: Option<Cursor> = state?;
                let key = query.sort.key;
                let read = store
                    .blocking(move |c| {
                        list_sql::chunk_after(
                            c,
                            &tenant,
                            &query,
                            after.as_ref(),
                            STREAM_CHUNK as u64,
                        )
                        .map_err(classify)
                    })
                    .await;
                match read {
                    Ok(chunk) if chunk.is_empty() => None,
                    Ok(chunk) => {
                        let next = (chunk.len() == STREAM_CHUNK)
                            .then(|| chunk.last().map(|(_, j)| Cursor::after(j, key)));
                        let jobs: Vec<Job> = chunk.into_iter().map(|(_, j)| j).collect();
                        Some((Ok(jobs), next))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "streaming the job list failed");
                        Some((Err(e), None))
                    }
                }
            }
        });
        Ok(JobStream {
            total,
            chunks: chunks.boxed(),
        })
    }

    async fn job_get_many(
        &self,
        tenant: &Tenant,
        ids: &[String],
        depth: Depth,
    ) -> StoreResult<Vec<JobRecord>> {
        if let Some(conn) = self.free_conn() {
            return read_snapshot(&conn, |tx| list_sql::job_get_many(tx, tenant, ids, depth))
                .map_err(classify);
        }
        let (tenant, ids) = (tenant.clone(), ids.to_vec());
        self.blocking(move |c| {
            read_snapshot(c, |tx| list_sql::job_get_many(tx, &tenant, &ids, depth))
                .map_err(classify)
        })
        .await
    }

    async fn job_name_taken(&self, tenant: &Tenant, name: &str) -> StoreResult<bool> {
        let (key, name) = (tenant.key(), name.to_string());
        self.read(move |c| {
            c.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE project_key = ?1 AND name = ?2
                                   AND parent_seq IS NULL AND status <> 'DELETED')",
            )?
            .query_row(rusqlite::params![key, name], |r| r.get(0))
        })
        .await
    }

    async fn enterprise_project_list(
        &self,
        tenant: &Tenant,
    ) -> StoreResult<Vec<EnterpriseProjectRow>> {
        let key = tenant.key();
        self.read(move |c| {
            c.prepare_cached(
                "SELECT e.id, e.name, p.created_at FROM enterprise_projects e
                   JOIN projects p ON p.key = e.project_key
                  WHERE e.project_key = ?1 ORDER BY e.id",
            )?
            .query_map([key], |r| {
                Ok(EnterpriseProjectRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    created_at_ms: r.get(2)?,
                })
            })?
            .collect()
        })
        .await
    }

    async fn job_timeline(
        &self,
        tenant: &Tenant,
        job_id: &str,
        window: Window,
    ) -> StoreResult<Option<TimelinePage>> {
        let (tenant, job_id) = (tenant.clone(), job_id.to_string());
        self.blocking(move |c| {
            read_snapshot(c, |tx| timeline::job_timeline(tx, &tenant, &job_id, window))
                .map_err(classify)
        })
        .await
    }

    async fn data_version(&self) -> StoreResult<u64> {
        fn read(conn: &Connection) -> StoreResult<u64> {
            conn.prepare_cached("PRAGMA data_version")
                .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                .map(|v| v as u64)
                .map_err(classify)
        }
        // The watcher is one connection: taken by another request, this one waits off-thread.
        if let Ok(conn) = self.watcher.try_lock() {
            return read(&conn);
        }
        let watcher = self.watcher.clone();
        tokio::task::spawn_blocking(move || {
            let conn = watcher
                .lock()
                .map_err(|_| StoreError::other("watcher lock poisoned"))?;
            read(&conn)
        })
        .await
        .map_err(task_failed)?
    }

    async fn quota_read(&self, tenant: &Tenant) -> StoreResult<opendrs_core::quota::QuotaUsage> {
        let key = tenant.key();
        self.blocking(move |c| {
            let tx = c.transaction().map_err(classify)?;
            let usage = quota::usage(&tx, key).map_err(classify)?;
            tx.commit().map_err(classify)?;
            Ok(usage)
        })
        .await
    }

    async fn project_version(&self, tenant: &Tenant) -> StoreResult<u64> {
        fn read(conn: &Connection, key: i64) -> StoreResult<u64> {
            conn.prepare_cached("SELECT version FROM project_versions WHERE project_key = ?1")
                .and_then(|mut s| s.query_row([key], |r| r.get::<_, i64>(0)).optional())
                .map(|v| v.unwrap_or(0) as u64)
                .map_err(classify)
        }
        // One indexed row, read on the request's thread like a page when a connection is free.
        let key = tenant.key();
        match self.free_conn() {
            Some(conn) => read(&conn, key),
            None => self.blocking(move |c| read(c, key)).await,
        }
    }

    async fn identity_version(&self) -> StoreResult<i64> {
        self.blocking(|c| identity::version(c).map_err(classify))
            .await
    }

    async fn identity_snapshot(&self) -> StoreResult<IdentitySnapshot> {
        self.blocking(|c| {
            let tx = c.transaction().map_err(classify)?;
            let snap = identity::snapshot(&tx).map_err(classify)?;
            tx.commit().map_err(classify)?;
            Ok(snap)
        })
        .await
    }

    async fn transact(&self, body: TxBody) -> StoreResult<()> {
        let (pool, writer, probe) = (self.pool.clone(), self.writer.clone(), self.probe.clone());
        let asked = Instant::now();
        tokio::task::spawn_blocking(move || {
            // The mutex guards no data: a panic while holding it leaves nothing inconsistent.
            let _turn = writer.lock().unwrap_or_else(|e| e.into_inner());
            let conn = Self::conn(&pool, &probe)?;
            conn.execute_batch("BEGIN IMMEDIATE").map_err(classify)?;
            // From the call to holding SQLite's write lock: the thread hand-off, this process's
            // writer queue, a connection, and other processes' writers (the busy handler).
            probe.write_wait(asked.elapsed());
            let mut tx = tx::SqliteTx { conn };
            // Every primitive of an SQLite transaction completes at once (it runs right here, on
            // this blocking thread), so the body's future never waits on anything but them.
            let done = futures::executor::block_on(body(&mut tx));
            let end = if done.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = tx.conn.execute_batch(end).map_err(classify);
            if ended.is_err() && done.is_ok() {
                let _ = tx.conn.execute_batch("ROLLBACK");
            }
            done.and(ended)
        })
        .await
        .map_err(task_failed)?
    }

    async fn executor_peek(&self) -> StoreResult<ExecutorPeek> {
        self.blocking(|c| {
            let q = |sql: &str| -> rusqlite::Result<Option<i64>> {
                c.prepare_cached(sql)?
                    .query_row([], |r| r.get(0))
                    .optional()
                    .map(Option::flatten)
            };
            Ok(ExecutorPeek {
                next_due: q("SELECT min(due_at) FROM job_transitions").map_err(classify)?,
                virtual_now: q("SELECT now_ms FROM executor_clock WHERE id = 1").map_err(classify)?,
                oldest_deleted: q(
                    "SELECT min(deleted_at) FROM jobs WHERE deleted_at IS NOT NULL AND parent_seq IS NULL",
                )
                .map_err(classify)?,
            })
        })
        .await
    }

    async fn ping(&self) -> StoreResult<()> {
        self.blocking(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(classify))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_connections_are_never_closed_for_idleness_or_age() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(&dir.path().join("db")).expect("open");
        assert_eq!(store.pool.idle_timeout(), None);
        assert_eq!(store.pool.max_lifetime(), None);
        assert_eq!(
            store.pool.state().connections,
            8,
            "every connection opened at start"
        );
    }

    #[tokio::test]
    async fn the_data_version_moves_on_every_commit_from_any_connection() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let a = SqliteStore::open(&path).expect("open a");
        let b = SqliteStore::open(&path).expect("open b"); // as another process would
        let v0 = a.data_version().await.expect("v0");
        assert_eq!(
            a.data_version().await.expect("again"),
            v0,
            "reading does not move it"
        );
        use opendrs_core::store::AdminStore;
        a.project_upsert("0123456789abcdef0123456789abcdef", "x", &[], 0)
            .await
            .expect("write a");
        let v1 = a.data_version().await.expect("v1");
        assert_ne!(v1, v0, "a commit through this store's pool");
        b.project_upsert("fedcba9876543210fedcba9876543210", "y", &[], 0)
            .await
            .expect("write b");
        let v2 = a.data_version().await.expect("v2");
        assert_ne!(v2, v1, "a commit through another store on the same file");
    }
}
