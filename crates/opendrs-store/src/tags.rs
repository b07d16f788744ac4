//! Job tags in SQLite: the v5 tag reads over `job_tags`, each in one snapshot (tag writes are
//! the core's, through the transaction primitives).

use crate::{classify, read_snapshot, sql::Sql, SqliteStore};
use opendrs_core::{
    caller::Tenant,
    store::StoreResult,
    tags::{InstancePage, InstanceQuery, TagScope, TagStore, TaggedJob, Window},
};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

/// The job `id` of the project if `scope` admits it (children included): its `seq`.
fn admitted_seq(
    conn: &Connection,
    tenant: &Tenant,
    scope: &TagScope,
    id: &str,
) -> rusqlite::Result<Option<i64>> {
    let row: Option<(i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT seq, db_use_type, status, enterprise_project_id FROM jobs
              WHERE project_key = ?1 AND id = ?2",
        )?
        .query_row(params![tenant.key(), id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    Ok(row.and_then(|(seq, db, status, ep)| scope.admits(&db, &status, &ep).then_some(seq)))
}

/// The tags of one job, sorted by key.
pub(crate) fn tags_of(conn: &Connection, seq: i64) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached("SELECT key, value FROM job_tags WHERE job_seq = ?1 ORDER BY key")?
        .query_map([seq], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// `FROM jobs j WHERE …`: the top-level, live jobs of the scope that match the filter. Tag
/// conditions read `job_tags_lookup` (project, key, value); names are matched with `instr` on
/// the folded name, so `%` and `_` are literal.
fn matching(q: &InstanceQuery, tenant: &Tenant) -> Sql {
    let mut s = Sql::default();
    s.push(" FROM jobs j WHERE j.project_key = ")
        .bind(tenant.key())
        .push(" AND j.db_use_type = ")
        .bind(q.scope.db_use_type.as_str().to_string())
        .push(" AND j.parent_seq IS NULL AND j.status <> 'DELETED'");
    if let Some(eps) = &q.scope.enterprise_projects {
        s.push(" AND j.enterprise_project_id IN ").bind_list(eps);
    }
    if q.without_any_tag {
        s.push(" AND NOT EXISTS (SELECT 1 FROM job_tags t WHERE t.job_seq = j.seq)");
    }
    for (key, values) in &q.tags {
        s.push(" AND j.seq IN (SELECT job_seq FROM job_tags WHERE project_key = ")
            .bind(tenant.key())
            .push(" AND key = ")
            .bind(key.clone());
        if !values.is_empty() {
            s.push(" AND value IN ").bind_list(values);
        }
        s.push(")");
    }
    for text in &q.name_contains {
        s.push(" AND instr(j.name_fold, ")
            .bind(text.clone())
            .push(") > 0");
    }
    s
}

fn count(conn: &Connection, tenant: &Tenant, q: &InstanceQuery) -> rusqlite::Result<u64> {
    let m = matching(q, tenant);
    let text = format!("SELECT count(*){}", m.text);
    let n: i64 = conn
        .prepare_cached(&text)?
        .query_row(params_from_iter(m.params.iter()), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

fn page(
    conn: &Connection,
    tenant: &Tenant,
    q: &InstanceQuery,
    w: Window,
) -> rusqlite::Result<InstancePage> {
    let total = count(conn, tenant, q)?;
    if w.offset >= total {
        return Ok(InstancePage {
            total,
            jobs: Vec::new(),
        });
    }
    let m = matching(q, tenant);
    // LIMIT/OFFSET as literals, as the v3 list does: a bound LIMIT re-plans on every run.
    let text = format!(
        "SELECT j.seq, j.id, j.name{} ORDER BY j.create_time DESC, j.id DESC LIMIT {} OFFSET {}",
        m.text,
        w.limit.min(i64::MAX as u64),
        w.offset.min(i64::MAX as u64)
    );
    let mut stmt = conn.prepare(&text)?;
    let rows: Vec<(i64, TaggedJob)> = stmt
        .query_map(params_from_iter(m.params.iter()), |r| {
            Ok((
                r.get(0)?,
                TaggedJob {
                    id: r.get(1)?,
                    name: r.get(2)?,
                    tags: Vec::new(),
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut jobs = Vec::with_capacity(rows.len());
    for (seq, mut job) in rows {
        job.tags = tags_of(conn, seq)?;
        jobs.push(job);
    }
    Ok(InstancePage { total, jobs })
}

fn project_tags(
    conn: &Connection,
    tenant: &Tenant,
    scope: &TagScope,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut s = Sql::default();
    s.push("SELECT DISTINCT t.key, t.value FROM job_tags t JOIN jobs j ON j.seq = t.job_seq")
        .push(" WHERE t.project_key = ")
        .bind(tenant.key())
        .push(" AND j.db_use_type = ")
        .bind(scope.db_use_type.as_str().to_string())
        .push(" AND j.parent_seq IS NULL AND j.status <> 'DELETED'");
    if let Some(eps) = &scope.enterprise_projects {
        s.push(" AND j.enterprise_project_id IN ").bind_list(eps);
    }
    s.push(" ORDER BY t.key, t.value");
    conn.prepare(&s.text)?
        .query_map(params_from_iter(s.params.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect()
}

#[async_trait::async_trait]
impl TagStore for SqliteStore {
    async fn tag_list(
        &self,
        tenant: &Tenant,
        scope: &TagScope,
        job_id: &str,
    ) -> StoreResult<Option<Vec<(String, String)>>> {
        let (tenant, scope, id) = (tenant.clone(), scope.clone(), job_id.to_string());
        self.blocking(move |conn| {
            read_snapshot(conn, |tx| match admitted_seq(tx, &tenant, &scope, &id)? {
                Some(seq) => tags_of(tx, seq).map(Some),
                None => Ok(None),
            })
            .map_err(classify)
        })
        .await
    }

    async fn tag_project_list(
        &self,
        tenant: &Tenant,
        scope: &TagScope,
    ) -> StoreResult<Vec<(String, String)>> {
        let (tenant, scope) = (tenant.clone(), scope.clone());
        self.blocking(move |conn| project_tags(conn, &tenant, &scope).map_err(classify))
            .await
    }

    async fn tag_instance_page(
        &self,
        tenant: &Tenant,
        query: &InstanceQuery,
        window: Window,
    ) -> StoreResult<InstancePage> {
        let (tenant, query) = (tenant.clone(), query.clone());
        self.blocking(move |conn| {
            read_snapshot(conn, |tx| page(tx, &tenant, &query, window)).map_err(classify)
        })
        .await
    }

    async fn tag_instance_count(&self, tenant: &Tenant, query: &InstanceQuery) -> StoreResult<u64> {
        let (tenant, query) = (tenant.clone(), query.clone());
        self.blocking(move |conn| count(conn, &tenant, &query).map_err(classify))
            .await
    }
}
