//! The v5 tag reads on PostgreSQL (tag writes are the core's, through the transaction
//! primitives): a job's tags, a project's tags, and the resource-instance filter and count,
//! each mirroring the SQLite store's statements.

use crate::{error::classify, rows::get, sql::Sql, PgStore};
use opendrs_core::{
    caller::Tenant,
    store::StoreResult,
    tags::{InstancePage, InstanceQuery, TagScope, TagStore, TaggedJob, Window},
};

fn storable(s: &str) -> bool {
    !s.contains('\0')
}

/// The scope's enterprise projects that can be stored (`None`: every one); `Err(())` when
/// none can.
fn scope_eps(scope: &TagScope) -> Result<Option<Vec<String>>, ()> {
    match &scope.enterprise_projects {
        None => Ok(None),
        Some(eps) => {
            let eps: Vec<String> = eps.iter().filter(|e| storable(e)).cloned().collect();
            if eps.is_empty() {
                Err(())
            } else {
                Ok(Some(eps))
            }
        }
    }
}

/// `FROM jobs j WHERE …`: the top-level, live jobs of the scope matching the filter; `None` when
/// nothing can match.
fn matching(q: &InstanceQuery, tenant: &Tenant) -> Option<Sql> {
    let mut s = Sql::default();
    s.push(" FROM jobs j WHERE j.project_key = ")
        .bind(tenant.key())
        .push(" AND j.db_use_type = ")
        .bind(q.scope.db_use_type.as_str().to_string())
        .push(" AND j.parent_seq IS NULL AND j.status <> 'DELETED'");
    if let Some(eps) = scope_eps(&q.scope).ok()? {
        s.push(" AND j.enterprise_project_id = ANY(")
            .bind(eps)
            .push(")");
    }
    if q.without_any_tag {
        s.push(" AND NOT EXISTS (SELECT 1 FROM job_tags t WHERE t.job_seq = j.seq)");
    }
    for (key, values) in &q.tags {
        if !storable(key) {
            return None;
        }
        s.push(" AND j.seq IN (SELECT job_seq FROM job_tags WHERE project_key = ")
            .bind(tenant.key())
            .push(" AND key = ")
            .bind(key.clone());
        if !values.is_empty() {
            let values: Vec<String> = values.iter().filter(|v| storable(v)).cloned().collect();
            if values.is_empty() {
                return None;
            }
            s.push(" AND value = ANY(").bind(values).push(")");
        }
        s.push(")");
    }
    for text in &q.name_contains {
        if !storable(text) {
            return None;
        }
        s.push(" AND ");
        crate::list::push_name_contains(&mut s, tenant, q.scope.db_use_type, text);
    }
    Some(s)
}

impl PgStore {
    async fn tag_count(&self, tenant: &Tenant, q: &InstanceQuery) -> StoreResult<u64> {
        let Some(m) = matching(q, tenant) else {
            return Ok(0);
        };
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!("SELECT count(*){}", m.text))
            .await
            .map_err(classify)?;
        let row = client.query_one(&stmt, &m.refs()).await.map_err(classify)?;
        Ok(get::<i64>(&row, 0)?.max(0) as u64)
    }
}

#[async_trait::async_trait]
impl TagStore for PgStore {
    async fn tag_list(
        &self,
        tenant: &Tenant,
        scope: &TagScope,
        job_id: &str,
    ) -> StoreResult<Option<Vec<(String, String)>>> {
        if !storable(job_id) {
            return Ok(None);
        }
        let client = self.client().await?;
        // One statement: the job's admission and its tags in one snapshot.
        let stmt = client
            .prepare_cached(
                "SELECT j.db_use_type, j.status, j.enterprise_project_id, t.key, t.value
                   FROM jobs j LEFT JOIN job_tags t ON t.job_seq = j.seq
                  WHERE j.project_key = $1 AND j.id = $2 ORDER BY t.key",
            )
            .await
            .map_err(classify)?;
        let rows = client
            .query(&stmt, &[&tenant.key(), &job_id])
            .await
            .map_err(classify)?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        if !scope.admits(get(first, 0)?, get(first, 1)?, get(first, 2)?) {
            return Ok(None);
        }
        let mut tags = Vec::new();
        for r in &rows {
            if let Some(k) = get::<Option<String>>(r, 3)? {
                tags.push((k, get(r, 4)?));
            }
        }
        Ok(Some(tags))
    }

    async fn tag_project_list(
        &self,
        tenant: &Tenant,
        scope: &TagScope,
    ) -> StoreResult<Vec<(String, String)>> {
        let Ok(eps) = scope_eps(scope) else {
            return Ok(Vec::new());
        };
        let mut s = Sql::default();
        s.push("SELECT DISTINCT t.key, t.value FROM job_tags t JOIN jobs j ON j.seq = t.job_seq")
            .push(" WHERE t.project_key = ")
            .bind(tenant.key())
            .push(" AND j.db_use_type = ")
            .bind(scope.db_use_type.as_str().to_string())
            .push(" AND j.parent_seq IS NULL AND j.status <> 'DELETED'");
        if let Some(eps) = eps {
            s.push(" AND j.enterprise_project_id = ANY(")
                .bind(eps)
                .push(")");
        }
        s.push(" ORDER BY t.key, t.value");
        let client = self.client().await?;
        let stmt = client.prepare_cached(&s.text).await.map_err(classify)?;
        let rows = client.query(&stmt, &s.refs()).await.map_err(classify)?;
        rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
    }

    async fn tag_instance_page(
        &self,
        tenant: &Tenant,
        query: &InstanceQuery,
        window: Window,
    ) -> StoreResult<InstancePage> {
        let Some(mut m) = matching(query, tenant) else {
            return Ok(InstancePage {
                total: 0,
                jobs: Vec::new(),
            });
        };
        let client = self.client().await?;
        // One statement: total, page and each row's tags (as arrays) in one snapshot.
        let mut text = format!(
            "SELECT (SELECT count(*){w}) AS total, j.seq, j.id, j.name,
                    ARRAY(SELECT t.key FROM job_tags t WHERE t.job_seq = j.seq ORDER BY t.key),
                    ARRAY(SELECT t.value FROM job_tags t WHERE t.job_seq = j.seq ORDER BY t.key)
               {w} ORDER BY j.create_time DESC, j.id DESC LIMIT ",
            w = m.text
        );
        m.text.clear();
        m.bind(window.limit.min(i64::MAX as u64) as i64)
            .push(" OFFSET ")
            .bind(window.offset.min(i64::MAX as u64) as i64);
        text.push_str(&m.text);
        let stmt = client.prepare_cached(&text).await.map_err(classify)?;
        let rows = client.query(&stmt, &m.refs()).await.map_err(classify)?;
        let mut total = None;
        let mut jobs = Vec::with_capacity(rows.len());
        for r in &rows {
            total = Some(get::<i64>(r, 0)?.max(0) as u64);
            let keys: Vec<String> = get(r, 4)?;
            let values: Vec<String> = get(r, 5)?;
            jobs.push(TaggedJob {
                id: get(r, 2)?,
                name: get(r, 3)?,
                tags: keys.into_iter().zip(values).collect(),
            });
        }
        drop(client);
        let total = match total {
            Some(t) => t,
            None => self.tag_count(tenant, query).await?,
        };
        Ok(InstancePage { total, jobs })
    }

    async fn tag_instance_count(&self, tenant: &Tenant, query: &InstanceQuery) -> StoreResult<u64> {
        self.tag_count(tenant, query).await
    }
}
