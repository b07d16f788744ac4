//! The tenant task query on PostgreSQL: a validated `JobQuery` becomes ONE statement giving the
//! total, the page and a has-children flag per row (one statement is one snapshot). The access
//! paths mirror the SQLite engine's:
//! 1. enumerated filters only: the page walks a list index (`jobs_top_by_status` or
//!    `jobs_top_by_time`) in order; the total is a sum over `job_counts` and the appended
//!    `job_count_deltas` (kept by triggers): no count over the project;
//! 2. narrowing filters: a name of 3+ characters (its project- and scenario-scoped grams through
//!    the GIN index on `name_grams`, each candidate verified by `LIKE` with `%`, `_` and `\` escaped so they
//!    are literal), an ID list, tags, instances: the planner starts
//!    from their indexes; the total counts the (index-narrowed) matches;
//! 3. a name of 1–2 characters: `strpos` on the folded name (not indexable: the list index is
//!    walked and each row verified).
//!
//! The order is the query's `Sort`: `(key, create_time, id)`, all ascending or all descending,
//! text being `COLLATE "C"` (byte order, as SQLite); each key has its index (`jobs_top_by_time`,
//! `…_by_name`, `…_by_status`, `…_by_net_type`, `…_by_direction`, `…_by_pay_mode`), scanned
//! forwards or backwards.

use crate::{
    error::classify,
    rows::{self, get, COLUMNS, COLUMN_COUNT},
    sql::Sql,
};
use deadpool_postgres::ClientWrapper;
use opendrs_core::{
    batch::{Depth, JobRecord, PendingStep},
    caller::Tenant,
    enums::{DbUseType, SortDir, SortKey},
    job::Job,
    query::{grams, Cursor, JobQuery, NameFilter, Sort},
    store::StoreResult,
    workflow::state::WorkflowText,
};

/// The column a sort key orders by (`None`: `create_time` alone).
fn sort_column(key: SortKey) -> Option<&'static str> {
    match key {
        SortKey::CreateTime => None,
        SortKey::Name => Some("name_fold"),
        SortKey::Status => Some("status"),
        SortKey::NetType => Some("net_type"),
        SortKey::JobDirection => Some("job_direction"),
        SortKey::PayMode => Some("charging_mode"),
    }
}

/// ` ORDER BY …` of `sort`, on alias `j`.
pub fn order_by(sort: Sort) -> String {
    order_by_on(sort, "j")
}

/// ` ORDER BY …` of `sort`, on `alias` (a `jobs` row, or [`page_statement`]'s keys).
fn order_by_on(sort: Sort, alias: &str) -> String {
    let d = match sort.dir {
        SortDir::Desc => "DESC",
        SortDir::Asc => "ASC",
    };
    match sort_column(sort.key) {
        None => format!(" ORDER BY {alias}.create_time {d}, {alias}.id {d}"),
        Some(col) => {
            format!(" ORDER BY {alias}.{col} {d}, {alias}.create_time {d}, {alias}.id {d}")
        }
    }
}

/// Jobs per chunk of the all-items stream.
pub const STREAM_CHUNK: i64 = 200;

/// The list query's conditions (on alias `j`).
pub struct Conditions {
    pub sql: Sql,
    /// `WHERE …` with the enumerated conditions only (valid on `jobs`, `job_counts` and
    /// `job_count_deltas`).
    pub enum_where: String,
    /// `WHERE …` with every condition (on `jobs`).
    pub all_where: String,
    pub enum_only: bool,
}

/// Whether a text can be stored at all: PostgreSQL text holds no NUL, so a filter value with
/// one matches nothing.
fn storable(s: &str) -> bool {
    !s.contains('\0')
}

/// Escapes `LIKE` metacharacters so the needle is literal.
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Appends "the folded name contains `text`" (on alias `j`, among jobs of scenario
/// `db_use_type`): a needle of a gram or more is looked up by its grams scoped to the project
/// and the scenario (`jobs.name_grams`, a GIN index whose posting lists hold one project's jobs
/// of one scenario; migration 0005) and each candidate verified with `LIKE`; a shorter one is
/// verified on every candidate with `strpos`.
pub fn push_name_contains(s: &mut Sql, tenant: &Tenant, db_use_type: DbUseType, text: &str) {
    match grams::of_needle(text) {
        Some(grams) => {
            let tokens: Vec<String> = grams
                .iter()
                .map(|g| format!("{}:{}:{g}", tenant.key(), db_use_type.as_str()))
                .collect();
            s.push("(j.name_grams @> ")
                .bind(tokens)
                .push(" AND j.name_fold LIKE ")
                .bind(format!("%{}%", like_escape(text)))
                .push(" ESCAPE '\\')");
        }
        None => {
            s.push("strpos(j.name_fold, ")
                .bind(text.to_string())
                .push(") > 0");
        }
    }
}

/// The conditions of `q`, or `None` when nothing can match (a value holding NUL).
pub fn conditions(tenant: &Tenant, q: &JobQuery) -> Option<Conditions> {
    let mut s = Sql::default();
    s.push(" WHERE j.project_key = ").bind(tenant.key());
    s.push(" AND j.db_use_type = ")
        .bind(q.db_use_type.as_str().to_string());
    match q.status {
        Some(st) => s.push(" AND j.status = ").bind(st.as_str().to_string()),
        None => s.push(" AND j.status <> 'DELETED'"),
    };
    if let Some(e) = &q.engine_type {
        if !storable(e) {
            return None;
        }
        s.push(" AND j.engine_type = ").bind(e.clone());
    }
    if let Some(n) = q.net_type {
        s.push(" AND j.net_type = ").bind(n.as_str().to_string());
    }
    if let Some(eps) = &q.enterprise_projects {
        let eps: Vec<String> = eps.iter().filter(|e| storable(e)).cloned().collect();
        if eps.is_empty() {
            return None;
        }
        s.push(" AND j.enterprise_project_id = ANY(")
            .bind(eps)
            .push(")");
    }
    let enum_where = s.text.clone();
    s.push(" AND j.parent_seq IS NULL");
    match &q.name {
        Some(NameFilter::Text(text)) => {
            if !storable(text) {
                return None;
            }
            s.push(" AND (j.id = ").bind(text.clone()).push(" OR ");
            push_name_contains(&mut s, tenant, q.db_use_type, text);
            s.push(")");
        }
        Some(NameFilter::Ids(ids)) => {
            let ids: Vec<String> = ids.iter().filter(|i| storable(i)).cloned().collect();
            if ids.is_empty() {
                return None;
            }
            s.push(" AND j.id = ANY(").bind(ids).push(")");
        }
        None => {}
    }
    for (k, v) in &q.tags {
        if !storable(k) || v.as_deref().is_some_and(|v| !storable(v)) {
            return None;
        }
        s.push(" AND j.seq IN (SELECT job_seq FROM job_tags WHERE project_key = ")
            .bind(tenant.key())
            .push(" AND key = ")
            .bind(k.clone());
        if let Some(v) = v {
            s.push(" AND value = ").bind(v.clone());
        }
        s.push(")");
    }
    if !q.instance_ids.is_empty() {
        let ids: Vec<String> = q
            .instance_ids
            .iter()
            .filter(|i| storable(i))
            .cloned()
            .collect();
        if ids.is_empty() {
            return None;
        }
        s.push(" AND j.seq IN (SELECT job_seq FROM job_instances WHERE project_key = ")
            .bind(tenant.key())
            .push(" AND kind = 'id' AND value = ANY(")
            .bind(ids)
            .push("))");
    }
    if let Some(ip) = &q.instance_ip {
        if !storable(ip) {
            return None;
        }
        s.push(" AND j.seq IN (SELECT job_seq FROM job_instances WHERE project_key = ")
            .bind(tenant.key())
            .push(" AND kind = 'ip' AND value = ")
            .bind(ip.clone())
            .push(")");
    }
    let all_where = s.text.clone();
    Some(Conditions {
        sql: s,
        enum_where,
        all_where,
        enum_only: q.is_enum_only(),
    })
}

/// The scalar query of the total: the counters for enumerated filters, a count otherwise.
fn total_text(c: &Conditions) -> String {
    if c.enum_only {
        format!(
            "SELECT coalesce(sum(n), 0)::bigint FROM (SELECT n FROM job_counts j{w} \
             UNION ALL SELECT n FROM job_count_deltas j{w}) x",
            w = c.enum_where
        )
    } else {
        format!("SELECT count(*) FROM jobs j{}", c.all_where)
    }
}

/// The number of top-level jobs matching `q`.
pub async fn count(client: &ClientWrapper, tenant: &Tenant, q: &JobQuery) -> StoreResult<u64> {
    let Some(c) = conditions(tenant, q) else {
        return Ok(0);
    };
    let stmt = client
        .prepare_cached(&total_text(&c))
        .await
        .map_err(classify)?;
    let row = client
        .query_one(&stmt, &c.sql.refs())
        .await
        .map_err(classify)?;
    let n: i64 = get(&row, 0)?;
    Ok(n.max(0) as u64)
}

/// The statement of [`page`]: total, columns and has-children flag of the page `[offset, offset +
/// limit)` in the query's order. `None` when nothing can match.
///
/// A page past the first is a deferred join: the keys of its jobs are found first, walking the
/// order index alone (it carries `status`, migration 0007, so the skipped jobs are never read
/// from the table nor have their children looked up), then its jobs are read by `(project_key,
/// id)`. The nested loop keeps the keys' order, so nothing is sorted. The first page reads its
/// jobs straight from the order index: nothing is skipped, and the join would only add lookups.
fn page_statement(
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: Option<u64>,
) -> Option<(String, Sql)> {
    let mut c = conditions(tenant, q)?;
    let limit = limit.map(|l| l.min(i64::MAX as u64) as i64);
    let offset = offset.min(i64::MAX as u64) as i64;
    let mut text = format!(
        "SELECT ({}) AS total, {COLUMNS}, EXISTS (SELECT 1 FROM jobs c WHERE c.parent_seq = j.seq) FROM ",
        total_text(&c),
    );
    // The conditions' text is in `all_where`; what follows keeps numbering their parameters.
    c.sql.text.clear();
    if offset == 0 {
        text.push_str(&format!("jobs j{}{}", c.all_where, order_by(q.sort)));
        c.sql
            .push(" LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
    } else {
        let key = sort_column(q.sort.key)
            .map(|col| format!(", j.{col}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "(SELECT j.id, j.create_time{key} FROM jobs j{}{}",
            c.all_where,
            order_by(q.sort)
        ));
        c.sql
            .push(" LIMIT ")
            .bind(limit)
            .push(" OFFSET ")
            .bind(offset);
        c.sql
            .push(") k JOIN jobs j ON j.project_key = ")
            .bind(tenant.key())
            .push(" AND j.id = k.id")
            .push(&order_by_on(q.sort, "k"));
    }
    text.push_str(&c.sql.text);
    Some((text, c.sql))
}

/// The plan PostgreSQL chooses for the page (10 jobs) at `offset` of `q`, as `EXPLAIN` prints it.
pub async fn explain_page(
    client: &ClientWrapper,
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
) -> StoreResult<String> {
    let Some((text, sql)) = page_statement(tenant, q, offset, Some(10)) else {
        return Ok(String::new());
    };
    let found = client
        .query(&format!("EXPLAIN {text}"), &sql.refs())
        .await
        .map_err(classify)?;
    let lines: Vec<String> = found
        .iter()
        .map(|r| get::<String>(r, 0))
        .collect::<StoreResult<_>>()?;
    Ok(lines.join("\n"))
}

/// The total and the page `[offset, offset + limit)` (`limit` `None`: every match), children
/// attached.
pub async fn page(
    client: &ClientWrapper,
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: Option<u64>,
) -> StoreResult<(u64, Vec<Job>)> {
    let Some((text, sql)) = page_statement(tenant, q, offset, limit) else {
        return Ok((0, Vec::new()));
    };
    let stmt = client.prepare_cached(&text).await.map_err(classify)?;
    let found = client.query(&stmt, &sql.refs()).await.map_err(classify)?;
    let mut total = None;
    let mut jobs = Vec::with_capacity(found.len());
    let mut any_children = false;
    for row in &found {
        let t: i64 = get(row, 0)?;
        total = Some(t.max(0) as u64);
        jobs.push(rows::job_at(row, 1)?);
        any_children |= get::<bool>(row, 1 + COLUMN_COUNT)?;
    }
    let total = match total {
        Some(t) => t,
        // A page past the end: the total alone.
        None => count(client, tenant, q).await?,
    };
    if any_children {
        attach_children(client, tenant, &mut jobs).await?;
    }
    Ok((total, jobs.into_iter().map(|(_, j)| j).collect()))
}

/// One chunk of the stream: up to [`STREAM_CHUNK`] matches after `after` in the query's order,
/// children attached.
pub async fn chunk(
    client: &ClientWrapper,
    tenant: &Tenant,
    q: &JobQuery,
    after: Option<&Cursor>,
) -> StoreResult<Vec<Job>> {
    let Some(mut c) = conditions(tenant, q) else {
        return Ok(Vec::new());
    };
    let mut text = format!(
        "SELECT {COLUMNS}, EXISTS (SELECT 1 FROM jobs c WHERE c.parent_seq = j.seq) FROM jobs j{}",
        c.all_where
    );
    c.sql.text.clear();
    if let Some(cur) = after {
        let op = match q.sort.dir {
            SortDir::Desc => "<",
            SortDir::Asc => ">",
        };
        match (sort_column(q.sort.key), &cur.key) {
            (Some(col), Some(key)) => {
                if !storable(key) {
                    return Ok(Vec::new());
                }
                c.sql
                    .push(&format!(" AND (j.{col}, j.create_time, j.id) {op} ("))
                    .bind(key.clone())
                    .push(", ")
            }
            _ => c.sql.push(&format!(" AND (j.create_time, j.id) {op} (")),
        };
        c.sql
            .bind(cur.time_ms)
            .push(", ")
            .bind(cur.id.clone())
            .push(")");
    }
    c.sql
        .push(&order_by(q.sort))
        .push(" LIMIT ")
        .push(&STREAM_CHUNK.to_string());
    text.push_str(&c.sql.text);
    let stmt = client.prepare_cached(&text).await.map_err(classify)?;
    let found = client.query(&stmt, &c.sql.refs()).await.map_err(classify)?;
    let mut jobs = Vec::with_capacity(found.len());
    let mut any_children = false;
    for row in &found {
        jobs.push(rows::job_at(row, 0)?);
        any_children |= get::<bool>(row, COLUMN_COUNT)?;
    }
    if any_children {
        attach_children(client, tenant, &mut jobs).await?;
    }
    Ok(jobs.into_iter().map(|(_, j)| j).collect())
}

/// Attaches children to `parents` (by seq), newest first, through the children index.
pub async fn attach_children(
    client: &ClientWrapper,
    tenant: &Tenant,
    parents: &mut [(i64, Job)],
) -> StoreResult<()> {
    if parents.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = parents.iter().map(|(seq, _)| *seq).collect();
    let text = format!(
        "SELECT j.parent_seq, {COLUMNS} FROM jobs j WHERE j.project_key = $1 \
         AND j.parent_seq = ANY($2) ORDER BY j.create_time DESC, j.id DESC"
    );
    let stmt = client.prepare_cached(&text).await.map_err(classify)?;
    let found = client
        .query(&stmt, &[&tenant.key(), &seqs])
        .await
        .map_err(classify)?;
    for row in &found {
        let parent: i64 = get(row, 0)?;
        let (_, child) = rows::job_at(row, 1)?;
        if let Some((_, p)) = parents.iter_mut().find(|(seq, _)| *seq == parent) {
            p.children.push(child);
        }
    }
    Ok(())
}

/// Jobs by ID (any status, children too), with parent ID, update time, endpoints and creation
/// settings; at `Depth::Detail` also their tags and the start and full-transfer times from
/// their history. One statement (plus one for tags): one snapshot each.
pub async fn job_get_many(
    client: &ClientWrapper,
    tenant: &Tenant,
    ids: &[String],
    depth: Depth,
) -> StoreResult<Vec<JobRecord>> {
    let ids: Vec<String> = ids.iter().filter(|i| storable(i)).cloned().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (history, joins) = if depth == Depth::Detail {
        (
            "(SELECT min(e.at) FROM job_events e WHERE e.job_seq = j.seq AND e.to_status = 'STARTJOBING'), \
             (SELECT min(e.at) FROM job_events e WHERE e.job_seq = j.seq \
                AND e.from_status = 'FULL_TRANSFER_STARTED' \
                AND e.to_status IN ('FULL_TRANSFER_COMPLETE', 'INCRE_TRANSFER_STARTED')), \
             w.job_seq IS NOT NULL, w.objects, w.speed_limit, w.connections, w.precheck, \
             w.switchover, t.step::text, t.scheduled_at, t.due_at, j.status_since",
            " LEFT JOIN job_workflow w ON w.job_seq = j.seq \
              LEFT JOIN job_transitions t ON t.job_seq = j.seq",
        )
    } else {
        (
            "NULL::bigint, NULL::bigint, FALSE, NULL::text, NULL::text, NULL::text, NULL::text, \
             NULL::text, NULL::text, NULL::bigint, NULL::bigint, NULL::bigint",
            "",
        )
    };
    let text = format!(
        "SELECT {COLUMNS}, j.update_time, j.source_endpoint, j.target_endpoint, p.id, j.spec, {history} \
         FROM jobs j LEFT JOIN jobs p ON p.seq = j.parent_seq{joins} \
         WHERE j.project_key = $1 AND j.id = ANY($2) ORDER BY j.id"
    );
    let stmt = client.prepare_cached(&text).await.map_err(classify)?;
    let found = client
        .query(&stmt, &[&tenant.key(), &ids])
        .await
        .map_err(classify)?;
    let n = COLUMN_COUNT;
    let mut out: Vec<(i64, JobRecord)> = Vec::with_capacity(found.len());
    for r in &found {
        let (seq, mut job) = rows::job_at(r, 0)?;
        job.source_endpoint = serde_json::from_str(get(r, n + 1)?).unwrap_or_default();
        job.target_endpoint = serde_json::from_str(get(r, n + 2)?).unwrap_or_default();
        out.push((
            seq,
            JobRecord {
                job,
                parent_id: get(r, n + 3)?,
                update_time_ms: get(r, n)?,
                spec: serde_json::from_str(get(r, n + 4)?).unwrap_or_default(),
                actual_start_ms: get(r, n + 5)?,
                full_transfer_complete_ms: get(r, n + 6)?,
                workflow: if get::<bool>(r, n + 7)? {
                    Some(WorkflowText {
                        objects: get(r, n + 8)?,
                        speed_limit: get(r, n + 9)?,
                        connections: get(r, n + 10)?,
                        precheck: get(r, n + 11)?,
                        switchover: get(r, n + 12)?,
                    })
                } else {
                    None
                },
                pending: match get::<Option<String>>(r, n + 13)? {
                    Some(step) => Some(PendingStep {
                        step,
                        scheduled_at: get(r, n + 14)?,
                        due_at: get(r, n + 15)?,
                    }),
                    None => None,
                },
                status_since_ms: get(r, n + 16)?,
            },
        ));
    }
    if out.is_empty() || depth == Depth::Status {
        return Ok(out.into_iter().map(|(_, r)| r).collect());
    }
    let seqs: Vec<i64> = out.iter().map(|(s, _)| *s).collect();
    let stmt = client
        .prepare_cached(
            "SELECT job_seq, key, value FROM job_tags WHERE job_seq = ANY($1) ORDER BY key",
        )
        .await
        .map_err(classify)?;
    for row in client.query(&stmt, &[&seqs]).await.map_err(classify)? {
        let seq: i64 = get(&row, 0)?;
        if let Some((_, rec)) = out.iter_mut().find(|(s, _)| *s == seq) {
            rec.job.tags.push((get(&row, 1)?, get(&row, 2)?));
        }
    }
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_escape(r"a%b_c\d"), r"a\%b\_c\\d");
    }
}
