//! The storage contract. Every job method takes the [`Tenant`]: a query outside one project
//! cannot be expressed. Backends: `opendrs-store` (SQLite now, PostgreSQL next).

use crate::{
    audit::{Actor, AuditLog},
    batch::{Depth, JobRecord},
    caller::Tenant,
    executor::{ExecutorSettings, RunReport},
    identity::IdentitySnapshot,
    job::Job,
    ops::{ItemOutcome, WriteItem},
    query::JobQuery,
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

/// One batch write: its items, who makes it and how to schedule what follows. The store
/// applies every item and the audit record in ONE transaction.
#[derive(Debug, Clone)]
pub struct JobWrite {
    /// The API operation, for the audit trail (such as `BatchCreateJobs`).
    pub operation: &'static str,
    pub actor: Actor,
    /// Wall clock, ms.
    pub now_ms: i64,
    /// `Some`: the only enterprise projects the caller may see and create in.
    pub visible_eps: Option<Vec<String>>,
    pub settings: ExecutorSettings,
    pub items: Vec<WriteItem>,
}

/// The tenant-scoped job store.
#[async_trait::async_trait]
pub trait Store: AuditLog {
    /// One page of `query`'s matches, newest first, with the total.
    async fn job_list(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobPage>;

    /// Every match of `query`, newest first, streamed; the total is read in the same snapshot.
    async fn job_list_all(&self, tenant: &Tenant, query: &JobQuery) -> StoreResult<JobStream>;

    /// The jobs (top-level or children, deleted ones included) with these IDs, with their
    /// tags, endpoints and parent; IDs that do not exist in the project are simply absent.
    /// `depth` says whether tags and history times are needed (the detail) or not (the status).
    async fn job_get_many(
        &self,
        tenant: &Tenant,
        ids: &[String],
        depth: Depth,
    ) -> StoreResult<Vec<JobRecord>>;

    /// A number that changes whenever any committed data changes (from any process). Caches
    /// of answers are valid while it stays the same.
    async fn data_version(&self) -> StoreResult<u64>;

    /// A number that changes whenever the project's jobs or their tags change (0 before any).
    /// A rendered page of the project stays valid while it stays the same.
    async fn project_version(&self, tenant: &Tenant) -> StoreResult<u64>;

    /// The identity version: it moves whenever projects, users, roles or keys change.
    async fn identity_version(&self) -> StoreResult<i64>;

    /// Every project, user, role binding, limit and access key (secrets sealed), in one snapshot.
    async fn identity_snapshot(&self) -> StoreResult<IdentitySnapshot>;

    /// Applies a batch write item by item (each item's outcome in order) and records it in the
    /// audit trail, all in one transaction: acknowledged means durable.
    async fn job_write(&self, tenant: &Tenant, write: JobWrite) -> StoreResult<Vec<ItemOutcome>>;

    /// Applies the data-plane transitions that are due (at most `settings.batch`) and purges
    /// deleted jobs past their retention, in one transaction: a transition is applied exactly
    /// once even with several executors, and a crash loses none.
    async fn transitions_run(&self, settings: &ExecutorSettings) -> StoreResult<RunReport>;

    /// Moves the virtual executor clock forward by `ms`; returns its new time.
    async fn clock_advance(&self, ms: u64) -> StoreResult<i64>;

    /// Whether the store answers (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;
}
