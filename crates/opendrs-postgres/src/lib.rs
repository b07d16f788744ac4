//! OpenDRS storage on PostgreSQL: the same contract (and the same answers, byte for byte) as
//! the embedded SQLite store, for several OpenDRS instances sharing one database.
//!
//! - A bounded deadpool-postgres pool: acquiring waits at most [`WAIT_TIMEOUT`], connecting at
//!   most [`CONNECT_TIMEOUT`]; broken connections are dropped at recycle (fast check). With the
//!   database down every call fails within about two seconds with `Unavailable`, and succeeds
//!   again once it is back, without a restart.
//! - Statements are prepared once per connection (`prepare_cached`) and planned once
//!   (`plan_cache_mode = force_generic_plan`), except the lists with narrowing filters (a name,
//!   IDs, tags, instances), which run on a second pool planning for their values
//!   (`force_custom_plan`: a name search in a tenant of ten jobs and in one of a million want
//!   different plans; see `PlanMode`). Every session has a statement timeout (30 s) and an
//!   idle-in-transaction timeout (60 s): nothing hangs for ever.
//! - Migrations (`migrations/NNNN_*.sql`) are applied at connect under an advisory lock.
//! - `total_record` for enumerated filters is a sum over trigger-kept counters, appended as
//!   deltas (no hot row) and folded by [`PgStore::counts_compact`], which a timer started by
//!   [`PgStore::connect`] runs every [`COMPACT_EVERY`].

mod admin;
mod error;
mod list;
mod migrate;
mod quota;
mod rows;
mod sql;
mod tags;
mod timeline;
mod tx;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use futures::StreamExt;
use opendrs_core::{
    audit::{AuditLog, AuditRecord},
    batch::{Depth, JobRecord},
    caller::Tenant,
    identity::IdentitySnapshot,
    query::{Cursor, JobQuery, Paging},
    store::{
        EnterpriseProjectRow, ExecutorPeek, JobPage, JobStream, Probe, Store, StoreError,
        StoreResult, TxBody,
    },
    timeline::TimelinePage,
    window::Window,
};
use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Weak,
    },
    time::{Duration, Instant},
};

pub use error::{classify, kind_of};
pub use migrate::KNOWN_VERSION;

/// Longest wait for a pooled connection.
pub const WAIT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait to open a new connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How often the counters' deltas are folded into their base rows.
pub const COMPACT_EVERY: Duration = Duration::from_secs(1);

/// The PostgreSQL store. Cheap to clone (one pool).
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    /// Every statement but the narrowing lists: planned once per connection (see
    /// [`PlanMode`]).
    pool: Pool,
    /// The lists with narrowing filters: planned for their values.
    searches: Pool,
    /// Told how long the pools and `BEGIN` kept a caller waiting.
    probe: Probe,
}

/// How a pool's sessions plan their prepared statements (`plan_cache_mode`).
///
/// A list with narrowing filters (a name, IDs, tags, instances) wants a plan for its values:
/// the name `payments` in a million-job tenant is 2,212 jobs through the grams index, where a
/// generic plan walks the order index and filters (67 ms against 10 ms). A list with
/// enumerated filters only has one good plan whatever the values (walk the order index, or
/// `jobs_top_by_status` for a status; the total from the counts), and planning it again on
/// every call cost more CPU than running it: half of PostgreSQL's time in a small-page load.
/// So do the writes and the reads by key: a creation's statements planned for their values
/// cost a third of its time under the project's lock (1,000 against 1,700 jobs/s).
/// Everything but the narrowing lists therefore runs on a pool whose sessions plan each
/// statement once (generic); the narrowing lists on a second pool planning for the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PlanMode {
    Custom,
    Generic,
}

impl PlanMode {
    fn setting(self) -> &'static str {
        match self {
            PlanMode::Custom => "force_custom_plan",
            PlanMode::Generic => "force_generic_plan",
        }
    }
}

/// Answers of [`Store::data_version`]: PostgreSQL has no cheap global commit counter, so each
/// call returns a number never returned before (process-wide); a cache labelled with it is
/// therefore always re-validated against [`Store::project_version`], which is exact.
static DATA_VERSION: AtomicU64 = AtomicU64::new(1);

/// Most a statement may run, and most a session may sit idle inside a transaction, before the
/// server cancels it (`57014`, which the store reports as unavailable): a stuck query or a
/// stalled client never holds a request or a lock for ever. Migrations lift the first.
const STATEMENT_TIMEOUT: &str = "30s";
const IDLE_IN_TRANSACTION_TIMEOUT: &str = "60s";

/// The session settings every connection starts with; `options` given in the URL come after
/// them, so an operator's own `-c statement_timeout=…` wins.
fn session_options(mode: PlanMode, from_url: Option<&str>) -> String {
    let mut options = format!(
        "-c plan_cache_mode={} -c statement_timeout={STATEMENT_TIMEOUT} \
         -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT}",
        mode.setting()
    );
    if let Some(extra) = from_url.filter(|o| !o.trim().is_empty()) {
        options.push(' ');
        options.push_str(extra);
    }
    options
}

/// A bounded pool of sessions planning as `mode` says.
fn build_pool(pg: &tokio_postgres::Config, mode: PlanMode, size: usize) -> StoreResult<Pool> {
    let mut pg = pg.clone();
    let options = session_options(mode, pg.get_options());
    pg.connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(10))
        .application_name("opendrs")
        .options(&options);
    let manager = Manager::from_config(
        pg,
        tokio_postgres::NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(WAIT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(CONNECT_TIMEOUT))
        .build()
        .map_err(|e| StoreError::other(format!("building the connection pool: {e}")))
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`) with a pool of
    /// `pool_size` connections, applies pending migrations and starts the counters' compaction
    /// timer (it stops when the last clone of the store is dropped).
    pub async fn connect(url: &str, pool_size: usize) -> StoreResult<Self> {
        Self::connect_probed(url, pool_size, Probe::default()).await
    }

    /// As [`connect`](Self::connect), reporting waits to `probe`. Two pools of at most
    /// `pool_size` connections each (see `PlanMode`); connections open as calls need them.
    pub async fn connect_probed(url: &str, pool_size: usize, probe: Probe) -> StoreResult<Self> {
        let pg: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::other(format!("invalid PostgreSQL URL: {e}")))?;
        let pool = build_pool(&pg, PlanMode::Generic, pool_size)?;
        let searches = build_pool(&pg, PlanMode::Custom, pool_size)?;
        let store = PgStore {
            inner: Arc::new(Inner {
                pool,
                searches,
                probe,
            }),
        };
        store.migrate().await?;
        let weak = Arc::downgrade(&store.inner);
        tokio::spawn(compaction(weak));
        Ok(store)
    }

    /// A pooled connection, within the pool's timeouts.
    async fn client(&self) -> StoreResult<Object> {
        self.checkout(&self.inner.pool).await
    }

    /// A pooled connection for the list `q`: one with narrowing filters is planned for its
    /// values (see [`PlanMode`]).
    async fn list_client(&self, q: &JobQuery) -> StoreResult<Object> {
        if q.is_enum_only() {
            self.client().await
        } else {
            self.checkout(&self.inner.searches).await
        }
    }

    async fn checkout(&self, pool: &Pool) -> StoreResult<Object> {
        let asked = Instant::now();
        let client = pool.get().await.map_err(error::pool_error)?;
        self.inner.probe.pool_wait(asked.elapsed());
        Ok(client)
    }

    /// How the prepared statements of one connection of each pool were planned so far:
    /// `(generic, custom)` plans summed over the `pg_prepared_statements` that take parameters
    /// (one without has one plan in any mode), the main pool's first, then the searches'.
    /// For tests and for an operator checking that statements are not planned on every call.
    pub async fn plan_counts(&self) -> StoreResult<[(i64, i64); 2]> {
        let mut out = [(0, 0); 2];
        for (i, pool) in [&self.inner.pool, &self.inner.searches]
            .into_iter()
            .enumerate()
        {
            let client = self.checkout(pool).await?;
            let row = client
                .query_one(
                    "SELECT coalesce(sum(generic_plans), 0)::bigint, \
                            coalesce(sum(custom_plans), 0)::bigint FROM pg_prepared_statements \
                     WHERE cardinality(parameter_types) > 0",
                    &[],
                )
                .await
                .map_err(classify)?;
            out[i] = (rows::get(&row, 0)?, rows::get(&row, 1)?);
        }
        Ok(out)
    }

    /// The plan PostgreSQL chooses for the page of 10 at `offset` of `q` (`EXPLAIN`, text):
    /// which index a list walks, for tests and for an operator looking at a slow list.
    pub async fn explain_page(
        &self,
        tenant: &Tenant,
        q: &JobQuery,
        offset: u64,
    ) -> StoreResult<String> {
        let client = self.client().await?;
        list::explain_page(&client, tenant, q, offset).await
    }

    /// Folds the counters' and project versions' delta rows into their base rows, in one
    /// transaction; skipped when another instance is compacting. Then, when anything was
    /// folded, vacuums the four tables: a creation's quota count reads its project's deltas
    /// under the project's lock, and autovacuum (once a minute at best) left that read walking
    /// tens of thousands of dead index entries (0.6 ms growing to 5 ms within half a minute).
    pub async fn counts_compact(&self) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        let got: bool = tx
            .query_one("SELECT pg_try_advisory_xact_lock(7243302)", &[])
            .await
            .map_err(classify)?
            .try_get(0)
            .map_err(classify)?;
        if !got {
            return Ok(());
        }
        let mut folded = 0;
        for statement in [
            "WITH d AS (DELETE FROM job_count_deltas RETURNING *)
             INSERT INTO job_counts AS c
             SELECT project_key, db_use_type, enterprise_project_id, status, engine_type, net_type, sum(n)
               FROM d GROUP BY 1, 2, 3, 4, 5, 6
             ON CONFLICT (project_key, db_use_type, enterprise_project_id, status, engine_type, net_type)
             DO UPDATE SET n = c.n + EXCLUDED.n",
            "DELETE FROM job_counts WHERE n = 0",
            "WITH d AS (DELETE FROM project_version_deltas RETURNING *)
             INSERT INTO project_versions AS v
             SELECT project_key, sum(n) FROM d GROUP BY 1
             ON CONFLICT (project_key) DO UPDATE SET version = v.version + EXCLUDED.version",
        ] {
            folded += tx.execute(statement, &[]).await.map_err(classify)?;
        }
        tx.commit().await.map_err(classify)?;
        if folded > 0 {
            // One statement (a VACUUM cannot run inside a transaction block).
            client
                .batch_execute(
                    "VACUUM (SKIP_LOCKED) job_count_deltas, job_counts, \
                     project_version_deltas, project_versions",
                )
                .await
                .map_err(classify)?;
        }
        Ok(())
    }
}

/// Runs [`PgStore::counts_compact`] every [`COMPACT_EVERY`] while the store lives.
async fn compaction(store: Weak<Inner>) {
    let mut tick = tokio::time::interval(COMPACT_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(inner) = store.upgrade() else {
            return;
        };
        let store = PgStore { inner };
        if let Err(e) = store.counts_compact().await {
            tracing::warn!(error = %e, "compacting the job counters failed");
        }
    }
}

#[async_trait::async_trait]
impl AuditLog for PgStore {
    async fn audit_append(&self, record: AuditRecord) -> StoreResult<()> {
        opendrs_core::writes::audit_append(self, record).await
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn job_list(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobPage> {
        let (offset, limit) = match query.paging {
            Paging::Page { offset, limit } => (offset, Some(limit)),
            Paging::All => (0, None),
        };
        let client = self.list_client(query).await?;
        let (total, jobs) = list::page(&client, tenant, query, offset, limit).await?;
        Ok(JobPage { total, jobs })
    }

    /// The total, then chunks of `list::STREAM_CHUNK` (200) jobs, each read by its own statement on
    /// a connection taken for that chunk only (keyset on the order (`Cursor`) after the last row
    /// sent): no connection or transaction is held while the client is slow. Each chunk sees
    /// the data as of its own read, so a job changed meanwhile may be missed or (if it moved
    /// later in the order, which `create_time` never does) seen twice; the total is the
    /// count at the start.
    async fn job_list_all(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobStream> {
        let total = {
            let client = self.list_client(query).await?;
            list::count(&client, tenant, query).await?
        };
        struct State {
            store: PgStore,
            tenant: Tenant,
            query: JobQuery,
            after: Option<Cursor>,
            done: bool,
        }
        let state = State {
            store: self.clone(),
            tenant: tenant.clone(),
            query: query.clone(),
            after: None,
            done: false,
        };
        let chunks = futures::stream::unfold(state, |mut s| async move {
            if s.done {
                return None;
            }
            let read = async {
                let client = s.store.list_client(&s.query).await?;
                list::chunk(&client, &s.tenant, &s.query, s.after.as_ref()).await
            }
            .await;
            match read {
                Ok(jobs) if jobs.is_empty() => None,
                Ok(jobs) => {
                    s.done = (jobs.len() as i64) < list::STREAM_CHUNK;
                    s.after = jobs.last().map(|j| Cursor::after(j, s.query.sort.key));
                    Some((Ok(jobs), s))
                }
                Err(e) => {
                    s.done = true;
                    Some((Err(e), s))
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
        let client = self.client().await?;
        list::job_get_many(&client, tenant, ids, depth).await
    }

    async fn job_name_taken(&self, tenant: &Tenant, name: &str) -> StoreResult<bool> {
        if name.contains('\0') {
            return Ok(false);
        }
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE project_key = $1 AND name = $2
                                   AND parent_seq IS NULL AND status <> 'DELETED')",
            )
            .await
            .map_err(classify)?;
        let row = client
            .query_one(&stmt, &[&tenant.key(), &name])
            .await
            .map_err(classify)?;
        row.try_get(0).map_err(classify)
    }

    async fn enterprise_project_list(
        &self,
        tenant: &Tenant,
    ) -> StoreResult<Vec<EnterpriseProjectRow>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT e.id, e.name, p.created_at FROM enterprise_projects e
                   JOIN projects p ON p.key = e.project_key
                  WHERE e.project_key = $1 ORDER BY e.id",
            )
            .await
            .map_err(classify)?;
        let rows = client
            .query(&stmt, &[&tenant.key()])
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok(EnterpriseProjectRow {
                    id: r.try_get(0).map_err(classify)?,
                    name: r.try_get(1).map_err(classify)?,
                    created_at_ms: r.try_get(2).map_err(classify)?,
                })
            })
            .collect()
    }

    async fn job_timeline(
        &self,
        tenant: &Tenant,
        job_id: &str,
        window: Window,
    ) -> StoreResult<Option<TimelinePage>> {
        let client = self.client().await?;
        timeline::job_timeline(&client, tenant, job_id, window).await
    }

    async fn data_version(&self) -> StoreResult<u64> {
        Ok(DATA_VERSION.fetch_add(1, Ordering::Relaxed))
    }

    async fn quota_read(&self, tenant: &Tenant) -> StoreResult<opendrs_core::quota::QuotaUsage> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&quota::read_sql())
            .await
            .map_err(classify)?;
        let row = client
            .query_one(&stmt, &[&tenant.key()])
            .await
            .map_err(classify)?;
        quota::usage(&row)
    }

    async fn project_version(&self, tenant: &Tenant) -> StoreResult<u64> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT coalesce(sum(v), 0)::bigint FROM (
                     SELECT version AS v FROM project_versions WHERE project_key = $1
                     UNION ALL SELECT n FROM project_version_deltas WHERE project_key = $1) x",
            )
            .await
            .map_err(classify)?;
        let row = client
            .query_one(&stmt, &[&tenant.key()])
            .await
            .map_err(classify)?;
        Ok(rows::get::<i64>(&row, 0)?.max(0) as u64)
    }

    async fn identity_version(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached("SELECT version FROM identity_version WHERE id = 1")
            .await
            .map_err(classify)?;
        let row = client.query_one(&stmt, &[]).await.map_err(classify)?;
        rows::get(&row, 0)
    }

    async fn identity_snapshot(&self) -> StoreResult<IdentitySnapshot> {
        let mut client = self.client().await?;
        admin::snapshot(&mut client).await
    }

    async fn transact(&self, body: TxBody) -> StoreResult<()> {
        let asked = Instant::now();
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(classify)?;
        self.inner.probe.write_wait(asked.elapsed());
        let mut job_tx = tx::PgTx::new(tx);
        let done = match body(&mut job_tx).await {
            Ok(()) => job_tx.flush().await,
            Err(e) => Err(e),
        };
        match done {
            Ok(()) => job_tx.tx.commit().await.map_err(classify),
            Err(e) => {
                if let Err(r) = job_tx.tx.rollback().await {
                    tracing::debug!(error = %r, "rolling back failed (the connection is dropped)");
                }
                Err(e)
            }
        }
    }

    async fn executor_peek(&self) -> StoreResult<ExecutorPeek> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(
                "SELECT (SELECT min(due_at) FROM job_transitions),
                        (SELECT now_ms FROM executor_clock WHERE id = 1),
                        (SELECT min(deleted_at) FROM jobs
                          WHERE deleted_at IS NOT NULL AND parent_seq IS NULL)",
            )
            .await
            .map_err(classify)?;
        let row = client.query_one(&stmt, &[]).await.map_err(classify)?;
        Ok(ExecutorPeek {
            next_due: rows::get(&row, 0)?,
            virtual_now: rows::get(&row, 1)?,
            oldest_deleted: rows::get(&row, 2)?,
        })
    }

    async fn ping(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client.simple_query("SELECT 1").await.map_err(classify)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{session_options, PlanMode};

    #[test]
    fn every_session_gets_the_timeouts_and_an_operators_url_options_come_last() {
        let ours = session_options(PlanMode::Custom, None);
        assert!(ours.contains("-c statement_timeout=30s"), "{ours}");
        assert!(
            ours.contains("-c idle_in_transaction_session_timeout=60s"),
            "{ours}"
        );
        assert!(
            ours.contains("-c plan_cache_mode=force_custom_plan"),
            "{ours}"
        );
        let theirs = session_options(PlanMode::Custom, Some("-c statement_timeout=5s"));
        assert!(theirs.ends_with(" -c statement_timeout=5s"), "{theirs}");
        assert_eq!(session_options(PlanMode::Custom, Some("  ")), ours);
        let main = session_options(PlanMode::Generic, None);
        assert!(
            main.contains("-c plan_cache_mode=force_generic_plan"),
            "{main}"
        );
    }
}
