//! [`AdminStore`] for SQLite: each administration call is one IMMEDIATE transaction, queued with
//! the process's other writers; reads take one snapshot.

use crate::{audit, classify, identity, read_snapshot, schema, write, SqliteStore};
use opendrs_core::{
    audit::{AuditFilter, AuditRecord},
    caller::{Role, Tenant},
    job::Job,
    store::{AdminStore, KeyRow, ProjectRow, StoreError, StoreResult},
};
use rusqlite::{params, OptionalExtension};

fn owned(s: &str) -> String {
    s.to_string()
}

#[async_trait::async_trait]
impl AdminStore for SqliteStore {
    async fn domain_create(&self, id: &str, name: &str, now_ms: i64) -> StoreResult<()> {
        let (id, name) = (owned(id), owned(name));
        self.write_tx(move |c| identity::domain_create(c, &id, &name, now_ms).map(drop))
            .await
    }

    async fn project_create(
        &self,
        account: &str,
        id: &str,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<Tenant> {
        let (account, id, name) = (owned(account), owned(id), owned(name));
        self.write_tx(move |c| {
            let t = identity::project_create(c, &account, &id, &name, now_ms)?;
            write::enterprise_project_upsert(c, &t, "0", "default")?;
            Ok(t)
        })
        .await
    }

    async fn project_upsert(
        &self,
        id: &str,
        name: &str,
        eps: &[String],
        now_ms: i64,
    ) -> StoreResult<Tenant> {
        let (id, name, eps) = (owned(id), owned(name), eps.to_vec());
        self.write_tx(move |c| {
            let t = write::project_upsert(c, &id, &name, now_ms)?;
            for ep in &eps {
                write::enterprise_project_upsert(c, &t, ep, ep)?;
            }
            Ok(t)
        })
        .await
    }

    async fn project_find(&self, id: &str) -> StoreResult<Option<Tenant>> {
        let id = owned(id);
        self.blocking(move |c| {
            write::project_key(c, &id)
                .map(|found| found.map(|(key, _)| Tenant::new(id.clone(), key)))
                .map_err(classify)
        })
        .await
    }

    async fn project_list(&self) -> StoreResult<Vec<ProjectRow>> {
        self.blocking(|c| {
            let mut stmt = c
                .prepare(
                    "SELECT p.key, p.id, p.name, d.name FROM projects p
                       LEFT JOIN domains d ON d.key = p.domain_key ORDER BY p.name, p.id",
                )
                .map_err(classify)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(ProjectRow {
                        tenant: Tenant::new(r.get::<_, String>(1)?, r.get(0)?),
                        name: r.get(2)?,
                        account: r.get(3)?,
                    })
                })
                .map_err(classify)?;
            rows.collect::<rusqlite::Result<_>>().map_err(classify)
        })
        .await
    }

    async fn enterprise_project_upsert(
        &self,
        tenant: &Tenant,
        id: &str,
        name: &str,
    ) -> StoreResult<()> {
        let (tenant, id, name) = (tenant.clone(), owned(id), owned(name));
        self.write_tx(move |c| write::enterprise_project_upsert(c, &tenant, &id, &name))
            .await
    }

    async fn quota_set(&self, tenant: &Tenant, instances: Option<u64>) -> StoreResult<()> {
        let key = tenant.key();
        self.write_tx(move |c| crate::quota::set(c, key, instances))
            .await
    }

    async fn jobs_insert(&self, tenant: &Tenant, jobs: &[Job]) -> StoreResult<()> {
        let (tenant, jobs) = (tenant.clone(), jobs.to_vec());
        self.write_tx(move |c| {
            for j in &jobs {
                write::job_insert(c, &tenant, j, None)?;
            }
            Ok(())
        })
        .await
    }

    async fn user_create(
        &self,
        account: &str,
        id: &str,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        let (a, id, n, h) = (owned(account), owned(id), owned(name), owned(password_hash));
        self.write_tx(move |c| identity::user_create(c, &a, &id, &n, &h, now_ms))
            .await
    }

    async fn user_set_enabled(&self, account: &str, user: &str, enabled: bool) -> StoreResult<()> {
        let (a, u) = (owned(account), owned(user));
        self.write_tx(move |c| identity::user_set_enabled(c, &a, &u, enabled))
            .await
    }

    async fn user_set_password(&self, account: &str, user: &str, hash: &str) -> StoreResult<()> {
        let (a, u, h) = (owned(account), owned(user), owned(hash));
        self.write_tx(move |c| identity::user_set_password(c, &a, &u, &h))
            .await
    }

    async fn role_set(
        &self,
        account: &str,
        user: &str,
        project_id: &str,
        role: Role,
        grant: bool,
    ) -> StoreResult<()> {
        let (a, u, p) = (owned(account), owned(user), owned(project_id));
        self.write_tx(move |c| identity::role_set(c, &a, &u, &p, role, grant))
            .await
    }

    async fn user_limit(
        &self,
        account: &str,
        user: &str,
        project_id: &str,
        eps: &[String],
    ) -> StoreResult<()> {
        let (a, u, p, eps) = (owned(account), owned(user), owned(project_id), eps.to_vec());
        self.write_tx(move |c| identity::user_limit(c, &a, &u, &p, &eps))
            .await
    }

    async fn key_create(
        &self,
        account: &str,
        user: &str,
        ak: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> StoreResult<()> {
        let (a, u, k, s) = (owned(account), owned(user), owned(ak), sealed.to_vec());
        self.write_tx(move |c| identity::key_create(c, &a, &u, &k, &s, now_ms))
            .await
    }

    async fn key_replace(
        &self,
        old: &str,
        new: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> StoreResult<()> {
        let (old, new, sealed) = (owned(old), owned(new), sealed.to_vec());
        self.write_tx(move |c| {
            let (account, user) = identity::key_owner(c, &old)?.ok_or_else(|| {
                rusqlite::Error::InvalidParameterName("no such access key".into())
            })?;
            identity::key_delete(c, &old)?;
            identity::key_create(c, &account, &user, &new, &sealed, now_ms)
        })
        .await
    }

    async fn key_delete(&self, ak: &str) -> StoreResult<bool> {
        let ak = owned(ak);
        self.write_tx(move |c| identity::key_delete(c, &ak)).await
    }

    async fn key_list(&self) -> StoreResult<Vec<KeyRow>> {
        self.blocking(|c| {
            let rows = identity::key_list(c).map_err(classify)?;
            Ok(rows
                .into_iter()
                .map(|(ak, account, user, created_at_ms)| KeyRow {
                    ak,
                    account,
                    user,
                    created_at_ms,
                })
                .collect())
        })
        .await
    }

    async fn job_count_all(&self) -> StoreResult<u64> {
        self.blocking(|c| {
            c.query_row("SELECT count(*) FROM jobs", [], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(classify)
        })
        .await
    }

    async fn job_history(
        &self,
        tenant: &Tenant,
        job_id: &str,
    ) -> StoreResult<Vec<(Option<String>, String, String)>> {
        let (key, id) = (tenant.key(), owned(job_id));
        self.blocking(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT e.from_status, e.to_status, e.cause FROM job_events e
                       JOIN jobs j ON j.seq = e.job_seq
                      WHERE j.project_key = ?1 AND j.id = ?2 ORDER BY e.seq",
                )
                .map_err(classify)?;
            let rows = stmt
                .query_map(params![key, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(classify)?;
            rows.collect::<rusqlite::Result<_>>().map_err(classify)
        })
        .await
    }

    async fn audit_list(
        &self,
        filter: &AuditFilter,
    ) -> StoreResult<Vec<(AuditRecord, Option<String>)>> {
        let filter = filter.clone();
        self.blocking(move |c| read_snapshot(c, |tx| audit::list(tx, &filter)).map_err(classify))
            .await
    }

    async fn schema_versions(&self) -> StoreResult<(u64, u64)> {
        self.blocking(|c| {
            let v: Option<i64> = c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .optional()
                .map_err(classify)?;
            let known = schema::latest_version() as u64;
            v.map(|v| (v.max(0) as u64, known))
                .ok_or_else(|| StoreError::corrupt("no schema version"))
        })
        .await
    }
}
