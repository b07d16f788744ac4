//! The administration contract: accounts, projects, users, roles, keys, seeding and the audit
//! trail, as the `opendrs admin` commands, the demo and the generator use them. Each method is
//! one transaction; no backend type crosses it.

use super::StoreResult;
use crate::{
    audit::{AuditFilter, AuditRecord},
    caller::{Role, Tenant},
    job::Job,
};

/// A project as `opendrs admin list projects` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub tenant: Tenant,
    pub name: String,
    /// The owning account's name (generated projects have none).
    pub account: Option<String>,
}

/// An access key as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub ak: String,
    pub account: String,
    pub user: String,
    pub created_at_ms: i64,
}

/// Administration of one database.
#[async_trait::async_trait]
pub trait AdminStore: Send + Sync + 'static {
    /// Creates an account; a taken ID or name is a conflict.
    async fn domain_create(&self, id: &str, name: &str, now_ms: i64) -> StoreResult<()>;

    /// Creates a project owned by an account (by name or ID) with the default enterprise
    /// project "0"; a taken ID is a conflict, an unknown account not found.
    async fn project_create(
        &self,
        account: &str,
        id: &str,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<Tenant>;

    /// Creates the project if new (no owner), with these enterprise projects; returns it.
    async fn project_upsert(
        &self,
        id: &str,
        name: &str,
        eps: &[String],
        now_ms: i64,
    ) -> StoreResult<Tenant>;

    /// The project with this ID, if it exists.
    async fn project_find(&self, id: &str) -> StoreResult<Option<Tenant>>;

    /// Every project, generated ones included, by name then ID.
    async fn project_list(&self) -> StoreResult<Vec<ProjectRow>>;

    /// Sets the project's job quota (`None`: back to the service's default), taking the same
    /// lock as a creation's [`super::JobTx::quota_lock`].
    async fn quota_set(&self, tenant: &Tenant, instances: Option<u64>) -> StoreResult<()>;

    /// Creates an enterprise project in a project if new.
    async fn enterprise_project_upsert(
        &self,
        tenant: &Tenant,
        id: &str,
        name: &str,
    ) -> StoreResult<()>;

    /// Inserts top-level jobs (with their children) in one transaction, as they are (seeding,
    /// generation, tests). A name taken among a project's live top-level jobs is a conflict.
    async fn jobs_insert(&self, tenant: &Tenant, jobs: &[Job]) -> StoreResult<()>;

    /// Creates a user with an Argon2 password hash.
    async fn user_create(
        &self,
        account: &str,
        id: &str,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()>;

    async fn user_set_enabled(&self, account: &str, user: &str, enabled: bool) -> StoreResult<()>;

    /// Replaces the password hash; the user's earlier tokens stop working.
    async fn user_set_password(&self, account: &str, user: &str, hash: &str) -> StoreResult<()>;

    /// Grants (`grant` true) or revokes a role on a project.
    async fn role_set(
        &self,
        account: &str,
        user: &str,
        project_id: &str,
        role: Role,
        grant: bool,
    ) -> StoreResult<()>;

    /// Limits a user to some enterprise projects of a project (empty: no limit).
    async fn user_limit(
        &self,
        account: &str,
        user: &str,
        project_id: &str,
        eps: &[String],
    ) -> StoreResult<()>;

    /// Stores an access key whose secret was sealed under the master key.
    async fn key_create(
        &self,
        account: &str,
        user: &str,
        ak: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> StoreResult<()>;

    /// Replaces key `old` by `new` for the same user, in one transaction; not found if `old` is unknown.
    async fn key_replace(
        &self,
        old: &str,
        new: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> StoreResult<()>;

    /// Deletes a key; `false` when it did not exist.
    async fn key_delete(&self, ak: &str) -> StoreResult<bool>;

    /// Every access key.
    async fn key_list(&self) -> StoreResult<Vec<KeyRow>>;

    /// Number of jobs (top-level and children) in the whole database.
    async fn job_count_all(&self) -> StoreResult<u64>;

    /// Every status change of a job, oldest first: (from, to, cause).
    async fn job_history(
        &self,
        tenant: &Tenant,
        job_id: &str,
    ) -> StoreResult<Vec<(Option<String>, String, String)>>;

    /// Audit records matching `filter`, oldest first, each with its user's `account/name`.
    async fn audit_list(
        &self,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<(AuditRecord, Option<String>)>>;

    /// The schema version of the database and the newest this build knows.
    async fn schema_versions(&self) -> StoreResult<(u64, u64)>;
}
