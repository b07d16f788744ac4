//! The application layer: one call per API operation, taking the authenticated caller and
//! the raw input, returning domain results. HTTP handlers call exactly one of these.

use crate::{
    audit::{Actor, AuditRecord, Outcome},
    batch::{
        detail_items, status_items, BatchListJobDetailsResponse, BatchListJobStatusResponse,
        BatchQuery, BatchQueryJobReqPage, Depth, JobRecord,
    },
    caller::{Caller, Tenant},
    error::{Error, Result},
    executor::ExecutorSettings,
    job::{JobInfo, JobListResponse},
    lang::Lang,
    ops::{
        creation_answer, operation_answer, parse_batch, BatchKind, BatchWriteResponse,
        CreateJobResp, ItemOutcome, JobOpResp, WriteItem,
    },
    query::{parse_body, JobQuery, Paging},
    store::{Dialect, JobStream, JobWrite, Store},
    timeline::{ShowTimelineResponse, TimelineInfo},
};
use std::sync::{
    atomic::{AtomicU64, Ordering::Relaxed},
    Arc, Mutex,
};

mod resources;
mod workflow;

/// The answer to a list query: one page, already rendered as JSON, or every match streamed.
pub enum JobListing {
    Page(Arc<[u8]>),
    All(JobStream),
}

/// Rendered pages by (project, validated query), each labelled with the store's data version
/// and the project's version when it was read: an entry is served while the data version is
/// unchanged, or — after writes elsewhere — while its project's version is unchanged. Versions
/// are read before the page, so a label is never newer than its page. Bounded in entries and in
/// bytes (keys, pages and bookkeeping counted), least recently used first out.
struct PageCache {
    entries: Mutex<Weighed>,
    stats: Arc<PageCacheStats>,
}

/// What the page cache did, for metrics: counted with relaxed atomics, read at any time.
#[derive(Debug, Default)]
pub struct PageCacheStats {
    hits: AtomicU64,
    misses: AtomicU64,
    entries: AtomicU64,
    bytes: AtomicU64,
}

impl PageCacheStats {
    /// Pages answered from the cache (the data unchanged, or the project's version unchanged).
    pub fn hits(&self) -> u64 {
        self.hits.load(Relaxed)
    }

    /// Pages read from the store while the cache was on.
    pub fn misses(&self) -> u64 {
        self.misses.load(Relaxed)
    }

    /// Pages held now.
    pub fn entries(&self) -> u64 {
        self.entries.load(Relaxed)
    }

    /// Bytes held now (keys, pages and bookkeeping).
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Relaxed)
    }
}

/// The entries and their total weight.
struct Weighed {
    lru: lru::LruCache<PageKey, Labelled>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

/// Bookkeeping per entry besides the key's and the page's own bytes (LRU links, hash slot,
/// labels, the page's `Arc` header).
const ENTRY_OVERHEAD: usize = 128;

fn weight(key: &PageKey, entry: &Labelled) -> usize {
    key.2.weight() + entry.page.len() + ENTRY_OVERHEAD
}

/// Which API's list a page renders: the same query is another page in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum View {
    /// `POST /v3/{project_id}/jobs`: `{total_record, jobs: [JobInfo]}`.
    V3,
    /// `GET /v5/{project_id}/jobs`: `{total_count, jobs: [JobListResp]}`.
    V5,
}

/// (project key, view, validated query).
type PageKey = (i64, View, JobQuery);

/// A rendered page and the versions it was read at.
#[derive(Clone)]
struct Labelled {
    data_version: u64,
    project_version: u64,
    page: Arc<[u8]>,
}

impl PageCache {
    /// `None` when either bound is 0 (no cache).
    fn new(max_entries: usize, max_bytes: usize, stats: Arc<PageCacheStats>) -> Option<Arc<Self>> {
        stats.entries.store(0, Relaxed);
        stats.bytes.store(0, Relaxed);
        (max_entries > 0 && max_bytes > 0).then(|| {
            Arc::new(PageCache {
                entries: Mutex::new(Weighed {
                    lru: lru::LruCache::unbounded(),
                    bytes: 0,
                    max_entries,
                    max_bytes,
                }),
                stats,
            })
        })
    }

    fn get(&self, key: &PageKey) -> Option<Labelled> {
        self.entries.lock().ok()?.lru.get(key).cloned()
    }

    fn put(&self, key: PageKey, entry: Labelled) {
        let Ok(mut w) = self.entries.lock() else {
            return;
        };
        let added = weight(&key, &entry);
        if let Some(old) = w.lru.pop(&key) {
            w.bytes = w.bytes.saturating_sub(weight(&key, &old));
        }
        if added > w.max_bytes {
            return;
        }
        while w.lru.len() >= w.max_entries || w.bytes + added > w.max_bytes {
            let Some((k, v)) = w.lru.pop_lru() else { break };
            w.bytes = w.bytes.saturating_sub(weight(&k, &v));
        }
        w.lru.put(key, entry);
        w.bytes += added;
        self.stats.entries.store(w.lru.len() as u64, Relaxed);
        self.stats.bytes.store(w.bytes as u64, Relaxed);
    }

    /// (entries, bytes) held.
    #[cfg(test)]
    fn size(&self) -> (usize, usize) {
        self.entries
            .lock()
            .map_or((0, 0), |w| (w.lru.len(), w.bytes))
    }
}

/// Default byte bound of the page cache.
pub const DEFAULT_PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Called after a write that may have scheduled transitions (wakes the executor).
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// The DRS job operations over a store.
#[derive(Clone)]
pub struct Jobs {
    pub(crate) store: Arc<dyn Store>,
    cache: Option<Arc<PageCache>>,
    /// Shared by every clone and kept across [`Jobs::with_page_cache`].
    cache_stats: Arc<PageCacheStats>,
    pub(crate) settings: ExecutorSettings,
    wake: Option<Wake>,
    reachability: Arc<crate::workflow::Reachability>,
    /// The job quota of a project nobody configured one for.
    default_quota: u64,
}

impl Jobs {
    /// `cached_pages`: how many rendered pages to keep (0: no cache), within
    /// [`DEFAULT_PAGE_CACHE_BYTES`] (see [`Jobs::with_page_cache`]).
    pub fn new(store: Arc<dyn Store>, cached_pages: usize) -> Self {
        let cache_stats = Arc::new(PageCacheStats::default());
        let cache = PageCache::new(cached_pages, DEFAULT_PAGE_CACHE_BYTES, cache_stats.clone());
        Jobs {
            store,
            cache,
            cache_stats,
            settings: ExecutorSettings::default(),
            wake: None,
            reachability: Arc::default(),
            default_quota: crate::quota::DEFAULT_INSTANCES,
        }
    }

    /// The job quota of a project nobody configured one for (`default_job_quota`).
    pub fn with_default_quota(mut self, quota: u64) -> Self {
        self.default_quota = quota;
        self
    }

    /// Which simulated databases answer connection tests and prechecks.
    pub fn with_reachability(mut self, reachability: crate::workflow::Reachability) -> Self {
        self.reachability = Arc::new(reachability);
        self
    }

    /// A new, empty page cache of at most `max_entries` pages and `max_bytes` bytes, keys
    /// included (either 0: no cache).
    pub fn with_page_cache(mut self, max_entries: usize, max_bytes: usize) -> Self {
        self.cache = PageCache::new(max_entries, max_bytes, self.cache_stats.clone());
        self
    }

    /// The page cache's hits, misses and size (all zero with no cache).
    pub fn page_cache_stats(&self) -> Arc<PageCacheStats> {
        self.cache_stats.clone()
    }

    /// How writes schedule the transitions that follow them, and whom to wake after one.
    pub fn with_lifecycle(mut self, settings: ExecutorSettings, wake: Option<Wake>) -> Self {
        self.settings = settings;
        self.wake = wake;
        self
    }

    /// `batch-creation`: creates each valid job in `CREATING` (answered per item).
    pub async fn job_create(
        &self,
        caller: &Caller,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchWriteResponse<CreateJobResp>> {
        let outcomes = self
            .batch_write(caller, BatchKind::Create, body, actor)
            .await?;
        Ok(creation_answer(&outcomes, lang))
    }

    /// `batch-starting`, `batch-pause-task`, `batch-retry-task`, `batch-modification` and
    /// `batch-jobs` (terminate, force-terminate, delete): each item succeeds or fails alone.
    pub async fn job_operate(
        &self,
        caller: &Caller,
        kind: BatchKind,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchWriteResponse<JobOpResp>> {
        let outcomes = self.batch_write(caller, kind, body, actor).await?;
        Ok(operation_answer(&outcomes, lang))
    }

    async fn batch_write(
        &self,
        caller: &Caller,
        kind: BatchKind,
        body: &[u8],
        actor: Actor,
    ) -> Result<Vec<ItemOutcome>> {
        let job_ids = || crate::ops::named_job_ids(kind, body);
        let parse = || parse_batch(kind, body);
        self.write_items(caller, kind.operation(), Dialect::V3, actor, parse, job_ids)
            .await
    }

    /// Applies a write for `caller` in ONE transaction of the store, its audit record with it:
    /// write permission first (`DRS.M00102`), then `parse` (the items; an error fails the whole
    /// call). A refusal is recorded too, naming `refused_ids`.
    pub(crate) async fn write_items(
        &self,
        caller: &Caller,
        operation: &'static str,
        dialect: Dialect,
        actor: Actor,
        parse: impl FnOnce() -> Result<Vec<WriteItem>>,
        refused_ids: impl FnOnce() -> Vec<String>,
    ) -> Result<Vec<ItemOutcome>> {
        let items = if caller.can_write() {
            parse()
        } else {
            Err(Error::Forbidden)
        };
        let items = match items {
            Ok(items) => items,
            Err(e) => {
                self.audit_refusal(caller, operation, refused_ids(), &actor, &e)
                    .await;
                return Err(e);
            }
        };
        let write = JobWrite {
            operation,
            dialect,
            actor,
            now_ms: crate::clock::now_ms(),
            visible_eps: caller.enterprise_projects.clone(),
            settings: self.settings,
            reachability: self.reachability.clone(),
            default_quota: self.default_quota,
            items,
        };
        let outcomes = crate::writes::job_write(&*self.store, &caller.tenant, write).await?;
        if let Some(wake) = &self.wake {
            wake();
        }
        Ok(outcomes)
    }

    /// Records a refused write (a failure to record it is logged).
    async fn audit_refusal(
        &self,
        caller: &Caller,
        operation: &'static str,
        job_ids: Vec<String>,
        actor: &Actor,
        error: &Error,
    ) {
        let record = AuditRecord {
            at_ms: crate::clock::now_ms(),
            project_id: caller.tenant.project_id().to_string(),
            user_id: actor.user_id.clone(),
            action: operation.to_string(),
            job_ids,
            request_id: actor.request_id.clone(),
            outcome: Outcome::Refused,
            detail: serde_json::json!({ "error_code": error.code() }).to_string(),
        };
        // The refusal is the answer whether or not it could be recorded.
        if let Err(e) = self.store.audit_append(record).await {
            tracing::error!(error = %e, "a refused write could not be audited");
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// "Querying Tasks of a Tenant": validates `body` and runs it in the caller's project.
    pub async fn job_list(&self, caller: &Caller, body: &[u8]) -> Result<JobListing> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let query = parse_body(body)?.validate(caller)?;
        if query.paging == Paging::All {
            return Ok(JobListing::All(
                self.store.job_list_all(&caller.tenant, &query).await?,
            ));
        }
        Ok(JobListing::Page(
            self.page(&caller.tenant, query, View::V3).await?,
        ))
    }

    /// One page of `query` rendered for `view`, from the page cache while it is valid.
    pub(crate) async fn page(
        &self,
        tenant: &Tenant,
        query: JobQuery,
        view: View,
    ) -> Result<Arc<[u8]>> {
        let Some(cache) = &self.cache else {
            return self.render_page(tenant, &query, view).await;
        };
        let data_version = self.store.data_version().await?;
        let key = (tenant.key(), view, query);
        let cached = cache.get(&key);
        if let Some(entry) = &cached {
            if entry.data_version == data_version {
                self.cache_stats.hits.fetch_add(1, Relaxed);
                return Ok(entry.page.clone());
            }
        }
        // Something changed somewhere: is it this project?
        let project_version = self.store.project_version(tenant).await?;
        if let Some(entry) = cached.filter(|e| e.project_version == project_version) {
            self.cache_stats.hits.fetch_add(1, Relaxed);
            let page = entry.page.clone();
            cache.put(
                key,
                Labelled {
                    data_version,
                    ..entry
                },
            );
            return Ok(page);
        }
        self.cache_stats.misses.fetch_add(1, Relaxed);
        let page = self.render_page(tenant, &key.2, view).await?;
        cache.put(
            key,
            Labelled {
                data_version,
                project_version,
                page: page.clone(),
            },
        );
        Ok(page)
    }

    /// `batch-status`: the status of each named job (per-item `DRS.M05003` when unknown).
    pub async fn job_batch_status(
        &self,
        caller: &Caller,
        body: &[u8],
        lang: Lang,
    ) -> Result<BatchListJobStatusResponse> {
        let (q, found) = self.batch_lookup(caller, body, Depth::Status).await?;
        Ok(BatchListJobStatusResponse {
            results: status_items(&q.ids, &found, lang),
            count: q.count,
        })
    }

    /// `batch-detail`: the main fields of each named job (per-item `DRS.M05003` when unknown).
    pub async fn job_batch_detail(
        &self,
        caller: &Caller,
        body: &[u8],
        lang: Lang,
    ) -> Result<BatchListJobDetailsResponse> {
        let (q, found) = self.batch_lookup(caller, body, Depth::Detail).await?;
        Ok(BatchListJobDetailsResponse {
            count: q.count,
            results: detail_items(&q.ids, &found, lang),
        })
    }

    /// `GET /v5/{project_id}/jobs/{job_id}/timelines`: one page (`offset`, `limit` from the query
    /// string) of the job's status changes, newest first. A job of another project, outside the
    /// caller's enterprise projects or that does not exist is `DRS.M05003`.
    pub async fn job_timeline(
        &self,
        caller: &Caller,
        job_id: &str,
        query: Option<&str>,
    ) -> Result<ShowTimelineResponse> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let window = crate::timeline::window(query)?;
        let page = self
            .store
            .job_timeline(&caller.tenant, job_id, window)
            .await?
            .filter(|p| {
                caller
                    .enterprise_projects
                    .as_ref()
                    .is_none_or(|eps| eps.contains(&p.enterprise_project_id))
            })
            .ok_or(Error::NoSuchJob)?;
        Ok(ShowTimelineResponse {
            count: page.total,
            timelines: page.events.iter().map(TimelineInfo::from).collect(),
        })
    }

    /// Validates a batch body and reads the page of jobs it names that the caller may see (a
    /// job outside the caller's enterprise projects is as unknown as a job that does not exist).
    async fn batch_lookup(
        &self,
        caller: &Caller,
        body: &[u8],
        depth: Depth,
    ) -> Result<(BatchQuery, Vec<JobRecord>)> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let q = crate::query::parse_json::<BatchQueryJobReqPage>(body)?.validate()?;
        let mut found = self
            .store
            .job_get_many(&caller.tenant, &q.ids, depth)
            .await?;
        if let Some(eps) = &caller.enterprise_projects {
            found.retain(|r| eps.contains(&r.job.enterprise_project_id));
        }
        Ok((q, found))
    }

    async fn render_page(
        &self,
        tenant: &Tenant,
        query: &JobQuery,
        view: View,
    ) -> Result<Arc<[u8]>> {
        let page = self.store.job_list(tenant, query).await?;
        let bytes = match view {
            View::V3 => serde_json::to_vec(&JobListResponse {
                total_record: page.total,
                jobs: page.jobs.iter().map(JobInfo::from).collect(),
            }),
            View::V5 => serde_json::to_vec(&crate::v5::list::ListJobsResponse {
                total_count: page.total,
                jobs: page
                    .jobs
                    .iter()
                    .map(crate::v5::list::JobListResp::from)
                    .collect(),
            }),
        };
        Ok(bytes.map_err(Error::internal)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        audit::AuditRecord,
        batch::JobRecord,
        caller::Role,
        identity::IdentitySnapshot,
        store::{ExecutorPeek, JobPage, StoreError, StoreResult, TxBody},
    };
    use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

    /// An empty, read-only store that counts rendered pages and whose versions the test sets.
    #[derive(Default)]
    struct Versions {
        data: AtomicU64,
        project: [AtomicU64; 2],
        pages: AtomicU64,
    }

    #[async_trait::async_trait]
    impl crate::audit::AuditLog for Versions {
        async fn audit_append(&self, _: AuditRecord) -> StoreResult<()> {
            Ok(())
        }
    }

    #[async_trait::async_trait]
    impl Store for Versions {
        async fn job_list(&self, _: &Tenant, _: &JobQuery) -> StoreResult<JobPage> {
            self.pages.fetch_add(1, SeqCst);
            Ok(JobPage {
                total: 0,
                jobs: Vec::new(),
            })
        }
        async fn job_list_all(&self, _: &Tenant, _: &JobQuery) -> StoreResult<JobStream> {
            Ok(JobStream {
                total: 0,
                chunks: Box::pin(futures::stream::empty()),
            })
        }
        async fn job_get_many(
            &self,
            _: &Tenant,
            _: &[String],
            _: Depth,
        ) -> StoreResult<Vec<JobRecord>> {
            Ok(Vec::new())
        }
        async fn job_name_taken(&self, _: &Tenant, _: &str) -> StoreResult<bool> {
            Ok(false)
        }
        async fn enterprise_project_list(
            &self,
            _: &Tenant,
        ) -> StoreResult<Vec<crate::store::EnterpriseProjectRow>> {
            Ok(Vec::new())
        }
        async fn job_timeline(
            &self,
            _: &Tenant,
            _: &str,
            _: crate::window::Window,
        ) -> StoreResult<Option<crate::timeline::TimelinePage>> {
            Ok(None)
        }
        async fn quota_read(&self, _: &Tenant) -> StoreResult<crate::quota::QuotaUsage> {
            Ok(crate::quota::QuotaUsage::default())
        }
        async fn data_version(&self) -> StoreResult<u64> {
            Ok(self.data.load(SeqCst))
        }
        async fn project_version(&self, tenant: &Tenant) -> StoreResult<u64> {
            Ok(self.project[tenant.key() as usize].load(SeqCst))
        }
        async fn identity_version(&self) -> StoreResult<i64> {
            Ok(0)
        }
        async fn identity_snapshot(&self) -> StoreResult<IdentitySnapshot> {
            Ok(IdentitySnapshot::default())
        }
        async fn transact(&self, _: TxBody) -> StoreResult<()> {
            Err(StoreError::unavailable("this test store is read-only"))
        }
        async fn executor_peek(&self) -> StoreResult<ExecutorPeek> {
            Ok(ExecutorPeek::default())
        }
        async fn ping(&self) -> StoreResult<()> {
            Ok(())
        }
    }

    fn caller(project: i64) -> Caller {
        Caller {
            tenant: Tenant::new(format!("p{project}"), project),
            user_id: "u".into(),
            roles: vec![Role::Admin],
            enterprise_projects: None,
        }
    }

    #[test]
    fn a_cached_page_survives_writes_to_other_projects_but_not_to_its_own() {
        let store = Arc::new(Versions::default());
        let jobs = Jobs::new(store.clone(), 16);
        let body = br#"{"db_use_type":"migration"}"#;
        let list = |project| {
            futures::executor::block_on(jobs.job_list(&caller(project), body)).map(|_| ())
        };
        list(0).expect("first");
        list(0).expect("again");
        assert_eq!(store.pages.load(SeqCst), 1, "served from the cache");
        // A write lands in project 1: the database moved, project 0 did not.
        store.data.fetch_add(1, SeqCst);
        store.project[1].fetch_add(1, SeqCst);
        list(0).expect("after another project's write");
        list(0).expect("and again");
        assert_eq!(store.pages.load(SeqCst), 1, "still the cached page");
        // A write lands in project 0 itself.
        store.data.fetch_add(1, SeqCst);
        store.project[0].fetch_add(1, SeqCst);
        list(0).expect("after its own write");
        assert_eq!(store.pages.load(SeqCst), 2, "read again");
        let stats = jobs.page_cache_stats();
        assert_eq!(
            (stats.hits(), stats.misses()),
            (3, 2),
            "hits and misses counted"
        );
        assert_eq!(stats.entries(), 1);
        assert!(stats.bytes() > 0);
    }

    #[test]
    fn the_page_cache_holds_no_more_bytes_than_its_bound_keys_included() {
        let cache = PageCache::new(1000, 64 * 1024, Arc::default()).expect("cache");
        let body = br#"{"db_use_type":"migration","name":"xyz"}"#;
        let query = crate::query::parse_body(body)
            .and_then(|q| q.validate(&caller(0)))
            .map(|mut q| {
                // Test a key of 20 KB whatever the name limit is.
                q.name = Some(crate::query::NameFilter::Text("x".repeat(20_000)));
                q
            })
            .expect("query");
        for project in 0..50 {
            cache.put(
                (project, View::V3, query.clone()),
                Labelled {
                    data_version: 0,
                    project_version: 0,
                    page: Arc::from(vec![b' '; 1000]),
                },
            );
            let (entries, bytes) = cache.size();
            assert!(bytes <= 64 * 1024, "{bytes} bytes in {entries} entries");
        }
        let (entries, _) = cache.size();
        assert!(
            (2..=3).contains(&entries),
            "{entries} entries of ~21 KB fit"
        );
        let big = Labelled {
            data_version: 0,
            project_version: 0,
            page: Arc::from(vec![b' '; 100_000]),
        };
        cache.put((99, View::V3, query), big);
        assert!(
            cache.size().1 <= 64 * 1024,
            "an entry over the bound is not kept"
        );
    }
}
