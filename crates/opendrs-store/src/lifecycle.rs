//! The job lifecycle in SQLite: batch writes (create, start, pause, resume/retry, modify,
//! terminate, delete) and the executor's transitions, each applied in ONE write transaction
//! together with its events, its follow-up transition and its audit record. The decisions are
//! the core state machine's (`opendrs_core::lifecycle`); this module only makes them durable.

use crate::{audit, grams, write};
use opendrs_core::{
    audit::{AuditRecord, Outcome},
    caller::Tenant,
    enums::{JobStatus, TaskType},
    executor::{ClockMode, ExecutorSettings, FailureInjection, RunReport},
    job::Job,
    lifecycle::{data_plane_next, decide, next_status, Due, JobState, Op, Step, Transition},
    ops::{ItemOutcome, JobSpec, Modification, NewJob, MAX_TAGS},
    query::fold,
    store::JobWrite,
    Error,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

/// The executor's clock: the wall clock, or the stored virtual clock (started at the wall
/// clock's time the first time it is read).
fn exec_now(conn: &Connection, mode: ClockMode, wall_ms: i64) -> rusqlite::Result<i64> {
    match mode {
        ClockMode::Wall => Ok(wall_ms),
        ClockMode::Virtual => {
            conn.prepare_cached(
                "INSERT INTO executor_clock (id, now_ms) VALUES (1, ?1) ON CONFLICT DO NOTHING",
            )?
            .execute([wall_ms])?;
            conn.prepare_cached("SELECT now_ms FROM executor_clock WHERE id = 1")?
                .query_row([], |r| r.get(0))
        }
    }
}

/// Moves the virtual clock forward; returns its new time.
pub fn clock_advance(conn: &mut Connection, ms: u64) -> rusqlite::Result<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = exec_now(&tx, ClockMode::Virtual, opendrs_core::clock::now_ms())?;
    let to = now.saturating_add(ms as i64);
    tx.execute("UPDATE executor_clock SET now_ms = ?1 WHERE id = 1", [to])?;
    tx.commit()?;
    Ok(to)
}

/// A new job ID in the original's shape (`e11eaf8f-71ef-4fad-8890-aed7572ajb11`).
fn new_job_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    let n = rand::random::<u16>() % 90 + 10;
    format!(
        "{}-{}-{}-{}-{}jb{n}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..28]
    )
}

/// Why and when a status changes.
struct Cause<'a> {
    /// Wall clock, ms.
    at: i64,
    /// Executor clock, ms (a deletion's time, for the retention purge).
    exec_at: i64,
    /// `user:<operation>` or `executor:<step>`.
    label: &'a str,
    request_id: Option<&'a str>,
    error_msg: Option<&'a str>,
}

impl<'a> Cause<'a> {
    /// A change made by the user write `w`.
    fn user(w: &'a JobWrite, exec_at: i64, label: &'a str) -> Self {
        Cause {
            at: w.now_ms,
            exec_at,
            label,
            request_id: Some(&w.actor.request_id),
            error_msg: None,
        }
    }
}

/// Records a status change of one job.
fn event(
    conn: &Connection,
    seq: i64,
    from: Option<JobStatus>,
    to: JobStatus,
    c: &Cause,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO job_events (job_seq, at, from_status, to_status, cause, request_id, error_msg)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        seq,
        c.at,
        from.map(JobStatus::as_str),
        to.as_str(),
        c.label,
        c.request_id,
        c.error_msg
    ])?;
    Ok(())
}

/// Sets a job's status (clearing or setting its `error_msg`), with its event.
fn set_status(
    conn: &Connection,
    seq: i64,
    from: JobStatus,
    to: JobStatus,
    c: &Cause,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE jobs SET status = ?2, update_time = ?3, error_msg = ?4,
                deleted_at = CASE WHEN ?2 = 'DELETED' THEN ?5 ELSE NULL END
          WHERE seq = ?1",
    )?
    .execute(params![seq, to.as_str(), c.at, c.error_msg, c.exec_at])?;
    event(conn, seq, Some(from), to, c)
}

/// (seq, status) of a job's children.
fn children(conn: &Connection, parent: i64) -> rusqlite::Result<Vec<(i64, JobStatus)>> {
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

/// Replaces the job's pending transition (if any) with `next`, due at `due_at`.
fn schedule(
    conn: &Connection,
    seq: i64,
    next: Option<(Transition, i64)>,
    exec_now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM job_transitions WHERE job_seq = ?1")?
        .execute([seq])?;
    if let Some((t, due_at)) = next {
        conn.prepare_cached(
            "INSERT INTO job_transitions (job_seq, from_status, to_status, step, due_at, scheduled_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            seq,
            t.from.as_str(),
            t.to.as_str(),
            t.step.as_str(),
            due_at,
            exec_now
        ])?;
    }
    Ok(())
}

fn due_at(settings: &ExecutorSettings, exec_now: i64, t: &Transition, due: Due) -> i64 {
    match due {
        Due::AfterStep => exec_now.saturating_add(settings.timings.of(t.step) as i64),
        Due::At(at) => at,
    }
}

/// Applies a batch write; see `Store::job_write`.
pub fn job_write(
    conn: &mut Connection,
    tenant: &Tenant,
    w: &JobWrite,
) -> rusqlite::Result<Vec<ItemOutcome>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exec = exec_now(&tx, w.settings.clock, w.now_ms)?;
    let mut outcomes = Vec::with_capacity(w.items.len());
    for item in &w.items {
        outcomes.push(match item {
            opendrs_core::ops::WriteItem::Rejected { id, name, error } => ItemOutcome::Failed {
                id: id.clone(),
                name: name.clone(),
                error: error.clone(),
            },
            opendrs_core::ops::WriteItem::Create(job) => create(&tx, tenant, job, w, exec)?,
            opendrs_core::ops::WriteItem::Act {
                job_id,
                op,
                modification,
            } => act(&tx, tenant, job_id, op, modification.as_deref(), w, exec)?,
        });
    }
    audit::insert(&tx, &audit_record(tenant, w, &outcomes))?;
    tx.commit()?;
    Ok(outcomes)
}

fn audit_record(tenant: &Tenant, w: &JobWrite, outcomes: &[ItemOutcome]) -> AuditRecord {
    let detail: serde_json::Map<String, serde_json::Value> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            o.error_code().map(|c| {
                let key = o.job_id().map_or_else(|| format!("#{i}"), str::to_string);
                (key, serde_json::Value::from(c))
            })
        })
        .collect();
    AuditRecord {
        at_ms: w.now_ms,
        project_id: tenant.project_id().to_string(),
        user_id: w.actor.user_id.clone(),
        action: w.operation.to_string(),
        job_ids: outcomes
            .iter()
            .filter_map(|o| o.job_id().map(str::to_string))
            .collect(),
        request_id: w.actor.request_id.clone(),
        outcome: Outcome::of_items(outcomes.iter().map(ItemOutcome::error_code)),
        detail: serde_json::Value::Object(detail).to_string(),
    }
}

fn failed(id: Option<&str>, name: Option<&str>, error: Error) -> ItemOutcome {
    ItemOutcome::Failed {
        id: id.map(str::to_string),
        name: name.map(str::to_string),
        error,
    }
}

fn name_taken(
    conn: &Connection,
    tenant: &Tenant,
    name: &str,
    except: Option<i64>,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM jobs WHERE project_key = ?1 AND name = ?2 AND status <> 'DELETED'
            AND seq IS NOT ?3 LIMIT 1",
    )?
    .query_row(params![tenant.key(), name, except], |_| Ok(()))
    .optional()
    .map(|found| found.is_some())
}

fn create(
    conn: &Connection,
    tenant: &Tenant,
    new: &NewJob,
    w: &JobWrite,
    exec: i64,
) -> rusqlite::Result<ItemOutcome> {
    let name = Some(new.name.as_str());
    let ep = &new.enterprise_project_id;
    if w.visible_eps.as_ref().is_some_and(|eps| !eps.contains(ep)) {
        return Ok(failed(None, name, Error::Forbidden));
    }
    let ep_known = ep == "0"
        || conn
            .prepare_cached("SELECT 1 FROM enterprise_projects WHERE project_key = ?1 AND id = ?2")?
            .query_row(params![tenant.key(), ep], |_| Ok(()))
            .optional()?
            .is_some();
    if !ep_known {
        return Ok(failed(None, name, Error::invalid("sys_tags")));
    }
    if name_taken(conn, tenant, &new.name, None)? {
        return Ok(failed(None, name, Error::NameTaken));
    }
    let job = Job {
        id: new_job_id(),
        name: new.name.clone(),
        status: JobStatus::Creating,
        description: new.description.clone(),
        create_time_ms: w.now_ms,
        engine_type: new.engine_type.clone(),
        net_type: new.net_type,
        billing_tag: false,
        job_direction: new.job_direction,
        db_use_type: new.db_use_type,
        task_type: new.task_type,
        node_new_framework: true,
        error_msg: None,
        enterprise_project_id: ep.clone(),
        tags: new.tags.clone(),
        source_endpoint: new.source_endpoint.clone(),
        target_endpoint: new.target_endpoint.clone(),
        children: Vec::new(),
    };
    let seq = write::job_insert(conn, tenant, &job, None)?;
    let spec = serde_json::to_string(&new.spec).unwrap_or_else(|_| "{}".into());
    conn.prepare_cached("UPDATE jobs SET spec = ?2 WHERE seq = ?1")?
        .execute(params![seq, spec])?;
    let label = format!("user:{}", w.operation);
    event(
        conn,
        seq,
        None,
        JobStatus::Creating,
        &Cause::user(w, exec, &label),
    )?;
    let next = data_plane_next(JobStatus::Creating, new.task_type)
        .map(|t| (t, due_at(&w.settings, exec, &t, Due::AfterStep)));
    schedule(conn, seq, next, exec)?;
    Ok(ItemOutcome::Created {
        id: job.id,
        name: job.name,
        status: JobStatus::Creating,
        create_time_ms: w.now_ms,
    })
}

/// What `act` reads of a job.
struct Row {
    seq: i64,
    status: JobStatus,
    task_type: TaskType,
    enterprise_project_id: String,
    is_child: bool,
    db_use_type: String,
    engine_type: String,
}

fn find(conn: &Connection, tenant: &Tenant, id: &str) -> rusqlite::Result<Option<Row>> {
    let row = conn
        .prepare_cached(
            "SELECT seq, status, task_type, enterprise_project_id, parent_seq IS NOT NULL,
                    db_use_type, engine_type
               FROM jobs WHERE project_key = ?1 AND id = ?2",
        )?
        .query_row(params![tenant.key(), id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?;
    Ok(
        row.and_then(|(seq, status, task, ep, is_child, use_type, engine)| {
            Some(Row {
                seq,
                status: JobStatus::parse(&status)?,
                task_type: TaskType::parse(&task)?,
                enterprise_project_id: ep,
                is_child,
                db_use_type: use_type,
                engine_type: engine,
            })
        }),
    )
}

/// The status a paused job was paused in, from its history.
fn paused_from(conn: &Connection, seq: i64) -> rusqlite::Result<Option<JobStatus>> {
    let from: Option<Option<String>> = conn
        .prepare_cached(
            "SELECT from_status FROM job_events WHERE job_seq = ?1 AND to_status = 'PAUSING'
              ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([seq], |r| r.get(0))
        .optional()?;
    Ok(from.flatten().as_deref().and_then(JobStatus::parse))
}

#[allow(clippy::too_many_arguments)]
fn act(
    conn: &Connection,
    tenant: &Tenant,
    job_id: &str,
    op: &Op,
    modification: Option<&Modification>,
    w: &JobWrite,
    exec: i64,
) -> rusqlite::Result<ItemOutcome> {
    let id = Some(job_id);
    let Some(row) = find(conn, tenant, job_id)? else {
        return Ok(failed(id, None, Error::JobNotFound));
    };
    if w.visible_eps
        .as_ref()
        .is_some_and(|eps| !eps.contains(&row.enterprise_project_id))
    {
        return Ok(failed(id, None, Error::JobNotFound));
    }
    if row.is_child {
        return Ok(failed(id, None, Error::ChildJob));
    }
    let state = JobState {
        status: row.status,
        task_type: row.task_type,
        paused_from: if row.status == JobStatus::Pausing {
            paused_from(conn, row.seq)?
        } else {
            None
        },
    };
    let decision = match decide(state, op, exec) {
        Ok(d) => d,
        Err(e) => return Ok(failed(id, None, e)),
    };
    if let Some(m) = modification {
        if let Err(e) = modify(conn, tenant, &row, m, w.now_ms)? {
            return Ok(failed(id, None, e));
        }
    }
    if decision.to != row.status {
        let label = format!("user:{}", w.operation);
        let cause = Cause::user(w, exec, &label);
        set_status(conn, row.seq, row.status, decision.to, &cause)?;
        // Children follow their parent wherever their own status allows the same action.
        for (child, status) in children(conn, row.seq)? {
            if let Some(to) = next_status(status, decision.action) {
                set_status(conn, child, status, to, &cause)?;
            }
        }
        let next = decision
            .schedule
            .map(|(t, due)| (t, due_at(&w.settings, exec, &t, due)));
        schedule(conn, row.seq, next, exec)?;
    }
    Ok(ItemOutcome::Applied {
        id: job_id.to_string(),
        status: decision.to,
    })
}

/// Applies a modification's fields. The outer `Result` is the database's; the inner one is the
/// item's answer.
fn modify(
    conn: &Connection,
    tenant: &Tenant,
    row: &Row,
    m: &Modification,
    now: i64,
) -> rusqlite::Result<Result<(), Error>> {
    if m.db_use_type.is_some_and(|d| d.as_str() != row.db_use_type) {
        return Ok(Err(Error::invalid("db_use_type")));
    }
    if m.engine_type
        .as_ref()
        .is_some_and(|e| *e != row.engine_type)
    {
        return Ok(Err(Error::invalid("engine_type")));
    }
    if let Some(name) = &m.name {
        if name_taken(conn, tenant, name, Some(row.seq))? {
            return Ok(Err(Error::NameTaken));
        }
    }
    if !m.tags.is_empty() {
        let mut keys: Vec<String> = conn
            .prepare_cached("SELECT key FROM job_tags WHERE job_seq = ?1")?
            .query_map([row.seq], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        keys.extend(m.tags.iter().map(|(k, _)| k.clone()));
        keys.sort();
        keys.dedup();
        if keys.len() > MAX_TAGS {
            return Ok(Err(Error::TooManyTags { max: MAX_TAGS }));
        }
    }
    if let Some(name) = &m.name {
        let folded = fold(name);
        conn.prepare_cached("UPDATE jobs SET name = ?2, name_fold = ?3 WHERE seq = ?1")?
            .execute(params![row.seq, name, folded])?;
        let db_use_type = opendrs_core::enums::DbUseType::parse(&row.db_use_type)
            .unwrap_or(opendrs_core::enums::DbUseType::Migration);
        conn.prepare_cached("DELETE FROM job_name_grams WHERE rowid = ?1")?
            .execute([row.seq])?;
        conn.prepare_cached("INSERT INTO job_name_grams (rowid, grams) VALUES (?1, ?2)")?
            .execute(params![
                row.seq,
                grams::document(
                    grams::Scope {
                        project_key: tenant.key(),
                        db_use_type
                    },
                    &folded
                )
            ])?;
    }
    if let Some(d) = &m.description {
        conn.prepare_cached("UPDATE jobs SET description = ?2 WHERE seq = ?1")?
            .execute(params![row.seq, d])?;
    }
    let mut tag = conn.prepare_cached(
        "INSERT INTO job_tags (job_seq, project_key, key, value) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET value = excluded.value",
    )?;
    for (k, v) in &m.tags {
        tag.execute(params![row.seq, tenant.key(), k, v])?;
    }
    let set = |col: &str, v: Option<&str>| -> rusqlite::Result<()> {
        if let Some(v) = v {
            conn.execute(
                &format!("UPDATE jobs SET {col} = ?2 WHERE seq = ?1"),
                params![row.seq, v],
            )?;
        }
        Ok(())
    };
    set("task_type", m.task_type.map(|t| t.as_str()))?;
    if let Some(task_type) = m.task_type.filter(|t| *t != row.task_type) {
        retarget(conn, row.seq, task_type)?;
    }
    set("net_type", m.net_type.map(|t| t.as_str()))?;
    set("job_direction", m.job_direction.map(|t| t.as_str()))?;
    if m.source_endpoint.is_some() || m.target_endpoint.is_some() {
        for (col, ep) in [
            ("source_endpoint", &m.source_endpoint),
            ("target_endpoint", &m.target_endpoint),
        ] {
            if let Some(ep) = ep {
                set(
                    col,
                    Some(&serde_json::to_string(ep).unwrap_or_else(|_| "{}".into())),
                )?;
            }
        }
        write::job_instances_refresh(conn, tenant, row.seq)?;
    }
    if m.node_type.is_some() || m.is_target_readonly.is_some() || m.alarm_notify.is_some() {
        let spec: String = conn
            .prepare_cached("SELECT spec FROM jobs WHERE seq = ?1")?
            .query_row([row.seq], |r| r.get(0))?;
        let mut spec: JobSpec = serde_json::from_str(&spec).unwrap_or_default();
        if let Some(t) = &m.node_type {
            spec.node_type = Some(t.clone());
        }
        if let Some(r) = m.is_target_readonly {
            spec.is_target_readonly = Some(r);
        }
        if let Some(a) = &m.alarm_notify {
            spec.alarm_notify = Some(a.clone());
        }
        let spec = serde_json::to_string(&spec).unwrap_or_else(|_| "{}".into());
        conn.prepare_cached("UPDATE jobs SET spec = ?2 WHERE seq = ?1")?
            .execute(params![row.seq, spec])?;
    }
    conn.prepare_cached("UPDATE jobs SET update_time = ?2 WHERE seq = ?1")?
        .execute(params![row.seq, now])?;
    Ok(Ok(()))
}

/// After a task-type change, points the job's pending data-plane step where the new type
/// leads (a full-only task completes instead of going incremental, and so on); its due time stays.
fn retarget(conn: &Connection, seq: i64, task_type: TaskType) -> rusqlite::Result<()> {
    let pending: Option<(String, String)> = conn
        .prepare_cached("SELECT from_status, step FROM job_transitions WHERE job_seq = ?1")?
        .query_row([seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((from, step)) = pending else {
        return Ok(());
    };
    if matches!(Step::parse(&step), Some(Step::Start | Step::FullTransfer)) {
        if let Some(t) = JobStatus::parse(&from).and_then(|f| data_plane_next(f, task_type)) {
            conn.prepare_cached("UPDATE job_transitions SET to_status = ?2 WHERE job_seq = ?1")?
                .execute(params![seq, t.to.as_str()])?;
        }
    }
    Ok(())
}

/// How many earlier runs of `step` a job has had (for deterministic failure injection).
fn attempts(conn: &Connection, seq: i64, step: Step) -> rusqlite::Result<u64> {
    conn.prepare_cached("SELECT count(*) FROM job_events WHERE job_seq = ?1 AND cause = ?2")?
        .query_row(params![seq, format!("executor:{}", step.as_str())], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n as u64)
}

/// A due transition with what its job is now.
struct DueRow {
    seq: i64,
    from: String,
    to: String,
    step: String,
    due_at: i64,
    id: String,
    status: String,
    task_type: String,
}

/// Applies due transitions and purges expired deleted jobs; see `Store::transitions_run`.
pub fn transitions_run(
    conn: &mut Connection,
    settings: &ExecutorSettings,
) -> rusqlite::Result<RunReport> {
    let wall = opendrs_core::clock::now_ms();
    if let Some(idle) = idle_report(conn, settings, wall)? {
        return Ok(idle);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exec = exec_now(&tx, settings.clock, wall)?;
    let due: Vec<DueRow> = tx
        .prepare_cached(
            "SELECT t.job_seq, t.from_status, t.to_status, t.step, t.due_at, j.id, j.status, j.task_type
               FROM job_transitions t JOIN jobs j ON j.seq = t.job_seq
              WHERE t.due_at <= ?1 ORDER BY t.due_at, t.job_seq LIMIT ?2",
        )?
        .query_map(params![exec, settings.batch.max(1) as i64], |r| {
            Ok(DueRow {
                seq: r.get(0)?,
                from: r.get(1)?,
                to: r.get(2)?,
                step: r.get(3)?,
                due_at: r.get(4)?,
                id: r.get(5)?,
                status: r.get(6)?,
                task_type: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut report = RunReport::default();
    for row in due {
        let (seq, due_at, id) = (row.seq, row.due_at, &row.id);
        tx.prepare_cached("DELETE FROM job_transitions WHERE job_seq = ?1")?
            .execute([seq])?;
        let parsed = (
            JobStatus::parse(&row.from),
            JobStatus::parse(&row.to),
            Step::parse(&row.step),
            JobStatus::parse(&row.status),
            TaskType::parse(&row.task_type),
        );
        let (Some(from), Some(to), Some(step), Some(status), Some(task)) = parsed else {
            tracing::warn!(job = %id, "dropping an unreadable transition");
            continue;
        };
        if status != from {
            // The job moved on (a user acted) since this was scheduled.
            continue;
        }
        let attempt = attempts(&tx, seq, step)?;
        let failure = step
            .failure()
            .filter(|_| settings.failures.fails(id, step, attempt));
        let (reached, error_msg) = match failure {
            Some(failed) => (failed, Some(FailureInjection::message(step))),
            None => (to, None),
        };
        let label = format!("executor:{}", step.as_str());
        let cause = Cause {
            at: wall,
            exec_at: exec,
            label: &label,
            request_id: None,
            error_msg,
        };
        set_status(&tx, seq, from, reached, &cause)?;
        for (child, child_status) in children(&tx, seq)? {
            if child_status == from {
                set_status(&tx, child, from, reached, &cause)?;
            }
        }
        if failure.is_none() {
            // Chained from the due time, not from now: after a pause of the executor (or a jump
            // of the virtual clock) every step that would have happened meanwhile happens.
            let next = data_plane_next(reached, task)
                .map(|t| (t, due_at.saturating_add(settings.timings.of(t.step) as i64)));
            schedule(&tx, seq, next, exec)?;
        }
        report.applied += 1;
    }
    report.purged = purge(
        &tx,
        exec.saturating_sub(settings.deleted_retention_ms as i64),
    )?;
    report.next_due = tx
        .prepare_cached("SELECT min(due_at) FROM job_transitions")?
        .query_row([], |r| r.get(0))?;
    tx.commit()?;
    Ok(report)
}

/// Without taking the write lock: `Some(report)` when nothing is due and nothing is to be
/// purged (the common case of an idle executor), `None` when there is work.
fn idle_report(
    conn: &Connection,
    settings: &ExecutorSettings,
    wall: i64,
) -> rusqlite::Result<Option<RunReport>> {
    let exec = match settings.clock {
        ClockMode::Wall => wall,
        ClockMode::Virtual => {
            let stored: Option<i64> = conn
                .prepare_cached("SELECT now_ms FROM executor_clock WHERE id = 1")?
                .query_row([], |r| r.get(0))
                .optional()?;
            match stored {
                Some(now) => now,
                None => return Ok(None),
            }
        }
    };
    let next_due: Option<i64> = conn
        .prepare_cached("SELECT min(due_at) FROM job_transitions")?
        .query_row([], |r| r.get(0))?;
    let cutoff = exec.saturating_sub(settings.deleted_retention_ms as i64);
    let purgeable = conn
        .prepare_cached("SELECT 1 FROM jobs WHERE deleted_at < ?1 LIMIT 1")?
        .query_row([cutoff], |_| Ok(()))
        .optional()?
        .is_some();
    let due = next_due.is_some_and(|d| d <= exec);
    Ok((!due && !purgeable).then_some(RunReport {
        next_due,
        ..RunReport::default()
    }))
}

/// Removes top-level jobs deleted before `cutoff` (executor clock), with their children.
fn purge(conn: &Connection, cutoff: i64) -> rusqlite::Result<usize> {
    let seqs: Vec<i64> = conn
        .prepare_cached(
            "SELECT seq FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < ?1
                AND parent_seq IS NULL LIMIT 100",
        )?
        .query_map([cutoff], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for seq in &seqs {
        let kids: Vec<i64> = conn
            .prepare_cached("SELECT seq FROM jobs WHERE parent_seq = ?1")?
            .query_map([seq], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
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

#[cfg(test)]
mod tests;
