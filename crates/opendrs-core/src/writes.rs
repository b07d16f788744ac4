//! Every write's domain procedure, run inside ONE transaction of any backend through the
//! primitives of [`JobTx`]: batch writes (create, start, pause, resume/retry, modify, terminate,
//! delete) with their events, follow-up transition and audit record; the executor's transitions
//! and the retention purge; tag writes; the virtual clock; the histories of seeded jobs
//! (`history.rs`). The backend only stores.

use crate::{
    audit::{AuditRecord, Outcome},
    caller::Tenant,
    enums::{DbUseType, JobStatus},
    executor::{ClockMode, ExecutorSettings, FailureInjection, RunReport},
    job::Job,
    lifecycle::{
        data_plane_next, decide, next_status, Action, Due, JobState, Op, Step, Transition,
    },
    ops::{ItemOutcome, JobSpec, Modification, NewJob, Payload, WriteItem, MAX_TAGS},
    quota::QuotaGate,
    store::{
        transact, EventCause, ExecutorPeek, JobFields, JobRow, JobTx, JobWrite, Scheduled,
        StatusChange, Store, StoreResult,
    },
    tags::{TagChange, TagWrite, TagWriteResult},
    workflow::WorkflowState,
    Error,
};

mod history;
mod workflow;

pub use history::{history_seed, Seeded};

/// Applies a batch write item by item (each item's outcome in order) and records it in the
/// audit trail, all in one transaction: acknowledged means durable.
pub async fn job_write<S: Store + ?Sized>(
    store: &S,
    tenant: &Tenant,
    write: JobWrite,
) -> StoreResult<Vec<ItemOutcome>> {
    let tenant = tenant.clone();
    transact(store, move |tx| {
        Box::pin(async move { job_write_in(tx, &tenant, &write).await })
    })
    .await
}

/// Applies the data-plane transitions that are due (at most `settings.batch`) and purges
/// deleted jobs past their retention, in one transaction: a transition is applied exactly once
/// even with several executors, and a crash loses none. Takes no write lock when idle.
pub async fn transitions_run<S: Store + ?Sized>(
    store: &S,
    settings: &ExecutorSettings,
) -> StoreResult<RunReport> {
    let wall = crate::clock::now_ms();
    if let Some(idle) = idle(store.executor_peek().await?, settings, wall) {
        return Ok(idle);
    }
    let settings = *settings;
    transact(store, move |tx| {
        Box::pin(async move { transitions_run_in(tx, &settings, wall).await })
    })
    .await
}

/// Moves the virtual executor clock forward by `ms`; returns its new time.
pub async fn clock_advance<S: Store + ?Sized>(store: &S, ms: u64) -> StoreResult<i64> {
    transact(store, move |tx| {
        Box::pin(async move {
            let now = tx.clock_read(crate::clock::now_ms()).await?;
            let to = now.saturating_add(ms.min(i64::MAX as u64) as i64);
            tx.clock_set(to).await?;
            Ok(to)
        })
    })
    .await
}

/// Applies a tag write to the job if its scope admits it (children included) and the job stays
/// within the tag limit, and commits its audit record in the same transaction, whatever the result.
pub async fn tag_write<S: Store + ?Sized>(
    store: &S,
    tenant: &Tenant,
    write: &TagWrite,
) -> StoreResult<TagWriteResult> {
    let (tenant, write) = (tenant.clone(), write.clone());
    transact(store, move |tx| {
        Box::pin(async move {
            let result = tag_apply(tx, &tenant, &write).await?;
            tx.audit_append(&write.audit_record(result)).await?;
            Ok(result)
        })
    })
    .await
}

/// Commits one audit record on its own (a refused write).
pub async fn audit_append<S: Store + ?Sized>(store: &S, record: AuditRecord) -> StoreResult<()> {
    transact(store, move |tx| {
        Box::pin(async move { tx.audit_append(&record).await })
    })
    .await
}

// --- batch writes ---------------------------------------------------------------------------

/// The executor's clock now: the wall clock, or the stored virtual clock (started at the wall
/// clock's time the first time it is read).
async fn exec_now(tx: &mut dyn JobTx, mode: ClockMode, wall_ms: i64) -> StoreResult<i64> {
    match mode {
        ClockMode::Wall => Ok(wall_ms),
        ClockMode::Virtual => tx.clock_read(wall_ms).await,
    }
}

async fn job_write_in(
    tx: &mut dyn JobTx,
    tenant: &Tenant,
    w: &JobWrite,
) -> StoreResult<Vec<ItemOutcome>> {
    let exec = exec_now(tx, w.settings.clock, w.now_ms).await?;
    let mut ids: Vec<String> = w
        .items
        .iter()
        .filter_map(|i| match i {
            WriteItem::Act { job_id, .. } => Some(job_id.clone()),
            _ => None,
        })
        .collect();
    if !ids.is_empty() {
        ids.sort();
        ids.dedup();
        tx.jobs_lock(tenant, &ids).await?;
    }
    // Rejections first (they write nothing); then the items in order, creations run by run.
    let mut outcomes: Vec<Option<ItemOutcome>> = w
        .items
        .iter()
        .map(|item| match item {
            WriteItem::Rejected { id, name, error } => Some(ItemOutcome::Failed {
                id: id.clone(),
                name: name.clone(),
                error: error.clone(),
            }),
            _ => None,
        })
        .collect();
    // Taken at the first creation: the project's quota lock and count, for the whole call.
    let mut gate: Option<QuotaGate> = None;
    let mut i = 0;
    while i < w.items.len() {
        match &w.items[i] {
            WriteItem::Rejected { .. } => i += 1,
            WriteItem::Act {
                job_id,
                op,
                payload,
            } => {
                outcomes[i] = Some(act(tx, tenant, job_id, op, payload.as_deref(), w, exec).await?);
                i += 1;
            }
            WriteItem::Create(_) => {
                // The run of creations from here (rejections among them keep their places) is
                // inserted together.
                let end = w.items[i..]
                    .iter()
                    .position(|item| matches!(item, WriteItem::Act { .. }))
                    .map_or(w.items.len(), |p| i + p);
                let news: Vec<(usize, &NewJob)> = (i..end)
                    .filter_map(|k| match &w.items[k] {
                        WriteItem::Create(new) => Some((k, new.as_ref())),
                        _ => None,
                    })
                    .collect();
                let mut g = match gate {
                    Some(g) => g,
                    None => QuotaGate::new(tx.quota_lock(tenant).await?, w.default_quota),
                };
                for (k, outcome) in create_all(tx, tenant, &news, w, exec, &mut g).await? {
                    outcomes[k] = Some(outcome);
                }
                gate = Some(g);
                i = end;
            }
        }
    }
    let outcomes: Vec<ItemOutcome> = outcomes.into_iter().flatten().collect();
    if outcomes.len() != w.items.len() {
        return Err(crate::store::StoreError::other(
            "a batch write left an item without an outcome",
        ));
    }
    tx.audit_append(&audit_record(tenant, w, &outcomes)).await?;
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

/// A new job ID in the original's shape (`e11eaf8f-71ef-4fad-8890-aed7572ajb11`).
pub fn new_job_id() -> String {
    let hex = hex::encode(rand::random::<[u8; 14]>());
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

fn due_at(settings: &ExecutorSettings, exec_now: i64, t: &Transition, due: Due) -> i64 {
    match due {
        Due::AfterStep => exec_now.saturating_add(settings.timings.of(t.step) as i64),
        Due::At(at) => at,
    }
}

fn scheduled(t: Transition, due_at: i64, exec_now: i64) -> Scheduled {
    Scheduled {
        transition: t,
        due_at,
        scheduled_at: exec_now,
    }
}

/// Replaces the job's pending step with `next` and records which status-keeping step (if
/// any) is now running: the two never disagree.
async fn schedule(tx: &mut dyn JobTx, seq: i64, next: Option<&Scheduled>) -> StoreResult<()> {
    tx.transition_replace(seq, next).await?;
    let running = next
        .map(|s| s.transition.step)
        .filter(|step| step.keeps_status());
    tx.job_set_running(seq, running).await
}

/// Creates `news` (in item order, `(item index, job)`): admitted in order while the quota has
/// room, checked, inserted together, then given their workflow, first event and first step.
/// The outcome of each, as one item after another would have had it: a job whose name is
/// taken does not use the quota, so the jobs refused for the quota behind it get another round.
async fn create_all(
    tx: &mut dyn JobTx,
    tenant: &Tenant,
    news: &[(usize, &NewJob)],
    w: &JobWrite,
    exec: i64,
    gate: &mut QuotaGate,
) -> StoreResult<Vec<(usize, ItemOutcome)>> {
    let mut out = Vec::with_capacity(news.len());
    let mut pending = news;
    while !pending.is_empty() {
        let mut room = gate.room();
        let mut admitted: Vec<(usize, Job, String)> = Vec::new();
        let mut rest = pending.len();
        for (p, (k, new)) in pending.iter().enumerate() {
            if room == 0 {
                rest = p;
                break;
            }
            let name = Some(new.name.as_str());
            let ep = &new.enterprise_project_id;
            if w.visible_eps.as_ref().is_some_and(|eps| !eps.contains(ep)) {
                out.push((*k, failed(None, name, Error::Forbidden)));
                continue;
            }
            if ep != "0" && !tx.enterprise_project_exists(tenant, ep).await? {
                let field = w.dialect.enterprise_project_field();
                out.push((*k, failed(None, name, Error::invalid(field))));
                continue;
            }
            let spec = serde_json::to_string(&new.spec).unwrap_or_else(|_| "{}".into());
            admitted.push((*k, new_job(new, w), spec));
            room -= 1;
        }
        pending = &pending[rest..];
        if admitted.is_empty() {
            break;
        }
        let rows: Vec<(&Job, &str)> = admitted.iter().map(|(_, j, s)| (j, s.as_str())).collect();
        let seqs = tx.jobs_insert_new(tenant, &rows).await?;
        let mut taken = false;
        for ((k, job, _), seq) in admitted.iter().zip(seqs) {
            let Some(seq) = seq else {
                taken = true;
                out.push((*k, failed(None, Some(&job.name), Error::NameTaken)));
                continue;
            };
            gate.count();
            created(tx, seq, job, w, exec).await?;
            out.push((
                *k,
                ItemOutcome::Created {
                    id: job.id.clone(),
                    name: job.name.clone(),
                    status: JobStatus::Creating,
                    create_time_ms: w.now_ms,
                },
            ));
        }
        if !taken {
            break;
        }
    }
    // What is left was refused for the quota (the loop stops early only when it is full).
    for (k, new) in pending {
        let refused = Error::QuotaExceeded {
            quota: gate.quota(),
        };
        out.push((*k, failed(None, Some(&new.name), refused)));
    }
    Ok(out)
}

/// The job a creation inserts.
fn new_job(new: &NewJob, w: &JobWrite) -> Job {
    Job {
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
        enterprise_project_id: new.enterprise_project_id.clone(),
        charging_mode: new.charging_mode(),
        // A standby zone makes a primary/standby pair (v3 names both zones or neither).
        is_multi_az: new.spec.slave_az.is_some(),
        tags: new.tags.clone(),
        source_endpoint: new.source_endpoint.clone(),
        target_endpoint: new.target_endpoint.clone(),
        children: Vec::new(),
        running: None,
    }
}

/// What follows a job's insert: its workflow (it starts only after a passed precheck), its
/// first event and its first step.
async fn created(
    tx: &mut dyn JobTx,
    seq: i64,
    job: &Job,
    w: &JobWrite,
    exec: i64,
) -> StoreResult<()> {
    tx.workflow_write(seq, &WorkflowState::created().to_text())
        .await?;
    let label = format!("user:{}", w.operation);
    let cause = user_cause(w, &label);
    tx.event_append(seq, None, JobStatus::Creating, &cause)
        .await?;
    if let Some(t) = data_plane_next(JobStatus::Creating, job.task_type) {
        let at = due_at(&w.settings, exec, &t, Due::AfterStep);
        schedule(tx, seq, Some(&scheduled(t, at, exec))).await?;
    }
    Ok(())
}

fn user_cause<'a>(w: &'a JobWrite, label: &'a str) -> EventCause<'a> {
    EventCause {
        at: w.now_ms,
        label,
        request_id: Some(&w.actor.request_id),
        error_msg: None,
    }
}

/// Sets a job's status (it is `from`, the caller holds its lock) with its history entry.
async fn set_status(
    tx: &mut dyn JobTx,
    seq: i64,
    from: JobStatus,
    to: JobStatus,
    cause: &EventCause<'_>,
    exec_at: i64,
) -> StoreResult<bool> {
    let change = StatusChange {
        from,
        to,
        at: cause.at,
        exec_at,
        error_msg: cause.error_msg,
    };
    if !tx.job_set_status(seq, &change).await? {
        return Ok(false);
    }
    tx.event_append(seq, Some(from), to, cause).await?;
    Ok(true)
}

#[allow(clippy::too_many_arguments)]
async fn act(
    tx: &mut dyn JobTx,
    tenant: &Tenant,
    job_id: &str,
    op: &Op,
    payload: Option<&Payload>,
    w: &JobWrite,
    exec: i64,
) -> StoreResult<ItemOutcome> {
    let id = Some(job_id);
    let Some(row) = tx.job_lock(tenant, job_id).await? else {
        return Ok(failed(id, None, w.dialect.of(Error::JobNotFound)));
    };
    if w.visible_eps
        .as_ref()
        .is_some_and(|eps| !eps.contains(&row.enterprise_project_id))
    {
        return Ok(failed(id, None, w.dialect.of(Error::JobNotFound)));
    }
    // The caller may see the job: its answers name it.
    let name = Some(row.name.as_str());
    if row.is_child {
        return Ok(failed(id, name, Error::ChildJob));
    }
    let paused_from = if row.status == JobStatus::Pausing {
        tx.event_last_from(row.seq, JobStatus::Pausing).await?
    } else {
        None
    };
    let flow = if workflow::needs_state(op) {
        workflow::read(tx, row.seq).await?
    } else {
        None
    };
    let multi_write = if matches!(op, Op::Switchover { .. }) {
        let spec: JobSpec = serde_json::from_str(&tx.job_spec(row.seq).await?).unwrap_or_default();
        spec.multi_write == Some(true)
    } else {
        false
    };
    let state = JobState {
        status: row.status,
        task_type: row.task_type,
        paused_from,
        scenario: DbUseType::parse(&row.db_use_type).unwrap_or(DbUseType::Migration),
        multi_write,
        running: row.running,
        precheck: workflow::gate(op, flow.as_ref()),
    };
    let decision = match decide(state, op, exec) {
        Ok(d) => d,
        Err(e) => return Ok(failed(id, name, w.dialect.of(e))),
    };
    if let Some(Payload::Modify(m)) = payload {
        if let Err(e) = modify(tx, tenant, &row, m, w.now_ms).await? {
            return Ok(failed(id, name, e));
        }
        if m.is_configuration() {
            workflow::invalidate_precheck(tx, &row, flow.clone()).await?;
        }
    }
    if decision.action == Action::Retry {
        workflow::use_retry_check(tx, row.seq, flow.clone()).await?;
    }
    let name = match payload {
        Some(Payload::Modify(m)) => m.name.clone(),
        _ => None,
    };
    let mut outcome = ItemOutcome::Applied {
        id: job_id.to_string(),
        name: name.unwrap_or_else(|| row.name.clone()),
        status: decision.to,
    };
    if workflow::is_workflow(op) {
        match workflow::apply(tx, &row, op, payload, flow, &decision, w, exec).await? {
            Err(e) => return Ok(failed(id, None, e)),
            Ok(Some(o)) => outcome = o,
            Ok(None) => {}
        }
    }
    if decision.to != row.status {
        let label = format!("user:{}", w.operation);
        let cause = user_cause(w, &label);
        set_status(tx, row.seq, row.status, decision.to, &cause, exec).await?;
        // Children follow their parent wherever their own status allows the same action.
        for (child, status) in tx.job_children(row.seq).await? {
            if let Some(to) = next_status(status, decision.action) {
                set_status(tx, child, status, to, &cause, exec).await?;
            }
        }
        let next = decision
            .schedule
            .map(|(t, due)| scheduled(t, due_at(&w.settings, exec, &t, due), exec));
        schedule(tx, row.seq, next.as_ref()).await?;
    } else if let Some((t, due)) = decision.schedule.filter(|(t, _)| t.step.keeps_status()) {
        // A status-keeping step (a precheck, a switchover) starts; any other pending step stays.
        let next = scheduled(t, due_at(&w.settings, exec, &t, due), exec);
        schedule(tx, row.seq, Some(&next)).await?;
    }
    Ok(outcome)
}

/// Applies a modification's fields. The outer `Result` is the store's; the inner one is the
/// item's answer (nothing is written when it is an error).
async fn modify(
    tx: &mut dyn JobTx,
    tenant: &Tenant,
    row: &JobRow,
    m: &Modification,
    now: i64,
) -> StoreResult<Result<(), Error>> {
    if m.db_use_type.is_some_and(|d| d.as_str() != row.db_use_type) {
        return Ok(Err(Error::invalid("db_use_type")));
    }
    if m.engine_type
        .as_ref()
        .is_some_and(|e| *e != row.engine_type)
    {
        return Ok(Err(Error::invalid("engine_type")));
    }
    if !m.tags.is_empty() {
        let mut keys: Vec<String> = tx
            .tags_of(row.seq)
            .await?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        keys.extend(m.tags.iter().map(|(k, _)| k.clone()));
        keys.sort();
        keys.dedup();
        if keys.len() > MAX_TAGS {
            return Ok(Err(Error::TooManyTags { max: MAX_TAGS }));
        }
    }
    // The rename goes first: it is the one change the schema may refuse (a taken name).
    if let Some(name) = &m.name {
        if !tx.job_rename(tenant, row.seq, name).await? {
            return Ok(Err(Error::NameTaken));
        }
    }
    if !m.tags.is_empty() {
        tx.tags_put(tenant, row.seq, &m.tags).await?;
    }
    let spec = if m.node_type.is_some()
        || m.is_target_readonly.is_some()
        || m.alarm_notify.is_some()
        || m.expired_days.is_some()
    {
        let mut spec: JobSpec =
            serde_json::from_str(&tx.job_spec(row.seq).await?).unwrap_or_default();
        if let Some(t) = &m.node_type {
            spec.node_type = Some(t.clone());
        }
        if let Some(r) = m.is_target_readonly {
            spec.is_target_readonly = Some(r);
        }
        if let Some(a) = &m.alarm_notify {
            spec.alarm_notify = Some(a.clone());
        }
        if let Some(d) = &m.expired_days {
            spec.expired_days = Some(d.clone());
        }
        Some(serde_json::to_string(&spec).unwrap_or_else(|_| "{}".into()))
    } else {
        None
    };
    let fields = JobFields {
        description: m.description.clone(),
        task_type: m.task_type,
        net_type: m.net_type.map(|t| t.as_str().to_string()),
        job_direction: m.job_direction.map(|t| t.as_str().to_string()),
        source_endpoint: m.source_endpoint.clone(),
        target_endpoint: m.target_endpoint.clone(),
        spec,
        update_time: now,
    };
    tx.job_update(tenant, row.seq, &fields).await?;
    if let Some(task_type) = m.task_type.filter(|t| *t != row.task_type) {
        retarget(tx, row.seq, task_type).await?;
    }
    Ok(Ok(()))
}

/// After a task-type change, points the job's pending data-plane step where the new type
/// leads (a full-only task completes instead of going incremental, and so on); its due time stays.
async fn retarget(
    tx: &mut dyn JobTx,
    seq: i64,
    task_type: crate::enums::TaskType,
) -> StoreResult<()> {
    let Some((from, step)) = tx.transition_pending(seq).await? else {
        return Ok(());
    };
    if matches!(Step::parse(&step), Some(Step::Start | Step::FullTransfer)) {
        if let Some(t) = JobStatus::parse(&from).and_then(|f| data_plane_next(f, task_type)) {
            tx.transition_retarget(seq, t.to).await?;
        }
    }
    Ok(())
}

// --- the executor ---------------------------------------------------------------------------

/// `Some(report)` when nothing is due and nothing is to be purged (an idle executor takes no
/// write lock), `None` when there is work.
fn idle(peek: ExecutorPeek, settings: &ExecutorSettings, wall: i64) -> Option<RunReport> {
    let exec = match settings.clock {
        ClockMode::Wall => wall,
        ClockMode::Virtual => peek.virtual_now?,
    };
    let cutoff = exec.saturating_sub(settings.deleted_retention_ms as i64);
    let due = peek.next_due.is_some_and(|d| d <= exec);
    let purgeable = peek.oldest_deleted.is_some_and(|d| d < cutoff);
    (!due && !purgeable).then_some(RunReport {
        next_due: peek.next_due,
        ..RunReport::default()
    })
}

async fn transitions_run_in(
    tx: &mut dyn JobTx,
    settings: &ExecutorSettings,
    wall: i64,
) -> StoreResult<RunReport> {
    let exec = exec_now(tx, settings.clock, wall).await?;
    let due = tx.transitions_claim(exec, settings.batch.max(1)).await?;
    let mut report = RunReport {
        due: due.len(),
        lag_ms: due.iter().map(|row| exec.saturating_sub(row.due_at)).max(),
        ..RunReport::default()
    };
    for row in due {
        let (seq, due_at, id) = (row.seq, row.due_at, &row.job_id);
        let parsed = (
            JobStatus::parse(&row.from),
            JobStatus::parse(&row.to),
            Step::parse(&row.step),
            JobStatus::parse(&row.status),
            crate::enums::TaskType::parse(&row.task_type),
        );
        let (Some(from), Some(to), Some(step), Some(status), Some(task)) = parsed else {
            tracing::warn!(job = %id, "dropping an unreadable transition");
            continue;
        };
        if status != from {
            // The job moved on (a user acted) since this was scheduled.
            continue;
        }
        if step.keeps_status() {
            workflow::complete(tx, seq, status, step, wall, due_at).await?;
            report.applied += 1;
            continue;
        }
        let label = format!("executor:{}", step.as_str());
        let attempt = tx.event_count(seq, &label).await?;
        let failure = step
            .failure()
            .filter(|_| settings.failures.fails(id, step, attempt));
        let (reached, error_msg) = match failure {
            Some(failed) => (failed, Some(FailureInjection::message(step))),
            None => (to, None),
        };
        let cause = EventCause {
            at: wall,
            label: &label,
            request_id: None,
            error_msg,
        };
        if !set_status(tx, seq, from, reached, &cause, due_at).await? {
            continue;
        }
        for (child, child_status) in tx.job_children(seq).await? {
            if child_status == from {
                set_status(tx, child, from, reached, &cause, due_at).await?;
            }
        }
        if failure.is_none() {
            // Chained from the due time, not from now: after a pause of the executor (or a jump
            // of the virtual clock) every step that would have happened meanwhile happens.
            if let Some(t) = data_plane_next(reached, task) {
                let at = due_at.saturating_add(settings.timings.of(t.step) as i64);
                // The next step began when this one was due.
                schedule(tx, seq, Some(&scheduled(t, at, due_at))).await?;
            }
        }
        report.applied += 1;
    }
    let cutoff = exec.saturating_sub(settings.deleted_retention_ms as i64);
    report.purged = tx.deleted_purge(cutoff, 100).await?;
    report.next_due = tx.transitions_next_due().await?;
    Ok(report)
}

// --- tags -----------------------------------------------------------------------------------

async fn tag_apply(
    tx: &mut dyn JobTx,
    tenant: &Tenant,
    w: &TagWrite,
) -> StoreResult<TagWriteResult> {
    let Some(row) = tx.job_lock(tenant, &w.job_id).await? else {
        return Ok(TagWriteResult::JobNotFound);
    };
    if !w.scope.admits(
        &row.db_use_type,
        row.status.as_str(),
        &row.enterprise_project_id,
    ) {
        return Ok(TagWriteResult::JobNotFound);
    }
    match &w.change {
        TagChange::Create(tags) => {
            let existing: Vec<String> = tx
                .tags_of(row.seq)
                .await?
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            if w.overflows(&existing) {
                return Ok(TagWriteResult::TooManyTags);
            }
            tx.tags_put(tenant, row.seq, tags).await?;
        }
        TagChange::Delete(tags) => tx.tags_remove(row.seq, tags).await?,
    }
    Ok(TagWriteResult::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_job_id_has_the_originals_shape() {
        let id = new_job_id();
        assert_eq!(id.len(), 36, "{id}");
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert_eq!(&parts[4][8..10], "jb");
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-' || c == 'j' || c == 'b'));
        assert_ne!(new_job_id(), id);
    }

    fn peek(
        next_due: Option<i64>,
        virtual_now: Option<i64>,
        oldest_deleted: Option<i64>,
    ) -> ExecutorPeek {
        ExecutorPeek {
            next_due,
            virtual_now,
            oldest_deleted,
        }
    }

    #[test]
    fn an_executor_with_nothing_due_or_expired_is_idle() {
        let s = ExecutorSettings {
            deleted_retention_ms: 1_000,
            ..ExecutorSettings::default()
        };
        assert!(idle(peek(None, None, None), &s, 10_000).is_some());
        assert_eq!(
            idle(peek(Some(20_000), None, None), &s, 10_000).and_then(|r| r.next_due),
            Some(20_000)
        );
        assert!(
            idle(peek(Some(10_000), None, None), &s, 10_000).is_none(),
            "due now"
        );
        assert!(
            idle(peek(None, None, Some(8_999)), &s, 10_000).is_none(),
            "expired"
        );
        assert!(
            idle(peek(None, None, Some(9_000)), &s, 10_000).is_some(),
            "within retention"
        );
    }

    #[test]
    fn a_virtual_clock_never_started_is_not_idle() {
        let s = ExecutorSettings {
            clock: ClockMode::Virtual,
            ..ExecutorSettings::default()
        };
        assert!(idle(peek(None, None, None), &s, 0).is_none());
        assert!(idle(peek(Some(5), Some(4), None), &s, 0).is_some());
    }
}
