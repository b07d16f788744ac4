//! Writing projects, enterprise projects and jobs (with their children, tags, instances and
//! name grams) inside a caller-provided transaction.

use crate::grams;
use opendrs_core::{
    caller::Tenant,
    job::{Endpoint, Job},
    query::fold,
};
use rusqlite::{params, Connection, OptionalExtension};

/// Creates the project (or returns the existing one with that ID).
pub fn project_upsert(
    conn: &Connection,
    id: &str,
    name: &str,
    now_ms: i64,
) -> rusqlite::Result<Tenant> {
    conn.execute(
        "INSERT INTO projects (id, name, created_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
        params![id, name, now_ms],
    )?;
    let key: i64 = conn.query_row("SELECT key FROM projects WHERE id = ?1", [id], |r| r.get(0))?;
    Ok(Tenant::new(id, key))
}

/// Creates an enterprise project in `tenant`'s project, if it is new.
pub fn enterprise_project_upsert(
    conn: &Connection,
    tenant: &Tenant,
    id: &str,
    name: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO enterprise_projects (project_key, id, name) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
        params![tenant.key(), id, name],
    )?;
    Ok(())
}

/// The project's key by public ID.
pub fn project_key(conn: &Connection, id: &str) -> rusqlite::Result<Option<(i64, String)>> {
    conn.query_row("SELECT key, name FROM projects WHERE id = ?1", [id], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

/// Inserts `job` and its children; returns the job's seq.
pub fn job_insert(
    conn: &Connection,
    tenant: &Tenant,
    job: &Job,
    parent: Option<i64>,
) -> rusqlite::Result<i64> {
    let seq = job_row_insert(conn, tenant, job, parent, None)?;
    job_insert_rest(conn, tenant, job, seq)?;
    Ok(seq)
}

/// Inserts `job`'s own row (with its create request `spec`, if any) as ONE statement; returns
/// its seq. A taken name fails this statement alone (the partial unique index), and SQLite
/// undoes a failed statement by itself: the transaction goes on as if it had not been tried.
pub fn job_row_insert(
    conn: &Connection,
    tenant: &Tenant,
    job: &Job,
    parent: Option<i64>,
    spec: Option<&str>,
) -> rusqlite::Result<i64> {
    let name_fold = fold(&job.name);
    let mut stmt = conn.prepare_cached(
        "INSERT INTO jobs (project_key, id, parent_seq, name, name_fold, status, db_use_type,
            engine_type, net_type, job_direction, task_type, description, error_msg, billing_tag,
            node_new_framework, enterprise_project_id, create_time, update_time, source_endpoint,
            target_endpoint, spec, charging_mode, is_multi_az, live)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?17, ?18, ?19,
            coalesce(?20, '{}'), ?21, ?22, ?6 <> 'DELETED')",
    )?;
    let src = serde_json::to_string(&job.source_endpoint).unwrap_or_else(|_| "{}".into());
    let dst = serde_json::to_string(&job.target_endpoint).unwrap_or_else(|_| "{}".into());
    stmt.execute(params![
        tenant.key(),
        job.id,
        parent,
        job.name,
        name_fold,
        job.status.as_str(),
        job.db_use_type.as_str(),
        job.engine_type,
        job.net_type.as_str(),
        job.job_direction.as_str(),
        job.task_type.as_str(),
        job.description,
        job.error_msg,
        job.billing_tag,
        job.node_new_framework,
        job.enterprise_project_id,
        job.create_time_ms,
        src,
        dst,
        spec,
        job.charging_mode.as_str(),
        job.is_multi_az,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// What goes with job `seq`'s row once it is in: its name grams, tags, instances and children.
pub fn job_insert_rest(
    conn: &Connection,
    tenant: &Tenant,
    job: &Job,
    seq: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO job_name_grams (rowid, grams) VALUES (?1, ?2)")?
        .execute(params![
            seq,
            grams::document(
                grams::Scope {
                    project_key: tenant.key(),
                    db_use_type: job.db_use_type
                },
                &fold(&job.name)
            )
        ])?;
    tags_put(conn, tenant, seq, &job.tags)?;
    instances_insert(
        conn,
        tenant,
        seq,
        [&job.source_endpoint, &job.target_endpoint],
    )?;
    for child in &job.children {
        job_insert(conn, tenant, child, Some(seq))?;
    }
    Ok(())
}

/// Sets tags of job `seq` (replacing the values of existing keys).
pub fn tags_put(
    conn: &Connection,
    tenant: &Tenant,
    seq: i64,
    tags: &[(String, String)],
) -> rusqlite::Result<()> {
    let mut tag = conn.prepare_cached(
        "INSERT INTO job_tags (job_seq, project_key, key, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET value = excluded.value",
    )?;
    for (k, v) in tags {
        tag.execute(params![seq, tenant.key(), k, v])?;
    }
    Ok(())
}

/// Indexes the endpoints' instance IDs and IPs of job `seq` (for the instance filters).
fn instances_insert(
    conn: &Connection,
    tenant: &Tenant,
    seq: i64,
    endpoints: [&Endpoint; 2],
) -> rusqlite::Result<()> {
    let mut inst = conn.prepare_cached(
        "INSERT INTO job_instances (project_key, kind, value, job_seq) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?;
    for ep in endpoints {
        if let Some(id) = &ep.inst_id {
            inst.execute(params![tenant.key(), "id", id, seq])?;
        }
        if let Some(ip) = &ep.ip {
            inst.execute(params![tenant.key(), "ip", ip, seq])?;
        }
    }
    Ok(())
}

/// Re-indexes job `seq`'s instances from its stored endpoints (after they changed).
pub fn job_instances_refresh(conn: &Connection, tenant: &Tenant, seq: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM job_instances WHERE job_seq = ?1")?
        .execute([seq])?;
    let (src, dst): (String, String) = conn
        .prepare_cached("SELECT source_endpoint, target_endpoint FROM jobs WHERE seq = ?1")?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let src: Endpoint = serde_json::from_str(&src).unwrap_or_default();
    let dst: Endpoint = serde_json::from_str(&dst).unwrap_or_default();
    instances_insert(conn, tenant, seq, [&src, &dst])
}
