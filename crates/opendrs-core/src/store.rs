//! The storage contract. Every job method takes the [`Tenant`]: a query outside one project
//! cannot be expressed. Backends: `opendrs-store` (SQLite now, PostgreSQL next).

use crate::{
    batch::JobRecord, caller::Tenant, identity::IdentitySnapshot, job::Job, query::JobQuery,
};
use futures::stream::BoxStream;

/// What a backend can fail with. Mapped into [`crate::Error`] by the core.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or is busy beyond the timeout: retry later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A named thing (account, user, project, key) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A uniqueness rule was broken (e.g. a job name already used in the project).
    #[error("conflict on {0}")]
    Conflict(String),
    /// Anything else: a bug or corrupted data.
    #[error("storage failure: {0}")]
    Other(String),
}

impl From<StoreError> for crate::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(detail) => crate::Error::Unavailable(detail),
            other => crate::Error::internal(other),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One page of the list, with the total number of matches.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPage {
    pub total: u64,
    pub jobs: Vec<Job>,
}

/// Every match, in order, in chunks; memory stays bounded whatever the tenant's size.
pub struct JobStream {
    pub total: u64,
    pub chunks: BoxStream<'static, StoreResult<Vec<Job>>>,
}

/// The tenant-scoped job store.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// One page of `query`'s matches, newest first, with the total.
    async fn job_list(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobPage>;

    /// Every match of `query`, newest first, streamed; the total is read in the same snapshot.
    async fn job_list_all(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobStream>;

    /// The jobs (top-level or children, deleted ones included) with these IDs, with their
    /// tags, endpoints and parent; IDs that do not exist in the project are simply absent.
    async fn job_get_many(&self, tenant: &Tenant, ids: &[String]) -> StoreResult<Vec<JobRecord>>;

    /// A number that changes whenever any committed data changes (from any process). Caches
    /// of answers are valid while it stays the same.
    async fn data_version(&self) -> StoreResult<u64>;

    /// The identity version: it moves whenever projects, users, roles or keys change.
    async fn identity_version(&self) -> StoreResult<i64>;

    /// Every project, user, role binding, limit and access key (secrets sealed), in one snapshot.
    async fn identity_snapshot(&self) -> StoreResult<IdentitySnapshot>;

    /// Whether the store answers (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;
}
