//! The tenant task query in SQL: a validated `JobQuery` becomes a count and a page (or a full
//! scan for the all-items mode). Three access paths, chosen per query:
//! 1. enumerated filters only: the page walks a list index in order; the total is a sum over
//!    the trigger-kept `job_counts` rows;
//! 2. name (≥ 3 characters), ID list, tags or instances: candidates come from their indexes
//!    (per-project name grams, the ID index, tag and instance tables), intersected, then
//!    verified against every filter and sorted;
//! 3. a name shorter than 3 characters: the list index is walked and each row verified.
//!
//! The order is the query's [`Sort`]: `(key, create_time, id)`, all ascending or all descending.
//! Each key has an index of top-level jobs in that order (`jobs_top_by_time`, `…_by_name`,
//! `…_by_status`, `…_by_net_type`, `…_by_direction`, `…_by_pay_mode`), walked forwards or
//! backwards, so paths 1 and 3 never sort.

use crate::{grams, rows, sql::Sql};
use opendrs_core::{
    batch::{Depth, JobRecord, PendingStep},
    caller::Tenant,
    enums::{SortDir, SortKey},
    job::Job,
    query::{Cursor, JobQuery, NameFilter, Sort},
    workflow::state::WorkflowText,
};
use rusqlite::Connection;

/// The column a sort key orders by (`None`: `create_time` alone).
pub fn sort_column(key: SortKey) -> Option<&'static str> {
    match key {
        SortKey::CreateTime => None,
        SortKey::Name => Some("name_fold"),
        SortKey::Status => Some("status"),
        SortKey::NetType => Some("net_type"),
        SortKey::JobDirection => Some("job_direction"),
        SortKey::PayMode => Some("charging_mode"),
    }
}

fn dir_sql(dir: SortDir) -> &'static str {
    match dir {
        SortDir::Desc => "DESC",
        SortDir::Asc => "ASC",
    }
}

/// ` ORDER BY …` of `sort`, on alias `j`.
pub fn order_by(sort: Sort) -> String {
    let d = dir_sql(sort.dir);
    match sort_column(sort.key) {
        None => format!(" ORDER BY j.create_time {d}, j.id {d}"),
        Some(col) => format!(" ORDER BY j.{col} {d}, j.create_time {d}, j.id {d}"),
    }
}

/// Candidate seqs from the indexed filters, as a compound SELECT; `None` when no filter has an
/// index to offer.
fn candidates(tenant: &Tenant, q: &JobQuery) -> Option<Sql> {
    let key = tenant.key();
    let mut parts: Vec<Sql> = Vec::new();
    match &q.name {
        Some(NameFilter::Ids(ids)) => {
            let mut s = Sql::default();
            s.push("SELECT seq FROM jobs WHERE project_key = ")
                .bind(key)
                .push(" AND id IN ");
            s.bind_list(ids);
            parts.push(s);
        }
        Some(NameFilter::Text(text)) => {
            if let Some(fts) = grams::query(
                grams::Scope {
                    project_key: key,
                    db_use_type: q.db_use_type,
                },
                text,
            ) {
                let mut s = Sql::default();
                s.push("SELECT rowid FROM job_name_grams WHERE job_name_grams MATCH ")
                    .bind(fts);
                s.push(" UNION SELECT seq FROM jobs WHERE project_key = ")
                    .bind(key);
                s.push(" AND id = ").bind(text.clone());
                parts.push(s);
            }
        }
        None => {}
    }
    for (k, v) in &q.tags {
        let mut s = Sql::default();
        s.push("SELECT job_seq FROM job_tags WHERE project_key = ")
            .bind(key);
        s.push(" AND key = ").bind(k.clone());
        if let Some(v) = v {
            s.push(" AND value = ").bind(v.clone());
        }
        parts.push(s);
    }
    if !q.instance_ids.is_empty() {
        let mut s = Sql::default();
        // DISTINCT: a job whose source and target endpoints both match is one candidate.
        s.push("SELECT DISTINCT job_seq FROM job_instances WHERE project_key = ")
            .bind(key);
        s.push(" AND kind = 'id' AND value IN ")
            .bind_list(&q.instance_ids);
        parts.push(s);
    }
    if let Some(ip) = &q.instance_ip {
        let mut s = Sql::default();
        s.push("SELECT DISTINCT job_seq FROM job_instances WHERE project_key = ")
            .bind(key);
        s.push(" AND kind = 'ip' AND value = ").bind(ip.clone());
        parts.push(s);
    }
    let mut out = Sql::default();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            out.push(" INTERSECT ");
        }
        out.push(&p.text);
        out.params.extend(p.params);
    }
    (!out.text.is_empty()).then_some(out)
}

/// What the enumerated conditions are checked on: the rows (`jobs j`) or the counters
/// (`job_counts j`).
#[derive(Clone, Copy, PartialEq)]
enum On {
    Rows,
    Counters,
}

/// The enumerated conditions, shared by the rows and the counters.
fn enum_conditions(tenant: &Tenant, q: &JobQuery, s: &mut Sql, on: On) {
    s.push(" WHERE j.project_key = ").bind(tenant.key());
    s.push(" AND j.db_use_type = ").bind(q.db_use_type.as_str());
    match (q.status, on) {
        (Some(st), _) => s.push(" AND j.status = ").bind(st.as_str()),
        // `live` is `status <> 'DELETED'` kept as a column the order indexes carry (0009).
        (None, On::Rows) => s.push(" AND j.live = 1"),
        (None, On::Counters) => s.push(" AND j.status <> 'DELETED'"),
    };
    if let Some(e) = &q.engine_type {
        s.push(" AND j.engine_type = ").bind(e.clone());
    }
    if let Some(n) = q.net_type {
        s.push(" AND j.net_type = ").bind(n.as_str());
    }
    if let Some(eps) = &q.enterprise_projects {
        s.push(" AND j.enterprise_project_id IN ").bind_list(eps);
    }
}

/// The WHERE conditions every returned row satisfies (on alias `j`).
fn conditions(tenant: &Tenant, q: &JobQuery, s: &mut Sql) {
    enum_conditions(tenant, q, s, On::Rows);
    s.push(" AND j.parent_seq IS NULL");
    if let Some(NameFilter::Text(text)) = &q.name {
        s.push(" AND (j.id = ").bind(text.clone());
        s.push(" OR instr(j.name_fold, ")
            .bind(text.clone())
            .push(") > 0)");
    }
    if let Some(NameFilter::Ids(ids)) = &q.name {
        s.push(" AND j.id IN ").bind_list(ids);
    }
}

/// The CTE of candidates (possibly empty) and `FROM … WHERE …`, joining candidates first.
struct FromWhere {
    with: Sql,
    from: Sql,
}

fn from_where(tenant: &Tenant, q: &JobQuery) -> FromWhere {
    let mut with = Sql::default();
    let mut from = Sql::default();
    match candidates(tenant, q) {
        Some(c) => {
            with.push("WITH cand(seq) AS (").push(&c.text).push(") ");
            with.params.extend(c.params);
            from.push(" FROM cand CROSS JOIN jobs j ON j.seq = cand.seq");
        }
        None => {
            from.push(" FROM jobs j");
        }
    }
    conditions(tenant, q, &mut from);
    FromWhere { with, from }
}

/// `WITH … SELECT cols FROM … WHERE …tail`.
fn select(cols: &str, fw: FromWhere, tail: &str) -> Sql {
    let mut params = fw.with.params;
    params.extend(fw.from.params);
    Sql {
        text: format!("{}SELECT {cols}{}{tail}", fw.with.text, fw.from.text),
        params,
    }
}

/// The number of top-level jobs matching `q`.
pub fn count(conn: &Connection, tenant: &Tenant, q: &JobQuery) -> rusqlite::Result<u64> {
    let s = if q.is_enum_only() {
        counters(tenant, q)
    } else {
        select("count(*)", from_where(tenant, q), "")
    };
    let mut stmt = conn.prepare_cached(&s.text)?;
    let n: i64 = stmt.query_row(rusqlite::params_from_iter(s.params.iter()), |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// The total from the per-dimension counters.
fn counters(tenant: &Tenant, q: &JobQuery) -> Sql {
    let mut s = Sql::default();
    s.push("SELECT coalesce(sum(n), 0) FROM job_counts j");
    enum_conditions(tenant, q, &mut s, On::Counters);
    s
}

/// A page of an enumerated-filters-only query (path 1) in ONE statement: the total (from the
/// counters, as a scalar subquery), the rows, and whether each row has children. One statement
/// is one snapshot, without an explicit transaction. `None` for other queries.
pub fn enum_page(
    conn: &Connection,
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<Option<(Counted, bool)>> {
    if !q.is_enum_only() {
        return Ok(None);
    }
    let page = enum_page_sql(tenant, q, offset, limit);
    let mut stmt = conn.prepare_cached(&page.text)?;
    let mut rs = stmt.query(rusqlite::params_from_iter(page.params.iter()))?;
    let (mut total, mut jobs, mut any_children) = (None, Vec::new(), false);
    while let Some(row) = rs.next()? {
        total = Some(row.get::<_, i64>(0)?.max(0) as u64);
        jobs.push(rows::job_at(row, 1)?);
        any_children |= row.get::<_, bool>(1 + rows::COLUMN_COUNT)?;
    }
    let total = match total {
        Some(t) => t,
        None => count(conn, tenant, q)?,
    };
    Ok(Some(((total, jobs), any_children)))
}

/// The statement of [`enum_page`]: total, columns, has-children flag, in list order.
fn enum_page_sql(tenant: &Tenant, q: &JobQuery, offset: u64, limit: u64) -> Sql {
    let total = counters(tenant, q);
    let cols = format!(
        "({}) AS total, {}, EXISTS (SELECT 1 FROM jobs c WHERE c.parent_seq = j.seq)",
        total.text,
        rows::COLUMNS
    );
    let page = page_sql_with(tenant, q, offset, Some(limit), &cols);
    let mut params = total.params;
    params.extend(page.params);
    Sql {
        text: page.text,
        params,
    }
}

/// The ordered rows of `q`, from `offset`, at most `limit` (all when `None`).
fn page_sql(tenant: &Tenant, q: &JobQuery, offset: u64, limit: Option<u64>) -> Sql {
    page_sql_with(tenant, q, offset, limit, rows::COLUMNS)
}

/// [`page_sql`] with another select list.
fn page_sql_with(
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: Option<u64>,
    cols: &str,
) -> Sql {
    let mut s = select(cols, from_where(tenant, q), &order_by(q.sort));
    if let Some(limit) = limit {
        // Literals, not parameters: SQLite re-plans a statement with a bound LIMIT/OFFSET on
        // every execution, which cost more than the query (see BENCHMARKS.md).
        let (limit, offset) = (limit.min(i64::MAX as u64), offset.min(i64::MAX as u64));
        s.push(&format!(" LIMIT {limit} OFFSET {offset}"));
    }
    s
}

/// The page `[offset, offset + limit)` of the ordered matches; `limit` `None` means all of them,
/// delivered to `each` row by row.
pub fn rows(
    conn: &Connection,
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: Option<u64>,
    mut each: impl FnMut(i64, Job) -> bool,
) -> rusqlite::Result<()> {
    let s = page_sql(tenant, q, offset, limit);
    let mut stmt = conn.prepare_cached(&s.text)?;
    let mut rs = stmt.query(rusqlite::params_from_iter(s.params.iter()))?;
    while let Some(row) = rs.next()? {
        let (seq, job) = rows::job(row)?;
        if !each(seq, job) {
            break;
        }
    }
    Ok(())
}

/// Up to `limit` matches of `q` that come after the job `after` in the query's order, or the first
/// ones: one chunk of the all-items stream, read by keyset so that each chunk is a short query of
/// its own.
pub fn chunk_after(
    conn: &Connection,
    tenant: &Tenant,
    q: &JobQuery,
    after: Option<&Cursor>,
    limit: u64,
) -> rusqlite::Result<Vec<(i64, Job)>> {
    let s = chunk_sql(tenant, q, after, limit);
    let mut stmt = conn.prepare_cached(&s.text)?;
    let mut rs = stmt.query(rusqlite::params_from_iter(s.params.iter()))?;
    let mut out = Vec::new();
    while let Some(row) = rs.next()? {
        out.push(rows::job(row)?);
    }
    attach_children(conn, tenant, &mut out)?;
    Ok(out)
}

/// The statement of [`chunk_after`]: the keyset condition is a row-value comparison with the
/// order's columns, which the order's index answers as a range.
fn chunk_sql(tenant: &Tenant, q: &JobQuery, after: Option<&Cursor>, limit: u64) -> Sql {
    let mut fw = from_where(tenant, q);
    if let Some(c) = after {
        let op = match q.sort.dir {
            SortDir::Desc => "<",
            SortDir::Asc => ">",
        };
        match (sort_column(q.sort.key), &c.key) {
            (Some(col), Some(key)) => fw
                .from
                .push(&format!(" AND (j.{col}, j.create_time, j.id) {op} ("))
                .bind(key.clone())
                .push(", "),
            _ => fw.from.push(&format!(" AND (j.create_time, j.id) {op} (")),
        };
        fw.from
            .bind(c.time_ms)
            .push(", ")
            .bind(c.id.clone())
            .push(")");
    }
    let mut s = select(rows::COLUMNS, fw, &order_by(q.sort));
    s.push(&format!(" LIMIT {}", limit.min(i64::MAX as u64)));
    s
}

/// The children of the jobs with these seqs, newest first, each row led by its parent's seq.
fn children_sql(tenant: &Tenant, seqs: &[i64]) -> Sql {
    let mut s = Sql::default();
    s.push("SELECT j.parent_seq, ").push(rows::COLUMNS);
    // `+` keeps the planner on the children index: an index on the project would walk all of
    // a big project's jobs to find a page's children.
    s.push(" FROM jobs j WHERE +j.project_key = ")
        .bind(tenant.key());
    s.push(" AND j.parent_seq IN (");
    for (i, seq) in seqs.iter().enumerate() {
        if i > 0 {
            s.push(",");
        }
        s.bind(*seq);
    }
    s.push(") ORDER BY j.create_time DESC, j.id DESC");
    s
}

/// Jobs by ID (any status, children too), with parent ID, update time and endpoints; at
/// `Depth::Detail` also their tags and the start and full-transfer times from their history.
pub fn job_get_many(
    conn: &Connection,
    tenant: &Tenant,
    ids: &[String],
    depth: Depth,
) -> rusqlite::Result<Vec<JobRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut s = Sql::default();
    s.push("SELECT ").push(rows::COLUMNS);
    s.push(", j.update_time, j.source_endpoint, j.target_endpoint, p.id, j.spec,");
    if depth == Depth::Detail {
        s.push(" (SELECT min(e.at) FROM job_events e WHERE e.job_seq = j.seq AND e.to_status = 'STARTJOBING'),");
        s.push(" (SELECT min(e.at) FROM job_events e WHERE e.job_seq = j.seq");
        s.push("   AND e.from_status = 'FULL_TRANSFER_STARTED' AND e.to_status IN ('FULL_TRANSFER_COMPLETE', 'INCRE_TRANSFER_STARTED')),");
        s.push(" w.job_seq IS NOT NULL, w.objects, w.speed_limit, w.connections, w.precheck, w.switchover,");
        s.push(" t.step, t.scheduled_at, t.due_at, j.status_since");
    } else {
        s.push(" NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    }
    s.push(" FROM jobs j");
    s.push(" LEFT JOIN jobs p ON p.seq = j.parent_seq");
    if depth == Depth::Detail {
        s.push(" LEFT JOIN job_workflow w ON w.job_seq = j.seq");
        s.push(" LEFT JOIN job_transitions t ON t.job_seq = j.seq");
    }
    s.push(" WHERE j.project_key = ").bind(tenant.key());
    s.push(" AND j.id IN ").bind_list(ids);
    let mut stmt = conn.prepare_cached(&s.text)?;
    let mut found: Vec<(i64, JobRecord)> = stmt
        .query_map(rusqlite::params_from_iter(s.params.iter()), |r| {
            let (seq, mut job) = rows::job(r)?;
            let n = rows::COLUMN_COUNT;
            job.source_endpoint =
                serde_json::from_str(&r.get::<_, String>(n + 1)?).unwrap_or_default();
            job.target_endpoint =
                serde_json::from_str(&r.get::<_, String>(n + 2)?).unwrap_or_default();
            Ok((
                seq,
                JobRecord {
                    job,
                    parent_id: r.get(n + 3)?,
                    update_time_ms: r.get(n)?,
                    spec: serde_json::from_str(&r.get::<_, String>(n + 4)?).unwrap_or_default(),
                    actual_start_ms: r.get(n + 5)?,
                    full_transfer_complete_ms: r.get(n + 6)?,
                    workflow: if r.get::<_, bool>(n + 7)? {
                        Some(WorkflowText {
                            objects: r.get(n + 8)?,
                            speed_limit: r.get(n + 9)?,
                            connections: r.get(n + 10)?,
                            precheck: r.get(n + 11)?,
                            switchover: r.get(n + 12)?,
                        })
                    } else {
                        None
                    },
                    pending: match r.get::<_, Option<String>>(n + 13)? {
                        Some(step) => Some(PendingStep {
                            step,
                            scheduled_at: r.get(n + 14)?,
                            due_at: r.get(n + 15)?,
                        }),
                        None => None,
                    },
                    status_since_ms: r.get(n + 16)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if found.is_empty() || depth == Depth::Status {
        return Ok(found.into_iter().map(|(_, r)| r).collect());
    }
    let mut t = Sql::default();
    t.push("SELECT job_seq, key, value FROM job_tags WHERE job_seq IN (");
    for (i, (seq, _)) in found.iter().enumerate() {
        if i > 0 {
            t.push(",");
        }
        t.bind(*seq);
    }
    t.push(") ORDER BY key");
    let mut stmt = conn.prepare_cached(&t.text)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(t.params.iter()))?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if let Some((_, rec)) = found.iter_mut().find(|(s, _)| *s == seq) {
            rec.job.tags.push((row.get(1)?, row.get(2)?));
        }
    }
    Ok(found.into_iter().map(|(_, r)| r).collect())
}

/// The total and one page of (seq, job).
pub type Counted = (u64, Vec<(i64, Job)>);

/// For a query with indexed narrowing filters (see the module docs, path 2): reads every
/// verified match's sort key in one pass, counts them and chooses the page in memory, then
/// reads only the page's rows. `None` when the query has no such filter.
pub fn candidate_page(
    conn: &Connection,
    tenant: &Tenant,
    q: &JobQuery,
    offset: u64,
    limit: u64,
) -> rusqlite::Result<Option<Counted>> {
    let fw = from_where(tenant, q);
    if fw.with.text.is_empty() {
        return Ok(None);
    }
    let key_col = sort_column(q.sort.key).map_or_else(|| "NULL".to_string(), |c| format!("j.{c}"));
    let s = select(&format!("{key_col}, j.create_time, j.id, j.seq"), fw, "");
    let mut stmt = conn.prepare_cached(&s.text)?;
    let mut keys: Vec<(Option<String>, i64, String, i64)> = stmt
        .query_map(rusqlite::params_from_iter(s.params.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let total = keys.len() as u64;
    // The query's order: key, create_time, id (SQLite's BINARY collation is byte order, as
    // Rust's `String` order).
    keys.sort_unstable_by(|a, b| {
        let ascending =
            a.0.cmp(&b.0)
                .then(a.1.cmp(&b.1))
                .then_with(|| a.2.cmp(&b.2));
        match q.sort.dir {
            SortDir::Asc => ascending,
            SortDir::Desc => ascending.reverse(),
        }
    });
    let page: Vec<i64> = keys
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|k| k.3)
        .collect();
    if page.is_empty() {
        return Ok(Some((total, Vec::new())));
    }
    let mut s = Sql::default();
    s.push("SELECT ")
        .push(rows::COLUMNS)
        .push(" FROM jobs j WHERE j.seq IN (");
    for (i, seq) in page.iter().enumerate() {
        if i > 0 {
            s.push(",");
        }
        s.bind(*seq);
    }
    s.push(")");
    let mut stmt = conn.prepare_cached(&s.text)?;
    let mut found: std::collections::HashMap<i64, Job> = stmt
        .query_map(rusqlite::params_from_iter(s.params.iter()), rows::job)?
        .collect::<rusqlite::Result<_>>()?;
    let jobs = page
        .into_iter()
        .filter_map(|seq| found.remove(&seq).map(|j| (seq, j)))
        .collect();
    Ok(Some((total, jobs)))
}

/// Attaches children to `parents` (by seq), newest first.
pub fn attach_children(
    conn: &Connection,
    tenant: &Tenant,
    parents: &mut [(i64, Job)],
) -> rusqlite::Result<()> {
    if parents.is_empty() {
        return Ok(());
    }
    let seqs: Vec<i64> = parents.iter().map(|(seq, _)| *seq).collect();
    let s = children_sql(tenant, &seqs);
    let mut stmt = conn.prepare_cached(&s.text)?;
    let mut rs = stmt.query(rusqlite::params_from_iter(s.params.iter()))?;
    while let Some(row) = rs.next()? {
        let parent: i64 = row.get(0)?;
        let (_, child) = rows::job_at(row, 1)?;
        if let Some((_, p)) = parents.iter_mut().find(|(seq, _)| *seq == parent) {
            p.children.push(child);
        }
    }
    Ok(())
}

#[cfg(test)]
mod plan_tests {
    //! The access paths the module doc promises, checked with EXPLAIN QUERY PLAN.
    use super::*;
    use opendrs_core::{caller::Caller, query::parse_body};

    fn plan(sql: &Sql) -> String {
        let mut conn = Connection::open_in_memory().expect("open");
        crate::schema::migrate(&mut conn).expect("migrate");
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text))
            .expect("prepare");
        let rows = stmt
            .query_map(rusqlite::params_from_iter(sql.params.iter()), |r| {
                r.get::<_, String>(3)
            })
            .expect("query");
        rows.map(|r| r.unwrap_or_default())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn query(body: &str) -> (Tenant, JobQuery) {
        let tenant = Tenant::new("p", 1);
        let caller = Caller {
            tenant: tenant.clone(),
            user_id: "u".into(),
            roles: vec![],
            enterprise_projects: None,
        };
        let q = parse_body(body.as_bytes())
            .and_then(|b| b.validate(&caller))
            .expect("query");
        (tenant, q)
    }

    #[test]
    fn a_page_statement_is_planned_once_and_reused() {
        let (t, q) = query(r#"{"db_use_type":"sync","status":"CONFIGURATION"}"#);
        let mut conn = Connection::open_in_memory().expect("open");
        crate::schema::migrate(&mut conn).expect("migrate");
        for _ in 0..3 {
            rows(&conn, &t, &q, 0, Some(10), |_, _| true).expect("rows");
        }
        let sql = page_sql(&t, &q, 0, Some(10));
        let stmt = conn.prepare_cached(&sql.text).expect("cached");
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn an_enumerated_page_is_one_reused_statement_walking_the_index_in_order() {
        let (t, q) = query(r#"{"db_use_type":"sync","status":"CONFIGURATION"}"#);
        let mut conn = Connection::open_in_memory().expect("open");
        crate::schema::migrate(&mut conn).expect("migrate");
        for _ in 0..3 {
            assert!(enum_page(&conn, &t, &q, 0, 10).expect("page").is_some());
        }
        let sql = enum_page_sql(&t, &q, 0, 10);
        let p = plan(&sql);
        assert!(
            p.contains("jobs_top_by_status") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
        let stmt = conn.prepare_cached(&sql.text).expect("cached");
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn children_are_found_through_the_children_index() {
        let p = plan(&children_sql(&Tenant::new("p", 1), &[1, 2, 3]));
        assert!(p.contains("jobs_children"), "{p}");
    }

    #[test]
    fn a_status_page_walks_the_status_index_in_list_order() {
        let (t, q) = query(r#"{"db_use_type":"sync","status":"CONFIGURATION"}"#);
        let p = plan(&select(
            rows::COLUMNS,
            from_where(&t, &q),
            " ORDER BY j.create_time DESC, j.id DESC LIMIT 10",
        ));
        assert!(
            p.contains("jobs_top_by_status") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
    }

    #[test]
    fn a_default_page_walks_the_time_index_in_list_order() {
        let (t, q) = query(r#"{"db_use_type":"sync","engine_type":"mysql"}"#);
        let p = plan(&select(
            rows::COLUMNS,
            from_where(&t, &q),
            " ORDER BY j.create_time DESC, j.id DESC LIMIT 10",
        ));
        assert!(
            p.contains("jobs_top_by_time") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
    }

    #[test]
    fn an_enumerated_total_is_read_from_the_counters() {
        let (t, q) = query(r#"{"db_use_type":"sync","engine_type":"mysql"}"#);
        let p = plan(&counters(&t, &q));
        assert!(p.contains("job_counts") || p.contains("PRIMARY KEY"), "{p}");
    }

    #[test]
    fn a_name_search_starts_from_the_gram_index() {
        let (t, q) = query(r#"{"db_use_type":"sync","name":"orders"}"#);
        let p = plan(&select("count(*)", from_where(&t, &q), ""));
        assert!(p.contains("job_name_grams"), "{p}");
        assert!(p.find("job_name_grams") < p.find("SEARCH j"), "{p}");
    }

    #[test]
    fn a_network_filter_walks_the_network_index_in_list_order() {
        let (t, q) = query(r#"{"db_use_type":"sync","net_type":"eip"}"#);
        let p = plan(&enum_page_sql(&t, &q, 0, 10));
        assert!(
            p.contains("jobs_top_by_net_type (project_key=? AND db_use_type=? AND net_type=?)")
                && !p.contains("TEMP B-TREE"),
            "{p}"
        );
    }

    /// The index an order by `key` walks when nothing else narrows the project.
    fn index_of(key: SortKey) -> &'static str {
        match key {
            SortKey::CreateTime => "jobs_top_by_time",
            SortKey::Name => "jobs_top_by_name",
            SortKey::Status => "jobs_top_by_status",
            SortKey::NetType => "jobs_top_by_net_type",
            SortKey::JobDirection => "jobs_top_by_direction",
            SortKey::PayMode => "jobs_top_by_pay_mode",
        }
    }

    fn sorted(body: &str, key: SortKey, dir: SortDir) -> (Tenant, JobQuery) {
        let (t, mut q) = query(body);
        q.sort = Sort { key, dir };
        (t, q)
    }

    #[test]
    fn every_order_in_either_direction_walks_its_own_index_and_never_sorts() {
        for key in SortKey::ALL {
            for dir in SortDir::ALL {
                let (t, q) = sorted(r#"{"db_use_type":"sync"}"#, *key, *dir);
                let p = plan(&enum_page_sql(&t, &q, 40, 10));
                let want = format!(
                    "SEARCH j USING INDEX {} (project_key=? AND db_use_type=?)",
                    index_of(*key)
                );
                assert!(
                    p.contains(&want) && !p.contains("TEMP B-TREE"),
                    "{key} {dir}: {p}"
                );
            }
        }
    }

    /// Whether the bytecode of `sql` reads a column of a `jobs` row before it checks the
    /// page's offset, i.e. for rows it then skips. SQLite seeks a row lazily (its deferred
    /// seek), so the first `Column` on the table's cursor is where a row is read.
    fn reads_rows_it_skips(sql: &Sql) -> bool {
        let mut conn = Connection::open_in_memory().expect("open");
        crate::schema::migrate(&mut conn).expect("migrate");
        let root: i64 = conn
            .query_row(
                "SELECT rootpage FROM sqlite_schema WHERE type = 'table' AND name = 'jobs'",
                [],
                |r| r.get(0),
            )
            .expect("root page");
        let mut stmt = conn
            .prepare(&format!("EXPLAIN {}", sql.text))
            .expect("prepare");
        let ops: Vec<(String, i64, i64, i64)> = stmt
            .query_map(rusqlite::params_from_iter(sql.params.iter()), |r| {
                Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("explain")
            .map(|r| r.expect("op"))
            .collect();
        let table_cursors: Vec<i64> = ops
            .iter()
            .filter(|(op, _, p2, _)| op == "OpenRead" && *p2 == root)
            .map(|(_, p1, _, _)| *p1)
            .collect();
        let offset_reg = ops
            .iter()
            .find(|(op, ..)| op == "OffsetLimit")
            .map(|(_, _, _, p3)| *p3)
            .expect("a page has an offset");
        let offset_check = ops
            .iter()
            .position(|(op, p1, ..)| op == "IfPos" && *p1 == offset_reg)
            .expect("the offset is checked");
        ops[..offset_check]
            .iter()
            .any(|(op, p1, ..)| op == "Column" && table_cursors.contains(p1))
    }

    #[test]
    fn a_deep_page_in_any_order_steps_over_its_offset_in_the_index_without_reading_rows() {
        for key in SortKey::ALL {
            for dir in SortDir::ALL {
                let (t, q) = sorted(r#"{"db_use_type":"sync"}"#, *key, *dir);
                let sql = enum_page_sql(&t, &q, 1_000, 10);
                assert!(!reads_rows_it_skips(&sql), "{key} {dir}");
            }
        }
        // The check can fail: a filter the order's index does not carry is read from the row.
        let (t, q) = sorted(
            r#"{"db_use_type":"sync","engine_type":"mysql"}"#,
            SortKey::Name,
            SortDir::Asc,
        );
        assert!(reads_rows_it_skips(&enum_page_sql(&t, &q, 1_000, 10)));
    }

    #[test]
    fn filters_without_an_index_of_their_own_keep_the_order_s_index() {
        let bodies = [
            r#"{"db_use_type":"migration","engine_type":"mysql"}"#,
            r#"{"db_use_type":"migration","enterprise_project_id":"0"}"#,
            r#"{"db_use_type":"migration","status":"CONFIGURATION","net_type":"vpn"}"#,
        ];
        for body in bodies {
            for key in [SortKey::Name, SortKey::JobDirection, SortKey::PayMode] {
                for dir in SortDir::ALL {
                    let (t, q) = sorted(body, key, *dir);
                    let p = plan(&enum_page_sql(&t, &q, 0, 10));
                    assert!(
                        p.contains(index_of(key)) && !p.contains("TEMP B-TREE"),
                        "{body} {key} {dir}: {p}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_order_by_the_filtered_status_walks_that_status_alone() {
        for key in [SortKey::Status, SortKey::CreateTime] {
            for dir in SortDir::ALL {
                let (t, q) = sorted(r#"{"db_use_type":"sync","status":"PAUSING"}"#, key, *dir);
                let p = plan(&enum_page_sql(&t, &q, 0, 10));
                assert!(
                    p.contains("jobs_top_by_status (project_key=? AND db_use_type=? AND status=?)")
                        && !p.contains("TEMP B-TREE"),
                    "{key} {dir}: {p}"
                );
            }
        }
    }

    #[test]
    fn a_short_name_in_any_order_walks_the_order_s_index() {
        for key in SortKey::ALL {
            for dir in SortDir::ALL {
                let (t, q) = sorted(r#"{"db_use_type":"sync","name":"ab"}"#, *key, *dir);
                let p = plan(&page_sql(&t, &q, 0, Some(10)));
                assert!(
                    p.contains(index_of(*key)) && !p.contains("TEMP B-TREE"),
                    "{key} {dir}: {p}"
                );
            }
        }
    }

    #[test]
    fn a_stream_chunk_in_any_order_continues_through_the_order_s_index() {
        for key in SortKey::ALL {
            for dir in SortDir::ALL {
                let (t, q) = sorted(r#"{"db_use_type":"sync"}"#, *key, *dir);
                let cursor = Cursor {
                    key: sort_column(*key).map(|_| "k".to_string()),
                    time_ms: 1,
                    id: "x".into(),
                };
                let p = plan(&chunk_sql(&t, &q, Some(&cursor), 200));
                // The keyset is a range of the index, not a filter over the project.
                let range = match sort_column(*key) {
                    None => "(create_time,id)".to_string(),
                    Some(col) => format!("({col},create_time,id)"),
                };
                assert!(
                    p.contains(index_of(*key)) && p.contains(&range) && !p.contains("TEMP B-TREE"),
                    "{key} {dir}: {p}"
                );
            }
        }
    }
}
