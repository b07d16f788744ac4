//! The transaction-scoped repository: the primitive operations a backend offers inside ONE write
//! transaction. The core's write procedures (`crate::writes`) are written against it; a backend
//! implements each primitive in its own dialect and decides nothing.

use super::{StoreError, StoreResult};
use crate::{
    audit::AuditRecord,
    caller::Tenant,
    enums::{JobStatus, TaskType},
    job::{Endpoint, Job},
    lifecycle::{Step, Transition},
    quota::QuotaUsage,
    workflow::state::WorkflowText,
};
use futures::future::BoxFuture;

/// What the write procedures read of a job (locked until the transaction ends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    /// The backend's row key (stable for the job's life).
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub status: JobStatus,
    pub task_type: TaskType,
    pub db_use_type: String,
    pub engine_type: String,
    pub enterprise_project_id: String,
    pub is_child: bool,
    /// The status-keeping step in progress (`precheck`, `switchover`), as stored.
    pub running: Option<Step>,
}

/// A job's databases and the direction of its data flow, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEndpoints {
    pub source: Endpoint,
    pub target: Endpoint,
    pub job_direction: String,
}

/// A status change: compare-and-set from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange<'a> {
    pub from: JobStatus,
    pub to: JobStatus,
    /// Wall clock, ms: the job's `update_time`.
    pub at: i64,
    /// Executor clock, ms: when the status changed (kept as the job's `status_since`), and the
    /// deletion time when `to` is `DELETED` (for the retention purge).
    pub exec_at: i64,
    /// The job's failure message (cleared when `None`).
    pub error_msg: Option<&'a str>,
}

/// Why a status changed, for the job's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCause<'a> {
    /// Wall clock, ms.
    pub at: i64,
    /// `user:<operation>` or `executor:<step>`.
    pub label: &'a str,
    pub request_id: Option<&'a str>,
    pub error_msg: Option<&'a str>,
}

/// A pending data-plane transition of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    pub transition: Transition,
    /// Executor clock, ms.
    pub due_at: i64,
    /// Executor clock, ms: when the step began (the progress of a step runs from here to
    /// `due_at`).
    pub scheduled_at: i64,
}

/// A due transition claimed by the executor (removed from the queue in this transaction),
/// with what its job is now. Fields are as stored; the core parses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub seq: i64,
    pub from: String,
    pub to: String,
    pub step: String,
    pub due_at: i64,
    pub job_id: String,
    pub status: String,
    pub task_type: String,
}

/// The plain fields a modification may set (each `None` stays as it is).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFields {
    pub description: Option<String>,
    pub task_type: Option<TaskType>,
    pub net_type: Option<String>,
    pub job_direction: Option<String>,
    pub source_endpoint: Option<Endpoint>,
    pub target_endpoint: Option<Endpoint>,
    /// The creation settings (JSON), replaced whole.
    pub spec: Option<String>,
    /// Wall clock, ms: the new `update_time`.
    pub update_time: i64,
}

/// The primitives of one write transaction. Locks taken here are held until it ends.
#[async_trait::async_trait]
pub trait JobTx: Send {
    /// The stored virtual clock, started at `start_ms` the first time it is read.
    async fn clock_read(&mut self, start_ms: i64) -> StoreResult<i64>;

    /// Sets the stored virtual clock.
    async fn clock_set(&mut self, now_ms: i64) -> StoreResult<()>;

    /// Whether the project has this enterprise project.
    async fn enterprise_project_exists(&mut self, tenant: &Tenant, id: &str) -> StoreResult<bool>;

    /// Locks the project's job quota until the transaction ends (two transactions cannot both
    /// hold it: a creation counts what every earlier one committed) and reads the configured
    /// quota and the project's live (not `DELETED`) top-level jobs.
    async fn quota_lock(&mut self, tenant: &Tenant) -> StoreResult<QuotaUsage>;

    /// Inserts new top-level jobs (no children), in order, each with its tags, instances and
    /// creation settings (`spec`, JSON); the seq of each, or `None` where its name is taken
    /// (the schema's unique index: by a live job, or by an earlier one of `jobs`) and nothing
    /// of it was written.
    async fn jobs_insert_new(
        &mut self,
        tenant: &Tenant,
        jobs: &[(&Job, &str)],
    ) -> StoreResult<Vec<Option<i64>>>;

    /// Locks the jobs with these IDs (in a fixed order, so two writers cannot deadlock).
    async fn jobs_lock(&mut self, tenant: &Tenant, ids: &[String]) -> StoreResult<()>;

    /// The job with this ID in the project, locked.
    async fn job_lock(&mut self, tenant: &Tenant, id: &str) -> StoreResult<Option<JobRow>>;

    /// (seq, status) of a job's children.
    async fn job_children(&mut self, parent: i64) -> StoreResult<Vec<(i64, JobStatus)>>;

    /// Compare-and-set of a job's status; `false` when it was not `change.from` (nothing written).
    async fn job_set_status(&mut self, seq: i64, change: &StatusChange<'_>) -> StoreResult<bool>;

    /// Appends a status change to the job's history.
    async fn event_append(
        &mut self,
        seq: i64,
        from: Option<JobStatus>,
        to: JobStatus,
        cause: &EventCause<'_>,
    ) -> StoreResult<()>;

    /// The status the job had before its latest change to `to`, from its history.
    async fn event_last_from(&mut self, seq: i64, to: JobStatus) -> StoreResult<Option<JobStatus>>;

    /// How many history entries of the job have this cause label.
    async fn event_count(&mut self, seq: i64, label: &str) -> StoreResult<u64>;

    /// Renames a job; `false` when the name is taken (the schema's unique index), nothing written.
    async fn job_rename(&mut self, tenant: &Tenant, seq: i64, name: &str) -> StoreResult<bool>;

    /// Sets the plain fields (re-indexing instances when an endpoint changes).
    async fn job_update(
        &mut self,
        tenant: &Tenant,
        seq: i64,
        fields: &JobFields,
    ) -> StoreResult<()>;

    /// The job's creation settings (JSON).
    async fn job_spec(&mut self, seq: i64) -> StoreResult<String>;

    /// The job's endpoints and direction.
    async fn job_endpoints(&mut self, seq: i64) -> StoreResult<JobEndpoints>;

    /// The project the job belongs to.
    async fn job_tenant(&mut self, seq: i64) -> StoreResult<Tenant>;

    /// Records the status-keeping step in progress (`None`: none). The list shows it.
    async fn job_set_running(&mut self, seq: i64, step: Option<Step>) -> StoreResult<()>;

    /// The job's workflow row, if it has one.
    async fn workflow_read(&mut self, seq: i64) -> StoreResult<Option<WorkflowText>>;

    /// Writes the job's workflow row whole (creating it if needed).
    async fn workflow_write(&mut self, seq: i64, row: &WorkflowText) -> StoreResult<()>;

    /// The job's tags, sorted by key.
    async fn tags_of(&mut self, seq: i64) -> StoreResult<Vec<(String, String)>>;

    /// Sets these tags (replacing the values of existing keys).
    async fn tags_put(
        &mut self,
        tenant: &Tenant,
        seq: i64,
        tags: &[(String, String)],
    ) -> StoreResult<()>;

    /// Removes these tags (a `Some` value: only when the value matches).
    async fn tags_remove(&mut self, seq: i64, tags: &[(String, Option<String>)])
        -> StoreResult<()>;

    /// Replaces the job's pending transition (if any) with `next`.
    async fn transition_replace(&mut self, seq: i64, next: Option<&Scheduled>) -> StoreResult<()>;

    /// The job's pending transition: (from, step), as stored.
    async fn transition_pending(&mut self, seq: i64) -> StoreResult<Option<(String, String)>>;

    /// Points the job's pending transition at another status (its due time stays).
    async fn transition_retarget(&mut self, seq: i64, to: JobStatus) -> StoreResult<()>;

    /// Claims up to `limit` transitions due at `now` (executor clock), oldest first, removing
    /// them from the queue; with several executors, each row is claimed by one.
    async fn transitions_claim(&mut self, now: i64, limit: usize) -> StoreResult<Vec<Claimed>>;

    /// The earliest due time of the pending transitions.
    async fn transitions_next_due(&mut self) -> StoreResult<Option<i64>>;

    /// Removes up to `limit` top-level jobs deleted before `cutoff` (executor clock), with their
    /// children; returns how many top-level jobs went.
    async fn deleted_purge(&mut self, cutoff: i64, limit: usize) -> StoreResult<usize>;

    /// Appends an audit record.
    async fn audit_append(&mut self, record: &AuditRecord) -> StoreResult<()>;
}

/// A unit of work run by [`super::Store::transact`] inside one write transaction.
pub type TxBody =
    Box<dyn for<'t> FnOnce(&'t mut dyn JobTx) -> BoxFuture<'t, StoreResult<()>> + Send + 'static>;

/// Runs `work` in one write transaction of `store` and returns its value.
pub async fn transact<S, T, F>(store: &S, work: F) -> StoreResult<T>
where
    S: super::Store + ?Sized,
    T: Send + 'static,
    F: for<'t> FnOnce(&'t mut dyn JobTx) -> BoxFuture<'t, StoreResult<T>> + Send + 'static,
{
    let slot = std::sync::Arc::new(std::sync::Mutex::new(None));
    let out = slot.clone();
    store
        .transact(Box::new(move |tx| {
            Box::pin(async move {
                let value = work(tx).await?;
                *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
                Ok(())
            })
        }))
        .await?;
    let value = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    value.ok_or_else(|| StoreError::other("a committed transaction returned no value"))
}
