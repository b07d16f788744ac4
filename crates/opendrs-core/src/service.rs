//! The application layer: one call per API operation, taking the authenticated caller and
//! the raw input, returning domain results. HTTP handlers call exactly one of these.

use crate::{
    batch::{
        detail_items, status_items, BatchListJobDetailsResponse, BatchListJobStatusResponse,
        BatchQuery, BatchQueryJobReqPage, JobRecord,
    },
    caller::{Caller, Tenant},
    error::{Error, Result},
    job::{JobInfo, JobListResponse},
    lang::Lang,
    query::{parse_body, JobQuery, Paging},
    store::{JobStream, Store},
};
use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

/// The answer to a list query: one page, already rendered as JSON, or every match streamed.
pub enum JobListing {
    Page(Arc<[u8]>),
    All(JobStream),
}

/// Rendered pages by (project, validated query), each labelled with the store's data version
/// when it was read: an entry is served only while that version is current, so an answer is
/// never staler than the store (any commit, from any process, moves the version).
struct PageCache {
    entries: Mutex<lru::LruCache<PageKey, Labelled>>,
}

/// (project key, validated query).
type PageKey = (i64, JobQuery);
/// (data version when read, rendered page).
type Labelled = (u64, Arc<[u8]>);

impl PageCache {
    fn get(&self, key: &PageKey, version: u64) -> Option<Arc<[u8]>> {
        let mut entries = self.entries.lock().ok()?;
        match entries.get(key) {
            Some((v, page)) if *v == version => Some(page.clone()),
            _ => None,
        }
    }

    fn put(&self, key: PageKey, version: u64, page: Arc<[u8]>) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.put(key, (version, page));
        }
    }
}

/// The DRS job operations over a store.
#[derive(Clone)]
pub struct Jobs {
    store: Arc<dyn Store>,
    cache: Option<Arc<PageCache>>,
}

impl Jobs {
    /// `cached_pages`: how many rendered pages to keep (0: no cache).
    pub fn new(store: Arc<dyn Store>, cached_pages: usize) -> Self {
        let cache = NonZeroUsize::new(cached_pages).map(|n| {
            Arc::new(PageCache {
                entries: Mutex::new(lru::LruCache::new(n)),
            })
        });
        Jobs { store, cache }
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
        let tenant = &caller.tenant;
        let Some(cache) = &self.cache else {
            return Ok(JobListing::Page(self.render_page(tenant, &query).await?));
        };
        let version = self.store.data_version().await?;
        let key = (tenant.key(), query);
        if let Some(page) = cache.get(&key, version) {
            return Ok(JobListing::Page(page));
        }
        let page = self.render_page(tenant, &key.1).await?;
        cache.put(key, version, page.clone());
        Ok(JobListing::Page(page))
    }

    /// `batch-status`: the status of each named job (per-item `DRS.M05003` when unknown).
    pub async fn job_batch_status(
        &self,
        caller: &Caller,
        body: &[u8],
        lang: Lang,
    ) -> Result<BatchListJobStatusResponse> {
        let (q, found) = self.batch_lookup(caller, body).await?;
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
        let (q, found) = self.batch_lookup(caller, body).await?;
        Ok(BatchListJobDetailsResponse {
            count: q.count,
            results: detail_items(&q.ids, &found, lang),
        })
    }

    /// Validates a batch body and reads the page of jobs it names that the caller may see (a
    /// job outside the caller's enterprise projects is as unknown as a job that does not exist).
    async fn batch_lookup(
        &self,
        caller: &Caller,
        body: &[u8],
    ) -> Result<(BatchQuery, Vec<JobRecord>)> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let q = crate::query::parse_json::<BatchQueryJobReqPage>(body)?.validate()?;
        let mut found = self.store.job_get_many(&caller.tenant, &q.ids).await?;
        if let Some(eps) = &caller.enterprise_projects {
            found.retain(|r| eps.contains(&r.job.enterprise_project_id));
        }
        Ok((q, found))
    }

    async fn render_page(&self, tenant: &Tenant, query: &JobQuery) -> Result<Arc<[u8]>> {
        let page = self.store.job_list(tenant, query).await?;
        let body = JobListResponse {
            total_record: page.total,
            jobs: page.jobs.iter().map(JobInfo::from).collect(),
        };
        Ok(serde_json::to_vec(&body).map_err(Error::internal)?.into())
    }
}
