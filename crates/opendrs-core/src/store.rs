//! The storage contract. Every job method takes the [`Tenant`]: a query outside one project
//! cannot be expressed. A backend (`opendrs-store`: SQLite and PostgreSQL) stores and queries;
//! every decision about what to write lives in the core ([`crate::writes`]), which drives a
//! backend's transaction through the primitives of [`JobTx`].

use crate::{
    audit::AuditLog,
    batch::{Depth, JobRecord},
    caller::Tenant,
    executor::ExecutorSettings,
    identity::IdentitySnapshot,
    job::Job,
    ops::WriteItem,
    query::JobQuery,
    quota::QuotaUsage,
    tags::TagStore,
    timeline::TimelinePage,
    window::Window,
};
use futures::stream::BoxStream;

mod admin;
mod error;
mod probe;
mod tx;

pub use admin::{AdminStore, KeyRow, ProjectRow};
pub use error::{StoreError, StoreErrorKind, StoreResult};
pub use probe::{Probe, StoreProbe};
pub use tx::{
    transact, Claimed, EventCause, JobEndpoints, JobFields, JobRow, JobTx, Scheduled, StatusChange,
    TxBody,
};

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

/// Which API a write comes from, for the codes it answers with: the v5 API knows an unknown job,
/// one the caller may not see and a deleted one alike as `DRS.10000010`; the v3 API answers
/// `DRS.M05003` and (deleted) `DRS.M05004`. The decisions are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    V3,
    V5,
}

impl Dialect {
    /// The field that names a job's enterprise project in a creation.
    pub fn enterprise_project_field(self) -> &'static str {
        match self {
            Dialect::V3 => "sys_tags",
            Dialect::V5 => "job.base_info.enterprise_project_id",
        }
    }

    /// `e` as this API says it.
    pub fn of(self, e: crate::Error) -> crate::Error {
        match (self, e) {
            (Dialect::V5, crate::Error::JobNotFound | crate::Error::JobDeleted) => {
                crate::Error::NoSuchJob
            }
            (_, e) => e,
        }
    }
}

/// One batch write: its items, who makes it and how to schedule what follows. The core applies
/// every item and the audit record in ONE transaction of the store.
#[derive(Debug, Clone)]
pub struct JobWrite {
    /// The API operation, for the audit trail (such as `BatchCreateJobs`).
    pub operation: &'static str,
    /// The API it comes from (its answers' codes).
    pub dialect: Dialect,
    pub actor: crate::audit::Actor,
    /// Wall clock, ms.
    pub now_ms: i64,
    /// `Some`: the only enterprise projects the caller may see and create in.
    pub visible_eps: Option<Vec<String>>,
    pub settings: ExecutorSettings,
    /// Which simulated databases answer (connection tests, prechecks).
    pub reachability: std::sync::Arc<crate::workflow::Reachability>,
    /// The job quota of a project nobody configured one for (`default_job_quota`).
    pub default_quota: u64,
    pub items: Vec<WriteItem>,
}

/// An enterprise project of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseProjectRow {
    /// `"0"` is the default one.
    pub id: String,
    pub name: String,
    /// When it was created (its project's creation, ms): enterprise projects keep no time of their own.
    pub created_at_ms: i64,
}

/// What the executor reads, without a write transaction, to know whether it has work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecutorPeek {
    /// The earliest due time of a pending transition (executor clock, ms).
    pub next_due: Option<i64>,
    /// The stored virtual clock, once it has been started.
    pub virtual_now: Option<i64>,
    /// The earliest deletion time of a deleted top-level job (executor clock, ms).
    pub oldest_deleted: Option<i64>,
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

    /// Whether a live (not deleted) top-level job of the project has this name: the rule the
    /// schema's unique index enforces on every insert and rename.
    async fn job_name_taken(&self, tenant: &Tenant, name: &str) -> StoreResult<bool>;

    /// The project's enterprise projects, by ID.
    async fn enterprise_project_list(
        &self,
        tenant: &Tenant,
    ) -> StoreResult<Vec<EnterpriseProjectRow>>;

    /// The recorded status changes of the job with this ID in the project (top-level or child,
    /// deleted or not): the `window` of them, latest recorded first, with their number, read in
    /// one snapshot; the user named for a change is the one whose audited request made it.
    /// `None` when the project has no job with this ID.
    async fn job_timeline(
        &self,
        tenant: &Tenant,
        job_id: &str,
        window: Window,
    ) -> StoreResult<Option<TimelinePage>>;

    /// The project's configured job quota and its live (not `DELETED`) top-level jobs, read in
    /// one snapshot.
    async fn quota_read(&self, tenant: &Tenant) -> StoreResult<QuotaUsage>;

    /// A number that changes whenever any committed data changes (from any process). Caches
    /// of answers are valid while it stays the same. A backend without such a number returns
    /// one that never repeats, so that every read checks [`Store::project_version`].
    async fn data_version(&self) -> StoreResult<u64>;

    /// A number that changes whenever the project's jobs or their tags change (0 before any),
    /// in the writing transaction: a rendered page of the project stays valid while it stays the
    /// same, whichever instance wrote.
    async fn project_version(&self, tenant: &Tenant) -> StoreResult<u64>;

    /// The identity version: it moves whenever projects, users, roles or keys change.
    async fn identity_version(&self) -> StoreResult<i64>;

    /// Every project, user, role binding, limit and access key (secrets sealed), in one snapshot.
    async fn identity_snapshot(&self) -> StoreResult<IdentitySnapshot>;

    /// Runs `body` in ONE write transaction: committed when it returns `Ok`, rolled back
    /// otherwise. Writers may wait for each other here, never on a runtime thread.
    async fn transact(&self, body: TxBody) -> StoreResult<()>;

    /// What the executor needs to know to sleep or to work (no write lock taken).
    async fn executor_peek(&self) -> StoreResult<ExecutorPeek>;

    /// Whether the store answers (for readiness checks).
    async fn ping(&self) -> StoreResult<()>;
}

/// Everything a server needs of one database: jobs, tags and administration.
pub trait Backend: Store + TagStore + AdminStore {}
impl<T: Store + TagStore + AdminStore> Backend for T {}
