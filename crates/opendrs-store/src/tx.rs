//! The SQLite transaction behind `Store::transact`: the [`JobTx`] primitives over one connection
//! holding `BEGIN IMMEDIATE` (SQLite's single writer: the locks every primitive promises are
//! the whole database's). The decisions are the core's (`opendrs_core::writes`); this module
//! only stores.

use crate::{audit, classify, grams, write, PooledConn};
use opendrs_core::{
    audit::AuditRecord,
    caller::Tenant,
    enums::{DbUseType, JobStatus, TaskType},
    job::{Endpoint, Job},
    lifecycle::Step,
    query::fold,
    store::{
        Claimed, EventCause, JobEndpoints, JobFields, JobRow, JobTx, Scheduled, StatusChange,
        StoreResult,
    },
    workflow::state::WorkflowText,
};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

/// One write transaction on a pooled connection (`BEGIN IMMEDIATE` taken by the store).
pub struct SqliteTx {
    pub(crate) conn: PooledConn,
}

impl SqliteTx {
    fn c(&self) -> &Connection {
        &self.conn
    }
}

type R<T> = rusqlite::Result<T>;

fn run<T>(r: R<T>) -> StoreResult<T> {
    r.map_err(classify)
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == ErrorCode::ConstraintViolation
            && f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

/// The partial unique index on (project_key, name) refused a row (not another unique key).
fn is_name_taken(e: &rusqlite::Error) -> bool {
    is_unique_violation(e)
        && matches!(e, rusqlite::Error::SqliteFailure(_, Some(m)) if m.contains("jobs.name"))
}

/// (seq, status) of a job's children.
fn children(conn: &Connection, parent: i64) -> R<Vec<(i64, JobStatus)>> {
    let mut stmt = conn.prepare_cached("SELECT seq, status FROM jobs WHERE parent_seq = ?1")?;
    let rows = stmt.query_map([parent], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, status) = row?;
        if let Some(s) = JobStatus::parse(&status) {
            out.push((seq, s));
        }
    }
    Ok(out)
}

fn job_row(conn: &Connection, tenant: &Tenant, id: &str) -> R<Option<JobRow>> {
    let row = conn
        .prepare_cached(
            "SELECT seq, status, task_type, enterprise_project_id, parent_seq IS NOT NULL,
                    db_use_type, engine_type, name, running_step
               FROM jobs WHERE project_key = ?1 AND id = ?2",
        )?
        .query_row(params![tenant.key(), id], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ),
                (
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ),
            ))
        })
        .optional()?;
    Ok(row.and_then(
        |((seq, status, task, ep), (is_child, use_type, engine, name, running))| {
            Some(JobRow {
                seq,
                id: id.to_string(),
                name,
                status: JobStatus::parse(&status)?,
                task_type: TaskType::parse(&task)?,
                enterprise_project_id: ep,
                is_child,
                db_use_type: use_type,
                engine_type: engine,
                running: running.as_deref().and_then(Step::parse),
            })
        },
    ))
}

fn set_column(conn: &Connection, seq: i64, col: &str, v: Option<&str>) -> R<()> {
    if let Some(v) = v {
        conn.prepare_cached(&format!("UPDATE jobs SET {col} = ?2 WHERE seq = ?1"))?
            .execute(params![seq, v])?;
    }
    Ok(())
}

/// Moves job `seq` from `ch.from` to `ch.to`; false when it was not in `ch.from`. `live` (which
/// the order indexes carry, migration 0009) and `deleted_at` are assigned only when the job
/// enters or leaves `DELETED`: an UPDATE that assigns a column rewrites every index carrying it.
fn set_status(conn: &Connection, seq: i64, ch: &StatusChange<'_>) -> R<bool> {
    let moved =
        conn.prepare_cached(
            "UPDATE jobs SET status = ?2, update_time = ?3, error_msg = ?4, status_since = ?5
              WHERE seq = ?1 AND status = ?6",
        )?
        .execute(params![
            seq,
            ch.to.as_str(),
            ch.at,
            ch.error_msg,
            ch.exec_at,
            ch.from.as_str()
        ])? == 1;
    let deleted = |s: JobStatus| s == JobStatus::Deleted;
    if moved && deleted(ch.from) != deleted(ch.to) {
        // `deleted_at` (the retention purge's clock) changes with it.
        let deleted_at = deleted(ch.to).then_some(ch.exec_at);
        conn.prepare_cached("UPDATE jobs SET live = ?2, deleted_at = ?3 WHERE seq = ?1")?
            .execute(params![seq, !deleted(ch.to), deleted_at])?;
    }
    Ok(moved)
}

fn endpoint_json(ep: &Endpoint) -> String {
    serde_json::to_string(ep).unwrap_or_else(|_| "{}".into())
}

/// Removes top-level jobs deleted before `cutoff` (executor clock), with their children.
fn purge(conn: &Connection, cutoff: i64, limit: usize) -> R<usize> {
    let seqs: Vec<i64> = conn
        .prepare_cached(
            "SELECT seq FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < ?1
                AND parent_seq IS NULL LIMIT ?2",
        )?
        .query_map(params![cutoff, limit as i64], |r| r.get(0))?
        .collect::<R<_>>()?;
    for seq in &seqs {
        let kids: Vec<i64> = conn
            .prepare_cached("SELECT seq FROM jobs WHERE parent_seq = ?1")?
            .query_map([seq], |r| r.get(0))?
            .collect::<R<_>>()?;
        for s in kids.iter().chain(std::iter::once(seq)) {
            conn.prepare_cached("DELETE FROM job_name_grams WHERE rowid = ?1")?
                .execute([s])?;
        }
        conn.prepare_cached("DELETE FROM jobs WHERE parent_seq = ?1")?
            .execute([seq])?;
        conn.prepare_cached("DELETE FROM jobs WHERE seq = ?1")?
            .execute([seq])?;
    }
    Ok(seqs.len())
}

/// Re-indexes a job's name grams after its (folded) name changed.
pub(crate) fn grams_replace(conn: &Connection, tenant: &Tenant, seq: i64, folded: &str) -> R<()> {
    let db_use_type: String = conn
        .prepare_cached("SELECT db_use_type FROM jobs WHERE seq = ?1")?
        .query_row([seq], |r| r.get(0))?;
    let db_use_type = DbUseType::parse(&db_use_type).unwrap_or(DbUseType::Migration);
    conn.prepare_cached("DELETE FROM job_name_grams WHERE rowid = ?1")?
        .execute([seq])?;
    conn.prepare_cached("INSERT INTO job_name_grams (rowid, grams) VALUES (?1, ?2)")?
        .execute(params![
            seq,
            grams::document(
                grams::Scope {
                    project_key: tenant.key(),
                    db_use_type
                },
                folded
            )
        ])?;
    Ok(())
}

#[async_trait::async_trait]
impl JobTx for SqliteTx {
    async fn clock_read(&mut self, start_ms: i64) -> StoreResult<i64> {
        let c = self.c();
        run((|| {
            c.prepare_cached(
                "INSERT INTO executor_clock (id, now_ms) VALUES (1, ?1) ON CONFLICT DO NOTHING",
            )?
            .execute([start_ms])?;
            c.prepare_cached("SELECT now_ms FROM executor_clock WHERE id = 1")?
                .query_row([], |r| r.get(0))
        })())
    }

    async fn clock_set(&mut self, now_ms: i64) -> StoreResult<()> {
        run(self
            .c()
            .prepare_cached("UPDATE executor_clock SET now_ms = ?1 WHERE id = 1")
            .and_then(|mut s| s.execute([now_ms]))
            .map(drop))
    }

    async fn enterprise_project_exists(&mut self, tenant: &Tenant, id: &str) -> StoreResult<bool> {
        run(self
            .c()
            .prepare_cached("SELECT 1 FROM enterprise_projects WHERE project_key = ?1 AND id = ?2")
            .and_then(|mut s| {
                s.query_row(params![tenant.key(), id], |_| Ok(()))
                    .optional()
            })
            .map(|found| found.is_some()))
    }

    async fn quota_lock(
        &mut self,
        tenant: &Tenant,
    ) -> StoreResult<opendrs_core::quota::QuotaUsage> {
        // BEGIN IMMEDIATE already holds the database's one write lock.
        run(crate::quota::usage(self.c(), tenant.key()))
    }

    async fn jobs_insert_new(
        &mut self,
        tenant: &Tenant,
        jobs: &[(&Job, &str)],
    ) -> StoreResult<Vec<Option<i64>>> {
        let c = self.c();
        let mut seqs = Vec::with_capacity(jobs.len());
        for (job, spec) in jobs {
            // No savepoint: the job's own row goes in first, as one statement, and a taken name
            // (the partial unique index) fails that statement alone. (A savepoint made SQLite
            // copy every page the insert touched into a statement journal: ~40 % of creation
            // throughput.)
            let seq = match write::job_row_insert(c, tenant, job, None, Some(spec)) {
                Ok(seq) => seq,
                Err(e) if is_name_taken(&e) => {
                    seqs.push(None);
                    continue;
                }
                Err(e) => return Err(classify(e)),
            };
            run(write::job_insert_rest(c, tenant, job, seq))?;
            seqs.push(Some(seq));
        }
        Ok(seqs)
    }

    async fn jobs_lock(&mut self, _tenant: &Tenant, _ids: &[String]) -> StoreResult<()> {
        // BEGIN IMMEDIATE holds the database's one write lock: every row is locked already.
        Ok(())
    }

    async fn job_lock(&mut self, tenant: &Tenant, id: &str) -> StoreResult<Option<JobRow>> {
        run(job_row(self.c(), tenant, id))
    }

    async fn job_children(&mut self, parent: i64) -> StoreResult<Vec<(i64, JobStatus)>> {
        run(children(self.c(), parent))
    }

    async fn job_set_status(&mut self, seq: i64, ch: &StatusChange<'_>) -> StoreResult<bool> {
        run(set_status(self.c(), seq, ch))
    }

    async fn event_append(
        &mut self,
        seq: i64,
        from: Option<JobStatus>,
        to: JobStatus,
        c: &EventCause<'_>,
    ) -> StoreResult<()> {
        run(self
            .c()
            .prepare_cached(
                "INSERT INTO job_events (job_seq, at, from_status, to_status, cause, request_id, error_msg)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    seq,
                    c.at,
                    from.map(JobStatus::as_str),
                    to.as_str(),
                    c.label,
                    c.request_id,
                    c.error_msg
                ])
            })
            .map(drop))
    }

    async fn event_last_from(&mut self, seq: i64, to: JobStatus) -> StoreResult<Option<JobStatus>> {
        let from: Option<Option<String>> = run(self
            .c()
            .prepare_cached(
                "SELECT from_status FROM job_events WHERE job_seq = ?1 AND to_status = ?2
                  ORDER BY seq DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row(params![seq, to.as_str()], |r| r.get(0))
                    .optional()
            }))?;
        Ok(from.flatten().as_deref().and_then(JobStatus::parse))
    }

    async fn event_count(&mut self, seq: i64, label: &str) -> StoreResult<u64> {
        run(self
            .c()
            .prepare_cached("SELECT count(*) FROM job_events WHERE job_seq = ?1 AND cause = ?2")
            .and_then(|mut s| s.query_row(params![seq, label], |r| r.get::<_, i64>(0)))
            .map(|n| n.max(0) as u64))
    }

    async fn job_rename(&mut self, tenant: &Tenant, seq: i64, name: &str) -> StoreResult<bool> {
        let c = self.c();
        let folded = fold(name);
        let renamed = c
            .prepare_cached("UPDATE jobs SET name = ?2, name_fold = ?3 WHERE seq = ?1")
            .and_then(|mut s| s.execute(params![seq, name, folded]));
        match renamed {
            Ok(_) => {
                run(grams_replace(c, tenant, seq, &folded))?;
                Ok(true)
            }
            // A failed statement leaves SQLite's transaction as it was.
            Err(e) if is_name_taken(&e) => Ok(false),
            Err(e) => Err(classify(e)),
        }
    }

    async fn job_update(&mut self, tenant: &Tenant, seq: i64, f: &JobFields) -> StoreResult<()> {
        let c = self.c();
        run((|| {
            set_column(c, seq, "description", f.description.as_deref())?;
            set_column(c, seq, "task_type", f.task_type.map(TaskType::as_str))?;
            set_column(c, seq, "net_type", f.net_type.as_deref())?;
            set_column(c, seq, "job_direction", f.job_direction.as_deref())?;
            let src = f.source_endpoint.as_ref().map(endpoint_json);
            let dst = f.target_endpoint.as_ref().map(endpoint_json);
            set_column(c, seq, "source_endpoint", src.as_deref())?;
            set_column(c, seq, "target_endpoint", dst.as_deref())?;
            if src.is_some() || dst.is_some() {
                write::job_instances_refresh(c, tenant, seq)?;
            }
            set_column(c, seq, "spec", f.spec.as_deref())?;
            c.prepare_cached("UPDATE jobs SET update_time = ?2 WHERE seq = ?1")?
                .execute(params![seq, f.update_time])?;
            Ok(())
        })())
    }

    async fn job_spec(&mut self, seq: i64) -> StoreResult<String> {
        run(self
            .c()
            .prepare_cached("SELECT spec FROM jobs WHERE seq = ?1")
            .and_then(|mut s| s.query_row([seq], |r| r.get(0))))
    }

    async fn job_endpoints(&mut self, seq: i64) -> StoreResult<JobEndpoints> {
        run(self
            .c()
            .prepare_cached(
                "SELECT source_endpoint, target_endpoint, job_direction FROM jobs WHERE seq = ?1",
            )
            .and_then(|mut s| {
                s.query_row([seq], |r| {
                    Ok(JobEndpoints {
                        source: serde_json::from_str(&r.get::<_, String>(0)?).unwrap_or_default(),
                        target: serde_json::from_str(&r.get::<_, String>(1)?).unwrap_or_default(),
                        job_direction: r.get(2)?,
                    })
                })
            }))
    }

    async fn job_tenant(&mut self, seq: i64) -> StoreResult<Tenant> {
        run(self
            .c()
            .prepare_cached(
                "SELECT p.id, p.key FROM jobs j JOIN projects p ON p.key = j.project_key
                  WHERE j.seq = ?1",
            )
            .and_then(|mut s| {
                s.query_row([seq], |r| {
                    Ok(Tenant::new(r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                })
            }))
    }

    async fn job_set_running(&mut self, seq: i64, step: Option<Step>) -> StoreResult<()> {
        // Only a change is written: an unchanged row keeps the project's version (and pages).
        run(self
            .c()
            .prepare_cached(
                "UPDATE jobs SET running_step = ?2 WHERE seq = ?1 AND running_step IS NOT ?2",
            )
            .and_then(|mut s| s.execute(params![seq, step.map(Step::as_str)]))
            .map(drop))
    }

    async fn workflow_read(&mut self, seq: i64) -> StoreResult<Option<WorkflowText>> {
        run(self
            .c()
            .prepare_cached(
                "SELECT objects, speed_limit, connections, precheck, switchover
                   FROM job_workflow WHERE job_seq = ?1",
            )
            .and_then(|mut s| {
                s.query_row([seq], |r| {
                    Ok(WorkflowText {
                        objects: r.get(0)?,
                        speed_limit: r.get(1)?,
                        connections: r.get(2)?,
                        precheck: r.get(3)?,
                        switchover: r.get(4)?,
                    })
                })
                .optional()
            }))
    }

    async fn workflow_write(&mut self, seq: i64, w: &WorkflowText) -> StoreResult<()> {
        run(self
            .c()
            .prepare_cached(
                "INSERT INTO job_workflow (job_seq, objects, speed_limit, connections, precheck, switchover)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (job_seq) DO UPDATE SET objects = excluded.objects,
                    speed_limit = excluded.speed_limit, connections = excluded.connections,
                    precheck = excluded.precheck, switchover = excluded.switchover",
            )
            .and_then(|mut s| {
                s.execute(params![
                    seq,
                    w.objects,
                    w.speed_limit,
                    w.connections,
                    w.precheck,
                    w.switchover
                ])
            })
            .map(drop))
    }

    async fn tags_of(&mut self, seq: i64) -> StoreResult<Vec<(String, String)>> {
        run(crate::tags::tags_of(self.c(), seq))
    }

    async fn tags_put(
        &mut self,
        tenant: &Tenant,
        seq: i64,
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        run(write::tags_put(self.c(), tenant, seq, tags))
    }

    async fn tags_remove(
        &mut self,
        seq: i64,
        tags: &[(String, Option<String>)],
    ) -> StoreResult<()> {
        let c = self.c();
        run((|| {
            let mut del = c.prepare_cached(
                "DELETE FROM job_tags WHERE job_seq = ?1 AND key = ?2 AND (?3 IS NULL OR value = ?3)",
            )?;
            for (k, v) in tags {
                del.execute(params![seq, k, v])?;
            }
            Ok(())
        })())
    }

    async fn transition_replace(&mut self, seq: i64, next: Option<&Scheduled>) -> StoreResult<()> {
        let c = self.c();
        run((|| {
            c.prepare_cached("DELETE FROM job_transitions WHERE job_seq = ?1")?
                .execute([seq])?;
            if let Some(s) = next {
                c.prepare_cached(
                    "INSERT INTO job_transitions (job_seq, from_status, to_status, step, due_at, scheduled_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    seq,
                    s.transition.from.as_str(),
                    s.transition.to.as_str(),
                    s.transition.step.as_str(),
                    s.due_at,
                    s.scheduled_at
                ])?;
            }
            Ok(())
        })())
    }

    async fn transition_pending(&mut self, seq: i64) -> StoreResult<Option<(String, String)>> {
        run(self
            .c()
            .prepare_cached("SELECT from_status, step FROM job_transitions WHERE job_seq = ?1")
            .and_then(|mut s| {
                s.query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            }))
    }

    async fn transition_retarget(&mut self, seq: i64, to: JobStatus) -> StoreResult<()> {
        run(self
            .c()
            .prepare_cached("UPDATE job_transitions SET to_status = ?2 WHERE job_seq = ?1")
            .and_then(|mut s| s.execute(params![seq, to.as_str()]))
            .map(drop))
    }

    async fn transitions_claim(&mut self, now: i64, limit: usize) -> StoreResult<Vec<Claimed>> {
        let c = self.c();
        run((|| {
            let due: Vec<Claimed> = c
                .prepare_cached(
                    "SELECT t.job_seq, t.from_status, t.to_status, t.step, t.due_at, j.id, j.status,
                            j.task_type
                       FROM job_transitions t JOIN jobs j ON j.seq = t.job_seq
                      WHERE t.due_at <= ?1 ORDER BY t.due_at, t.job_seq LIMIT ?2",
                )?
                .query_map(params![now, limit as i64], |r| {
                    Ok(Claimed {
                        seq: r.get(0)?,
                        from: r.get(1)?,
                        to: r.get(2)?,
                        step: r.get(3)?,
                        due_at: r.get(4)?,
                        job_id: r.get(5)?,
                        status: r.get(6)?,
                        task_type: r.get(7)?,
                    })
                })?
                .collect::<R<_>>()?;
            let mut del = c.prepare_cached("DELETE FROM job_transitions WHERE job_seq = ?1")?;
            for d in &due {
                del.execute([d.seq])?;
            }
            Ok(due)
        })())
    }

    async fn transitions_next_due(&mut self) -> StoreResult<Option<i64>> {
        run(self
            .c()
            .prepare_cached("SELECT min(due_at) FROM job_transitions")
            .and_then(|mut s| s.query_row([], |r| r.get(0))))
    }

    async fn deleted_purge(&mut self, cutoff: i64, limit: usize) -> StoreResult<usize> {
        run(purge(self.c(), cutoff, limit))
    }

    async fn audit_append(&mut self, record: &AuditRecord) -> StoreResult<()> {
        run(audit::insert(self.c(), record))
    }
}

#[cfg(test)]
mod tests;
