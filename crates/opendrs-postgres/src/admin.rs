//! Administration on PostgreSQL (accounts, projects, users, roles, keys, seeding, the audit
//! trail) and the identity snapshot; each method is one transaction.

use crate::{error::classify, rows::get, tx::jobs_insert_batch, PgStore};
use opendrs_core::{
    audit::{AuditFilter, AuditRecord, Outcome},
    caller::{Role, Tenant},
    identity::{IdentitySnapshot, KeyEntry, ProjectEntry, UserEntry},
    job::Job,
    store::{AdminStore, KeyRow, ProjectRow, StoreError, StoreResult},
};
use std::collections::HashMap;
use tokio_postgres::{IsolationLevel, Transaction};

async fn domain_key(tx: &Transaction<'_>, account: &str) -> StoreResult<i64> {
    let row = tx
        .query_opt(
            "SELECT key FROM domains WHERE name = $1 OR id = $1 ORDER BY key LIMIT 1",
            &[&account],
        )
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("no such account: {account}")))?;
    get(&row, 0)
}

async fn user_key(tx: &Transaction<'_>, account: &str, user: &str) -> StoreResult<i64> {
    let row = tx
        .query_opt(
            "SELECT u.key FROM users u JOIN domains d ON d.key = u.domain_key
              WHERE (d.name = $1 OR d.id = $1) AND (u.name = $2 OR u.id = $2)
              ORDER BY u.key LIMIT 1",
            &[&account, &user],
        )
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("no such user: {account}/{user}")))?;
    get(&row, 0)
}

async fn project_key(tx: &Transaction<'_>, id: &str) -> StoreResult<i64> {
    let row = tx
        .query_opt("SELECT key FROM projects WHERE id = $1", &[&id])
        .await
        .map_err(classify)?
        .ok_or_else(|| StoreError::not_found(format!("no such project: {id}")))?;
    get(&row, 0)
}

/// Every project, user, role, limit and (sealed) key, in one repeatable-read snapshot.
pub async fn snapshot(client: &mut deadpool_postgres::Object) -> StoreResult<IdentitySnapshot> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(classify)?;
    let row = tx
        .query_one("SELECT version FROM identity_version WHERE id = 1", &[])
        .await
        .map_err(classify)?;
    let mut snap = IdentitySnapshot {
        version: get(&row, 0)?,
        ..Default::default()
    };
    for r in tx
        .query(
            "SELECT p.key, p.id, p.name, d.id FROM projects p LEFT JOIN domains d ON d.key = p.domain_key",
            &[],
        )
        .await
        .map_err(classify)?
    {
        let p = ProjectEntry {
            tenant: Tenant::new(get::<String>(&r, 1)?, get(&r, 0)?),
            name: get(&r, 2)?,
            domain_id: get(&r, 3)?,
        };
        snap.projects.insert(p.tenant.project_id().to_string(), p);
    }
    let mut by_key: HashMap<i64, String> = HashMap::new();
    for r in tx
        .query(
            "SELECT u.key, u.id, u.name, d.id, d.name, u.password_hash, u.enabled, u.password_epoch
               FROM users u JOIN domains d ON d.key = u.domain_key",
            &[],
        )
        .await
        .map_err(classify)?
    {
        let u = UserEntry {
            id: get(&r, 1)?,
            name: get(&r, 2)?,
            domain_id: get(&r, 3)?,
            domain_name: get(&r, 4)?,
            password_hash: get(&r, 5)?,
            enabled: get(&r, 6)?,
            password_epoch: get(&r, 7)?,
            roles: HashMap::new(),
            enterprise_projects: HashMap::new(),
        };
        by_key.insert(get(&r, 0)?, u.id.clone());
        snap.users.insert(u.id.clone(), u);
    }
    for r in tx
        .query(
            "SELECT b.user_key, p.id, b.role FROM role_bindings b JOIN projects p ON p.key = b.project_key
              ORDER BY b.user_key, b.project_key, b.role",
            &[],
        )
        .await
        .map_err(classify)?
    {
        let uk: i64 = get(&r, 0)?;
        let role: &str = get(&r, 2)?;
        if let (Some(u), Some(role)) = (
            by_key.get(&uk).and_then(|id| snap.users.get_mut(id)),
            Role::parse(role),
        ) {
            u.roles.entry(get(&r, 1)?).or_default().push(role);
        }
    }
    for r in tx
        .query(
            "SELECT l.user_key, p.id, l.ep_id FROM user_enterprise_projects l
               JOIN projects p ON p.key = l.project_key ORDER BY l.ep_id",
            &[],
        )
        .await
        .map_err(classify)?
    {
        let uk: i64 = get(&r, 0)?;
        if let Some(u) = by_key.get(&uk).and_then(|id| snap.users.get_mut(id)) {
            u.enterprise_projects
                .entry(get(&r, 1)?)
                .or_default()
                .push(get(&r, 2)?);
        }
    }
    for r in tx
        .query("SELECT ak, user_key, secret_sealed FROM access_keys", &[])
        .await
        .map_err(classify)?
    {
        let uk: i64 = get(&r, 1)?;
        if let Some(user_id) = by_key.get(&uk) {
            snap.keys.insert(
                get(&r, 0)?,
                KeyEntry {
                    user_id: user_id.clone(),
                    secret: get(&r, 2)?,
                },
            );
        }
    }
    tx.commit().await.map_err(classify)?;
    Ok(snap)
}

/// A transaction on a pooled connection, for one administration call.
macro_rules! admin_tx {
    ($store:expr, $client:ident, $tx:ident) => {
        let asked = std::time::Instant::now();
        let mut $client = $store.client().await?;
        let $tx = $client.transaction().await.map_err(classify)?;
        $store.inner.probe.write_wait(asked.elapsed());
    };
}

#[async_trait::async_trait]
impl AdminStore for PgStore {
    async fn domain_create(&self, id: &str, name: &str, now_ms: i64) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        tx.execute(
            "INSERT INTO domains (id, name, created_at) VALUES ($1, $2, $3)",
            &[&id, &name, &now_ms],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn project_create(
        &self,
        account: &str,
        id: &str,
        name: &str,
        now_ms: i64,
    ) -> StoreResult<Tenant> {
        admin_tx!(self, client, tx);
        let dk = domain_key(&tx, account).await?;
        let row = tx
            .query_one(
                "INSERT INTO projects (id, name, created_at, domain_key) VALUES ($1, $2, $3, $4)
                 RETURNING key",
                &[&id, &name, &now_ms, &dk],
            )
            .await
            .map_err(classify)?;
        let tenant = Tenant::new(id, get(&row, 0)?);
        tx.execute(
            "INSERT INTO enterprise_projects (project_key, id, name) VALUES ($1, '0', 'default')
             ON CONFLICT DO NOTHING",
            &[&tenant.key()],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)?;
        Ok(tenant)
    }

    async fn project_upsert(
        &self,
        id: &str,
        name: &str,
        eps: &[String],
        now_ms: i64,
    ) -> StoreResult<Tenant> {
        admin_tx!(self, client, tx);
        tx.execute(
            "INSERT INTO projects (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            &[&id, &name, &now_ms],
        )
        .await
        .map_err(classify)?;
        let tenant = Tenant::new(id, project_key(&tx, id).await?);
        for ep in eps {
            tx.execute(
                "INSERT INTO enterprise_projects (project_key, id, name) VALUES ($1, $2, $2)
                 ON CONFLICT DO NOTHING",
                &[&tenant.key(), ep],
            )
            .await
            .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)?;
        Ok(tenant)
    }

    async fn project_find(&self, id: &str) -> StoreResult<Option<Tenant>> {
        let client = self.client().await?;
        let row = client
            .query_opt("SELECT key FROM projects WHERE id = $1", &[&id])
            .await
            .map_err(classify)?;
        row.map(|r| Ok(Tenant::new(id, get(&r, 0)?))).transpose()
    }

    async fn project_list(&self) -> StoreResult<Vec<ProjectRow>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT p.id, p.key, p.name, d.name FROM projects p
                   LEFT JOIN domains d ON d.key = p.domain_key ORDER BY p.name, p.id",
                &[],
            )
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok(ProjectRow {
                    tenant: Tenant::new(get::<String>(r, 0)?, get(r, 1)?),
                    name: get(r, 2)?,
                    account: get(r, 3)?,
                })
            })
            .collect()
    }

    async fn enterprise_project_upsert(
        &self,
        tenant: &Tenant,
        id: &str,
        name: &str,
    ) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO enterprise_projects (project_key, id, name) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&tenant.key(), &id, &name],
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn quota_set(&self, tenant: &Tenant, instances: Option<u64>) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                crate::quota::SET,
                &[&tenant.key(), &crate::quota::column(instances)],
            )
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn jobs_insert(&self, tenant: &Tenant, jobs: &[Job]) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        // Level by level: top-level jobs, then their children, then theirs.
        let mut level: Vec<&Job> = jobs.iter().collect();
        let mut parents: Vec<Option<i64>> = vec![None; level.len()];
        while !level.is_empty() {
            let seqs = jobs_insert_batch(&tx, tenant, &level, &parents, "{}").await?;
            let mut next = Vec::new();
            let mut next_parents = Vec::new();
            for (job, seq) in level.iter().zip(seqs) {
                for child in &job.children {
                    next.push(child);
                    next_parents.push(Some(seq));
                }
            }
            level = next;
            parents = next_parents;
        }
        tx.commit().await.map_err(classify)
    }

    async fn user_create(
        &self,
        account: &str,
        id: &str,
        name: &str,
        password_hash: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let dk = domain_key(&tx, account).await?;
        tx.execute(
            "INSERT INTO users (id, domain_key, name, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&id, &dk, &name, &password_hash, &now_ms],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn user_set_enabled(&self, account: &str, user: &str, enabled: bool) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let k = user_key(&tx, account, user).await?;
        // Disabling bumps the password epoch: tokens issued before stay invalid after a re-enable.
        tx.execute(
            "UPDATE users SET enabled = $1,
                    password_epoch = password_epoch + CASE WHEN $1 THEN 0 ELSE 1 END
              WHERE key = $2",
            &[&enabled, &k],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn user_set_password(&self, account: &str, user: &str, hash: &str) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let k = user_key(&tx, account, user).await?;
        tx.execute(
            "UPDATE users SET password_hash = $1, password_epoch = password_epoch + 1 WHERE key = $2",
            &[&hash, &k],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn role_set(
        &self,
        account: &str,
        user: &str,
        project_id: &str,
        role: Role,
        grant: bool,
    ) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let uk = user_key(&tx, account, user).await?;
        let pk = project_key(&tx, project_id).await?;
        let sql = if grant {
            "INSERT INTO role_bindings (user_key, project_key, role) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM role_bindings WHERE user_key = $1 AND project_key = $2 AND role = $3"
        };
        tx.execute(sql, &[&uk, &pk, &role.as_str()])
            .await
            .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn user_limit(
        &self,
        account: &str,
        user: &str,
        project_id: &str,
        eps: &[String],
    ) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let uk = user_key(&tx, account, user).await?;
        let pk = project_key(&tx, project_id).await?;
        tx.execute(
            "DELETE FROM user_enterprise_projects WHERE user_key = $1 AND project_key = $2",
            &[&uk, &pk],
        )
        .await
        .map_err(classify)?;
        for ep in eps {
            tx.execute(
                "INSERT INTO user_enterprise_projects (user_key, project_key, ep_id) VALUES ($1, $2, $3)",
                &[&uk, &pk, ep],
            )
            .await
            .map_err(classify)?;
        }
        tx.commit().await.map_err(classify)
    }

    async fn key_create(
        &self,
        account: &str,
        user: &str,
        ak: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let uk = user_key(&tx, account, user).await?;
        tx.execute(
            "INSERT INTO access_keys (ak, user_key, secret_sealed, created_at) VALUES ($1, $2, $3, $4)",
            &[&ak, &uk, &sealed, &now_ms],
        )
        .await
        .map_err(classify)?;
        tx.commit().await.map_err(classify)
    }

    async fn key_replace(
        &self,
        old: &str,
        new: &str,
        sealed: &[u8],
        now_ms: i64,
    ) -> StoreResult<()> {
        admin_tx!(self, client, tx);
        let n = tx
            .execute(
                "UPDATE access_keys SET ak = $2, secret_sealed = $3, created_at = $4 WHERE ak = $1",
                &[&old, &new, &sealed, &now_ms],
            )
            .await
            .map_err(classify)?;
        if n == 0 {
            return Err(StoreError::not_found(format!("no such access key: {old}")));
        }
        tx.commit().await.map_err(classify)
    }

    async fn key_delete(&self, ak: &str) -> StoreResult<bool> {
        let client = self.client().await?;
        let n = client
            .execute("DELETE FROM access_keys WHERE ak = $1", &[&ak])
            .await
            .map_err(classify)?;
        Ok(n > 0)
    }

    async fn key_list(&self) -> StoreResult<Vec<KeyRow>> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT k.ak, d.name, u.name, k.created_at FROM access_keys k
                   JOIN users u ON u.key = k.user_key JOIN domains d ON d.key = u.domain_key
                  ORDER BY d.name, u.name, k.created_at",
                &[],
            )
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|r| {
                Ok(KeyRow {
                    ak: get(r, 0)?,
                    account: get(r, 1)?,
                    user: get(r, 2)?,
                    created_at_ms: get(r, 3)?,
                })
            })
            .collect()
    }

    async fn job_count_all(&self) -> StoreResult<u64> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT count(*) FROM jobs", &[])
            .await
            .map_err(classify)?;
        Ok(get::<i64>(&row, 0)?.max(0) as u64)
    }

    async fn job_history(
        &self,
        tenant: &Tenant,
        job_id: &str,
    ) -> StoreResult<Vec<(Option<String>, String, String)>> {
        if job_id.contains('\0') {
            return Ok(Vec::new());
        }
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT e.from_status, e.to_status, e.cause FROM job_events e
                   JOIN jobs j ON j.seq = e.job_seq
                  WHERE j.project_key = $1 AND j.id = $2 ORDER BY e.seq",
                &[&tenant.key(), &job_id],
            )
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect()
    }

    async fn audit_list(&self, f: &AuditFilter) -> StoreResult<Vec<(AuditRecord, Option<String>)>> {
        let client = self.client().await?;
        let limit = f.limit.clamp(1, i64::MAX as usize) as i64;
        let rows = client
            .query(
                "SELECT a.at, a.project_id, a.user_id, a.action, a.job_ids, a.request_id, a.outcome,
                        a.detail, d.name || '/' || u.name
                   FROM (SELECT * FROM audit_log
                          WHERE ($1::text IS NULL OR project_id = $1)
                            AND ($2::bigint IS NULL OR at >= $2) AND ($3::bigint IS NULL OR at < $3)
                          ORDER BY at DESC, seq DESC LIMIT $4) a
                   LEFT JOIN users u ON u.id = a.user_id
                   LEFT JOIN domains d ON d.key = u.domain_key
                  ORDER BY a.at, a.seq",
                &[&f.project_id, &f.since_ms, &f.until_ms, &limit],
            )
            .await
            .map_err(classify)?;
        rows.iter()
            .map(|r| {
                let ids: &str = get(r, 4)?;
                Ok((
                    AuditRecord {
                        at_ms: get(r, 0)?,
                        project_id: get(r, 1)?,
                        user_id: get(r, 2)?,
                        action: get(r, 3)?,
                        job_ids: serde_json::from_str(ids).unwrap_or_default(),
                        request_id: get(r, 5)?,
                        outcome: Outcome::parse(get(r, 6)?),
                        detail: get(r, 7)?,
                    },
                    get(r, 8)?,
                ))
            })
            .collect()
    }

    async fn schema_versions(&self) -> StoreResult<(u64, u64)> {
        self.schema_version_pair().await
    }
}
