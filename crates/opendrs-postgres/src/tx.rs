//! [`JobTx`] on PostgreSQL: the write primitives inside ONE transaction (read committed).
//!
//! Locking: a job's lock is the row lock of its top-level job (a child's lock is its
//! parent's), taken `FOR UPDATE` in `seq` order by `jobs_lock`. The executor claims due
//! transitions with `FOR UPDATE OF t, j SKIP LOCKED` and purges with `SKIP LOCKED`, so it never
//! waits for a user's write, and a user's write waits for it only until it commits: no cycle.

use crate::{
    error::{classify, corrupt},
    rows::get,
};
use deadpool_postgres::Transaction;
use opendrs_core::{
    audit::AuditRecord,
    caller::Tenant,
    enums::{JobStatus, TaskType},
    job::{Endpoint, Job},
    lifecycle::Step,
    query::fold,
    store::{
        Claimed, EventCause, JobEndpoints, JobFields, JobRow, JobTx, Scheduled, StatusChange,
        StoreResult,
    },
    workflow::state::WorkflowText,
};
use tokio_postgres::{types::ToSql, Row};

/// One write transaction.
pub struct PgTx<'a> {
    pub tx: Transaction<'a>,
    /// Writes nothing in this transaction reads back before [`PgTx::flush`]: history events,
    /// transition replacements, audit records, running steps and workflow states, sent as one
    /// statement each instead of one round trip per item. With the jobs' multi-row insert, a
    /// creation of 10 jobs sends 11 statements under the project's lock instead of 51.
    pending: Pending,
}

/// A held-back history event: (job_seq, at, from, to, cause, request_id, error_msg).
type PendingEvent = (
    i64,
    i64,
    Option<&'static str>,
    &'static str,
    String,
    Option<String>,
    Option<String>,
);

/// Writes held back until the next primitive that could read them, or the commit.
#[derive(Default)]
struct Pending {
    /// In order.
    events: Vec<PendingEvent>,
    /// Replacements in order (the last one of a job wins).
    transitions: Vec<(i64, Option<Scheduled>)>,
    audits: Vec<AuditRecord>,
    /// `jobs.running_step` changes in order (the last one of a job wins). They commute with
    /// every other write to the row (none reads or sets that column), so only the reads of it
    /// (`job_lock`, the executor's claim) flush them.
    running: Vec<(i64, Option<&'static str>)>,
    /// Workflow states in order (the last one of a job wins); `workflow_read` flushes them.
    workflows: Vec<(i64, WorkflowText)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.transitions.is_empty()
            && self.audits.is_empty()
            && self.running.is_empty()
            && self.workflows.is_empty()
    }
}

/// The last entry of each job, first-seen order of the survivors reversed (order among
/// different jobs does not matter to a set-based statement).
fn last_per_job<T>(items: Vec<(i64, T)>) -> Vec<(i64, T)> {
    let mut last: Vec<(i64, T)> = Vec::with_capacity(items.len());
    for (seq, item) in items.into_iter().rev() {
        if !last.iter().any(|(s, _)| *s == seq) {
            last.push((seq, item));
        }
    }
    last
}

impl<'a> PgTx<'a> {
    /// A transaction with nothing held back.
    pub fn new(tx: Transaction<'a>) -> Self {
        PgTx {
            tx,
            pending: Pending::default(),
        }
    }

    /// Sends the held-back writes. Called before every primitive that reads what they write,
    /// and by the store before it commits.
    pub async fn flush(&mut self) -> StoreResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let p = std::mem::take(&mut self.pending);
        if !p.events.is_empty() {
            let n = p.events.len();
            let (mut seq, mut at, mut from, mut to, mut cause, mut req, mut err) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            for e in p.events {
                seq.push(e.0);
                at.push(e.1);
                from.push(e.2);
                to.push(e.3);
                cause.push(e.4);
                req.push(e.5);
                err.push(e.6);
            }
            // WITH ORDINALITY ... ORDER BY: the events get their seqs in the order they happened.
            self.execute(
                "INSERT INTO job_events (job_seq, at, from_status, to_status, cause, request_id, error_msg)
                 SELECT s, a, f, t, c, r, e
                   FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                               $6::text[], $7::text[]) WITH ORDINALITY AS u(s, a, f, t, c, r, e, n)
                  ORDER BY n",
                &[&seq, &at, &from, &to, &cause, &req, &err],
            )
            .await?;
        }
        if !p.transitions.is_empty() {
            let last = last_per_job(p.transitions);
            let gone: Vec<i64> = last
                .iter()
                .filter(|(_, n)| n.is_none())
                .map(|(s, _)| *s)
                .collect();
            if !gone.is_empty() {
                self.execute(
                    "DELETE FROM job_transitions WHERE job_seq = ANY($1)",
                    &[&gone],
                )
                .await?;
            }
            let set: Vec<(i64, Scheduled)> = last
                .into_iter()
                .filter_map(|(s, n)| n.map(|n| (s, n)))
                .collect();
            if !set.is_empty() {
                let seqs: Vec<i64> = set.iter().map(|(s, _)| *s).collect();
                let from: Vec<&str> = set
                    .iter()
                    .map(|(_, n)| n.transition.from.as_str())
                    .collect();
                let to: Vec<&str> = set.iter().map(|(_, n)| n.transition.to.as_str()).collect();
                let step: Vec<&str> = set
                    .iter()
                    .map(|(_, n)| n.transition.step.as_str())
                    .collect();
                let due: Vec<i64> = set.iter().map(|(_, n)| n.due_at).collect();
                let at: Vec<i64> = set.iter().map(|(_, n)| n.scheduled_at).collect();
                self.execute(
                    "INSERT INTO job_transitions (job_seq, from_status, to_status, step, due_at, scheduled_at)
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[],
                                          $5::bigint[], $6::bigint[])
                     ON CONFLICT (job_seq) DO UPDATE SET from_status = EXCLUDED.from_status,
                        to_status = EXCLUDED.to_status, step = EXCLUDED.step,
                        due_at = EXCLUDED.due_at, scheduled_at = EXCLUDED.scheduled_at",
                    &[&seqs, &from, &to, &step, &due, &at],
                )
                .await?;
            }
        }
        if !p.running.is_empty() {
            let (seqs, steps): (Vec<i64>, Vec<Option<&str>>) =
                last_per_job(p.running).into_iter().unzip();
            // Only a change is written: an unchanged row keeps the project's version (and pages).
            self.execute(
                "UPDATE jobs j SET running_step = u.s
                   FROM unnest($1::bigint[], $2::text[]) AS u(seq, s)
                  WHERE j.seq = u.seq AND j.running_step IS DISTINCT FROM u.s",
                &[&seqs, &steps],
            )
            .await?;
        }
        if !p.workflows.is_empty() {
            let last = last_per_job(p.workflows);
            let seqs: Vec<i64> = last.iter().map(|(s, _)| *s).collect();
            let column = |f: fn(&WorkflowText) -> &Option<String>| -> Vec<Option<&str>> {
                last.iter().map(|(_, w)| f(w).as_deref()).collect()
            };
            self.execute(
                "INSERT INTO job_workflow (job_seq, objects, speed_limit, connections, precheck, switchover)
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],
                                      $6::text[])
                 ON CONFLICT (job_seq) DO UPDATE SET objects = excluded.objects,
                    speed_limit = excluded.speed_limit, connections = excluded.connections,
                    precheck = excluded.precheck, switchover = excluded.switchover",
                &[
                    &seqs,
                    &column(|w| &w.objects),
                    &column(|w| &w.speed_limit),
                    &column(|w| &w.connections),
                    &column(|w| &w.precheck),
                    &column(|w| &w.switchover),
                ],
            )
            .await?;
        }
        for r in &p.audits {
            let ids = serde_json::to_string(&r.job_ids).unwrap_or_else(|_| "[]".into());
            self.execute(
                "INSERT INTO audit_log (at, project_id, user_id, action, job_ids, request_id, outcome, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &r.at_ms,
                    &r.project_id,
                    &r.user_id,
                    &r.action,
                    &ids,
                    &r.request_id,
                    &r.outcome.as_str(),
                    &r.detail,
                ],
            )
            .await?;
        }
        Ok(())
    }

    async fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let stmt = self.tx.prepare_cached(sql).await.map_err(classify)?;
        self.tx.query(&stmt, params).await.map_err(classify)
    }

    async fn query_opt(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Option<Row>> {
        let stmt = self.tx.prepare_cached(sql).await.map_err(classify)?;
        self.tx.query_opt(&stmt, params).await.map_err(classify)
    }

    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<u64> {
        let stmt = self.tx.prepare_cached(sql).await.map_err(classify)?;
        self.tx.execute(&stmt, params).await.map_err(classify)
    }
}

/// Inserts jobs of one project as they are, with their tags and instances, in a few
/// statements per batch (arrays unnested); children follow their parents. Returns the seqs of
/// `jobs`, in order. A name taken among live top-level jobs is a unique violation.
pub async fn jobs_insert_batch(
    tx: &Transaction<'_>,
    tenant: &Tenant,
    jobs: &[&Job],
    parents: &[Option<i64>],
    spec: &str,
) -> StoreResult<Vec<i64>> {
    let rows: Vec<(&Job, &str)> = jobs.iter().map(|j| (*j, spec)).collect();
    let seqs = insert_jobs(tx, tenant, &rows, parents, OnNameTaken::Fail).await?;
    seqs.into_iter()
        .zip(jobs)
        .map(|(seq, job)| seq.ok_or_else(|| corrupt(format!("job {} was not inserted", job.id))))
        .collect()
}

/// What a multi-row insert does with a row whose name a live top-level job has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnNameTaken {
    /// The statement fails (a unique violation).
    Fail,
    /// The row is left out (`None` in its place).
    Skip,
}

/// `jobs` rows from arrays, in the order given (`parents` in the same order).
const INSERT_JOBS: &str = "INSERT INTO jobs (project_key, id, parent_seq, name, name_fold, status,
        db_use_type, engine_type, net_type, job_direction, task_type, description, error_msg,
        billing_tag, node_new_framework, enterprise_project_id, create_time, update_time,
        source_endpoint, target_endpoint, spec, name_grams, charging_mode, is_multi_az)
     SELECT $1, u.id, u.parent, u.name, u.name_fold, u.status, u.db_use_type, u.engine_type,
            u.net_type, u.job_direction, u.task_type, u.description, u.error_msg, u.billing,
            u.framework, u.ep, u.t, u.t, u.src, u.dst, u.spec,
            opendrs_name_grams($1, u.db_use_type, u.name_fold), u.pay, u.multi_az
       FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                   $14::bool[], $15::bool[], $16::text[], $17::bigint[], $18::text[], $19::text[],
                   $20::text[], $21::text[], $22::bool[])
            WITH ORDINALITY
         AS u(id, parent, name, name_fold, status, db_use_type, engine_type, net_type,
              job_direction, task_type, description, error_msg, billing, framework, ep, t,
              src, dst, spec, pay, multi_az, n)
      ORDER BY u.n";

/// Inserts `rows` (a job and its creation settings) of one project in order, then the tags and
/// instances of those inserted: three statements whatever their number. The seq of each row,
/// `None` for one left out by `on_taken`.
async fn insert_jobs(
    tx: &Transaction<'_>,
    tenant: &Tenant,
    rows: &[(&Job, &str)],
    parents: &[Option<i64>],
    on_taken: OnNameTaken,
) -> StoreResult<Vec<Option<i64>>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let n = rows.len();
    let mut cols: [Vec<String>; 15] = Default::default();
    let (mut times, mut errors, mut billing, mut framework, mut multi_az) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for (job, spec) in rows {
        let values = [
            job.id.clone(),
            job.name.clone(),
            fold(&job.name),
            job.status.as_str().to_string(),
            job.db_use_type.as_str().to_string(),
            job.engine_type.clone(),
            job.net_type.as_str().to_string(),
            job.job_direction.as_str().to_string(),
            job.task_type.as_str().to_string(),
            job.description.clone(),
            job.enterprise_project_id.clone(),
            serde_json::to_string(&job.source_endpoint).unwrap_or_else(|_| "{}".into()),
            serde_json::to_string(&job.target_endpoint).unwrap_or_else(|_| "{}".into()),
            (*spec).to_string(),
            job.charging_mode.as_str().to_string(),
        ];
        for (col, v) in cols.iter_mut().zip(values) {
            col.push(v);
        }
        times.push(job.create_time_ms);
        errors.push(job.error_msg.clone());
        billing.push(job.billing_tag);
        framework.push(job.node_new_framework);
        multi_az.push(job.is_multi_az);
    }
    let parents: Vec<Option<i64>> = parents.to_vec();
    let sql = match on_taken {
        OnNameTaken::Fail => format!("{INSERT_JOBS} RETURNING seq, id"),
        OnNameTaken::Skip => format!(
            "{INSERT_JOBS} ON CONFLICT (project_key, name) WHERE parent_seq IS NULL AND status <> 'DELETED'
             DO NOTHING RETURNING seq, id"
        ),
    };
    let stmt = tx.prepare_cached(&sql).await.map_err(classify)?;
    let [ids, names, folds, statuses, uses, engines, nets, dirs, tasks, descs, eps, srcs, dsts, specs, pays] =
        &cols;
    let inserted = tx
        .query(
            &stmt,
            &[
                &tenant.key(),
                ids,
                &parents,
                names,
                folds,
                statuses,
                uses,
                engines,
                nets,
                dirs,
                tasks,
                descs,
                &errors,
                &billing,
                &framework,
                eps,
                &times,
                srcs,
                dsts,
                specs,
                pays,
                &multi_az,
            ],
        )
        .await
        .map_err(classify)?;
    let mut by_id = std::collections::HashMap::with_capacity(inserted.len());
    for r in &inserted {
        by_id.insert(get::<String>(r, 1)?, get::<i64>(r, 0)?);
    }
    let seqs: Vec<Option<i64>> = ids.iter().map(|id| by_id.get(id).copied()).collect();
    // Tags (the last value of a repeated key wins, as one upsert after another would) and
    // instances of the jobs inserted.
    let (mut tag_seq, mut tag_key, mut tag_value) = (Vec::new(), Vec::new(), Vec::new());
    let (mut inst_seq, mut inst_kind, mut inst_value) = (Vec::new(), Vec::new(), Vec::new());
    for ((job, _), seq) in rows.iter().zip(&seqs) {
        let Some(seq) = *seq else { continue };
        let first = tag_key.len();
        for (k, v) in &job.tags {
            match tag_key[first..].iter().position(|t: &String| t == k) {
                Some(i) => tag_value[first + i] = v.clone(),
                None => {
                    tag_seq.push(seq);
                    tag_key.push(k.clone());
                    tag_value.push(v.clone());
                }
            }
        }
        for (kind, value) in instances(&job.source_endpoint, &job.target_endpoint) {
            inst_seq.push(seq);
            inst_kind.push(kind.to_string());
            inst_value.push(value);
        }
    }
    if !tag_seq.is_empty() {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO job_tags (job_seq, project_key, key, value)
                 SELECT s, $1, k, v FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(s, k, v)
                 ON CONFLICT (job_seq, key) DO NOTHING",
            )
            .await
            .map_err(classify)?;
        tx.execute(&stmt, &[&tenant.key(), &tag_seq, &tag_key, &tag_value])
            .await
            .map_err(classify)?;
    }
    if !inst_seq.is_empty() {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO job_instances (project_key, kind, value, job_seq)
                 SELECT $1, k, v, s FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(s, k, v)
                 ON CONFLICT DO NOTHING",
            )
            .await
            .map_err(classify)?;
        tx.execute(&stmt, &[&tenant.key(), &inst_seq, &inst_kind, &inst_value])
            .await
            .map_err(classify)?;
    }
    Ok(seqs)
}

/// The instance IDs and IPs of two endpoints, for the instance filters.
fn instances(src: &Endpoint, dst: &Endpoint) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for ep in [src, dst] {
        if let Some(id) = &ep.inst_id {
            out.push(("id", id.clone()));
        }
        if let Some(ip) = &ep.ip {
            out.push(("ip", ip.clone()));
        }
    }
    out
}

#[async_trait::async_trait]
impl JobTx for PgTx<'_> {
    async fn clock_read(&mut self, start_ms: i64) -> StoreResult<i64> {
        self.execute(
            "INSERT INTO executor_clock (id, now_ms) VALUES (1, $1) ON CONFLICT DO NOTHING",
            &[&start_ms],
        )
        .await?;
        let row = self
            .query_opt("SELECT now_ms FROM executor_clock WHERE id = 1", &[])
            .await?
            .ok_or_else(|| corrupt("the executor clock row is missing"))?;
        get(&row, 0)
    }

    async fn clock_set(&mut self, now_ms: i64) -> StoreResult<()> {
        self.execute(
            "INSERT INTO executor_clock (id, now_ms) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET now_ms = EXCLUDED.now_ms",
            &[&now_ms],
        )
        .await?;
        Ok(())
    }

    async fn enterprise_project_exists(&mut self, tenant: &Tenant, id: &str) -> StoreResult<bool> {
        if id.contains('\0') {
            return Ok(false);
        }
        Ok(self
            .query_opt(
                "SELECT 1 FROM enterprise_projects WHERE project_key = $1 AND id = $2",
                &[&tenant.key(), &id],
            )
            .await?
            .is_some())
    }

    async fn quota_lock(
        &mut self,
        tenant: &Tenant,
    ) -> StoreResult<opendrs_core::quota::QuotaUsage> {
        let key = tenant.key();
        self.execute(crate::quota::ENSURE, &[&key]).await?;
        let locked = self.query_opt(crate::quota::LOCK, &[&key]).await?;
        let instances = crate::quota::instances(locked.as_ref(), 0)?;
        let row = self
            .query_opt(&crate::quota::used_sql(), &[&key])
            .await?
            .ok_or_else(|| corrupt("the job count returned no row"))?;
        Ok(opendrs_core::quota::QuotaUsage {
            instances,
            used: crate::quota::used(&row, 0)?,
        })
    }

    async fn jobs_insert_new(
        &mut self,
        tenant: &Tenant,
        jobs: &[(&Job, &str)],
    ) -> StoreResult<Vec<Option<i64>>> {
        let parents = vec![None; jobs.len()];
        insert_jobs(&self.tx, tenant, jobs, &parents, OnNameTaken::Skip).await
    }

    async fn jobs_lock(&mut self, tenant: &Tenant, ids: &[String]) -> StoreResult<()> {
        let ids: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|i| !i.contains('\0'))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        // The lock of a child is its parent's; a fixed order: two writers cannot deadlock.
        self.query(
            "SELECT seq FROM jobs WHERE seq IN (
                 SELECT coalesce(parent_seq, seq) FROM jobs WHERE project_key = $1 AND id = ANY($2))
              ORDER BY seq FOR UPDATE",
            &[&tenant.key(), &ids],
        )
        .await?;
        Ok(())
    }

    async fn job_lock(&mut self, tenant: &Tenant, id: &str) -> StoreResult<Option<JobRow>> {
        if id.contains('\0') {
            return Ok(None);
        }
        self.flush().await?;
        let Some(found) = self
            .query_opt(
                "SELECT seq, parent_seq FROM jobs WHERE project_key = $1 AND id = $2",
                &[&tenant.key(), &id],
            )
            .await?
        else {
            return Ok(None);
        };
        let seq: i64 = get(&found, 0)?;
        let parent: Option<i64> = get(&found, 1)?;
        const FIELDS: &str = "SELECT seq, id, status, task_type, db_use_type, engine_type,
                enterprise_project_id, parent_seq IS NOT NULL, name, running_step
                FROM jobs WHERE seq = $1";
        let row = match parent {
            None => {
                self.query_opt(&format!("{FIELDS} FOR UPDATE"), &[&seq])
                    .await?
            }
            Some(p) => {
                if self
                    .query_opt("SELECT 1 FROM jobs WHERE seq = $1 FOR UPDATE", &[&p])
                    .await?
                    .is_none()
                {
                    return Ok(None);
                }
                self.query_opt(FIELDS, &[&seq]).await?
            }
        };
        let Some(r) = row else {
            return Ok(None);
        };
        let (Some(status), Some(task_type)) =
            (JobStatus::parse(get(&r, 2)?), TaskType::parse(get(&r, 3)?))
        else {
            return Ok(None);
        };
        Ok(Some(JobRow {
            seq: get(&r, 0)?,
            id: get(&r, 1)?,
            name: get(&r, 8)?,
            status,
            task_type,
            db_use_type: get(&r, 4)?,
            engine_type: get(&r, 5)?,
            enterprise_project_id: get(&r, 6)?,
            is_child: get(&r, 7)?,
            running: get::<Option<&str>>(&r, 9)?.and_then(Step::parse),
        }))
    }

    async fn job_children(&mut self, parent: i64) -> StoreResult<Vec<(i64, JobStatus)>> {
        let rows = self
            .query(
                "SELECT seq, status FROM jobs WHERE parent_seq = $1
                  ORDER BY create_time DESC, id DESC",
                &[&parent],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            if let Some(s) = JobStatus::parse(get(r, 1)?) {
                out.push((get(r, 0)?, s));
            }
        }
        Ok(out)
    }

    async fn job_set_status(&mut self, seq: i64, change: &StatusChange<'_>) -> StoreResult<bool> {
        let n = self
            .execute(
                "UPDATE jobs SET status = $2, update_time = $4, error_msg = $5, status_since = $6,
                        deleted_at = CASE WHEN $2 = 'DELETED' THEN $6::bigint ELSE NULL END
                  WHERE seq = $1 AND status = $3",
                &[
                    &seq,
                    &change.to.as_str(),
                    &change.from.as_str(),
                    &change.at,
                    &change.error_msg,
                    &change.exec_at,
                ],
            )
            .await?;
        Ok(n > 0)
    }

    async fn event_append(
        &mut self,
        seq: i64,
        from: Option<JobStatus>,
        to: JobStatus,
        cause: &EventCause<'_>,
    ) -> StoreResult<()> {
        self.pending.events.push((
            seq,
            cause.at,
            from.map(JobStatus::as_str),
            to.as_str(),
            cause.label.to_string(),
            cause.request_id.map(str::to_string),
            cause.error_msg.map(str::to_string),
        ));
        Ok(())
    }

    async fn event_last_from(&mut self, seq: i64, to: JobStatus) -> StoreResult<Option<JobStatus>> {
        self.flush().await?;
        let row = self
            .query_opt(
                "SELECT from_status FROM job_events WHERE job_seq = $1 AND to_status = $2
                  ORDER BY seq DESC LIMIT 1",
                &[&seq, &to.as_str()],
            )
            .await?;
        Ok(match row {
            Some(r) => get::<Option<&str>>(&r, 0)?.and_then(JobStatus::parse),
            None => None,
        })
    }

    async fn event_count(&mut self, seq: i64, label: &str) -> StoreResult<u64> {
        self.flush().await?;
        let row = self
            .query_opt(
                "SELECT count(*) FROM job_events WHERE job_seq = $1 AND cause = $2",
                &[&seq, &label],
            )
            .await?
            .ok_or_else(|| corrupt("count returned no row"))?;
        Ok(get::<i64>(&row, 0)?.max(0) as u64)
    }

    async fn job_rename(&mut self, _tenant: &Tenant, seq: i64, name: &str) -> StoreResult<bool> {
        if name.contains('\0') {
            return Ok(false);
        }
        // A failed statement aborts a PostgreSQL transaction: the rename runs in a savepoint.
        let sp = self.tx.savepoint("job_rename").await.map_err(classify)?;
        let stmt = sp
            .prepare_cached(
                "UPDATE jobs SET name = $2, name_fold = $3,
                        name_grams = opendrs_name_grams(project_key, db_use_type, $3) WHERE seq = $1",
            )
            .await
            .map_err(classify)?;
        match sp.execute(&stmt, &[&seq, &name, &fold(name)]).await {
            Ok(_) => {
                sp.commit().await.map_err(classify)?;
                Ok(true)
            }
            Err(e) if e.code().is_some_and(|c| c.code() == "23505") => {
                sp.rollback().await.map_err(classify)?;
                Ok(false)
            }
            Err(e) => Err(classify(e)),
        }
    }

    async fn job_update(&mut self, tenant: &Tenant, seq: i64, f: &JobFields) -> StoreResult<()> {
        let src = f
            .source_endpoint
            .as_ref()
            .map(|e| serde_json::to_string(e).unwrap_or_else(|_| "{}".into()));
        let dst = f
            .target_endpoint
            .as_ref()
            .map(|e| serde_json::to_string(e).unwrap_or_else(|_| "{}".into()));
        self.execute(
            "UPDATE jobs SET description = coalesce($2, description),
                    task_type = coalesce($3, task_type), net_type = coalesce($4, net_type),
                    job_direction = coalesce($5, job_direction),
                    source_endpoint = coalesce($6, source_endpoint),
                    target_endpoint = coalesce($7, target_endpoint),
                    spec = coalesce($8, spec), update_time = $9
              WHERE seq = $1",
            &[
                &seq,
                &f.description,
                &f.task_type.map(|t| t.as_str()),
                &f.net_type,
                &f.job_direction,
                &src,
                &dst,
                &f.spec,
                &f.update_time,
            ],
        )
        .await?;
        if src.is_some() || dst.is_some() {
            self.execute("DELETE FROM job_instances WHERE job_seq = $1", &[&seq])
                .await?;
            let row = self
                .query_opt(
                    "SELECT source_endpoint, target_endpoint FROM jobs WHERE seq = $1",
                    &[&seq],
                )
                .await?
                .ok_or_else(|| corrupt("an updated job vanished"))?;
            let src: Endpoint = serde_json::from_str(get(&row, 0)?).unwrap_or_default();
            let dst: Endpoint = serde_json::from_str(get(&row, 1)?).unwrap_or_default();
            for (kind, value) in instances(&src, &dst) {
                self.execute(
                    "INSERT INTO job_instances (project_key, kind, value, job_seq) VALUES ($1, $2, $3, $4)
                     ON CONFLICT DO NOTHING",
                    &[&tenant.key(), &kind, &value, &seq],
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn job_spec(&mut self, seq: i64) -> StoreResult<String> {
        let row = self
            .query_opt("SELECT spec FROM jobs WHERE seq = $1", &[&seq])
            .await?
            .ok_or_else(|| corrupt("no such job"))?;
        get(&row, 0)
    }

    async fn job_endpoints(&mut self, seq: i64) -> StoreResult<JobEndpoints> {
        let row = self
            .query_opt(
                "SELECT source_endpoint, target_endpoint, job_direction FROM jobs WHERE seq = $1",
                &[&seq],
            )
            .await?
            .ok_or_else(|| corrupt("no such job"))?;
        Ok(JobEndpoints {
            source: serde_json::from_str(get(&row, 0)?).unwrap_or_default(),
            target: serde_json::from_str(get(&row, 1)?).unwrap_or_default(),
            job_direction: get(&row, 2)?,
        })
    }

    async fn job_tenant(&mut self, seq: i64) -> StoreResult<Tenant> {
        let row = self
            .query_opt(
                "SELECT p.id, p.key FROM jobs j JOIN projects p ON p.key = j.project_key
                  WHERE j.seq = $1",
                &[&seq],
            )
            .await?
            .ok_or_else(|| corrupt("no such job"))?;
        Ok(Tenant::new(get::<String>(&row, 0)?, get::<i64>(&row, 1)?))
    }

    async fn job_set_running(&mut self, seq: i64, step: Option<Step>) -> StoreResult<()> {
        self.pending.running.push((seq, step.map(Step::as_str)));
        Ok(())
    }

    async fn workflow_read(&mut self, seq: i64) -> StoreResult<Option<WorkflowText>> {
        self.flush().await?;
        let row = self
            .query_opt(
                "SELECT objects, speed_limit, connections, precheck, switchover
                   FROM job_workflow WHERE job_seq = $1",
                &[&seq],
            )
            .await?;
        Ok(match row {
            Some(r) => Some(WorkflowText {
                objects: get(&r, 0)?,
                speed_limit: get(&r, 1)?,
                connections: get(&r, 2)?,
                precheck: get(&r, 3)?,
                switchover: get(&r, 4)?,
            }),
            None => None,
        })
    }

    async fn workflow_write(&mut self, seq: i64, w: &WorkflowText) -> StoreResult<()> {
        self.pending.workflows.push((seq, w.clone()));
        Ok(())
    }

    async fn tags_of(&mut self, seq: i64) -> StoreResult<Vec<(String, String)>> {
        let rows = self
            .query(
                "SELECT key, value FROM job_tags WHERE job_seq = $1 ORDER BY key",
                &[&seq],
            )
            .await?;
        rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
    }

    async fn tags_put(
        &mut self,
        tenant: &Tenant,
        seq: i64,
        tags: &[(String, String)],
    ) -> StoreResult<()> {
        for (k, v) in tags {
            self.execute(
                "INSERT INTO job_tags (job_seq, project_key, key, value) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (job_seq, key) DO UPDATE SET value = EXCLUDED.value",
                &[&seq, &tenant.key(), k, v],
            )
            .await?;
        }
        Ok(())
    }

    async fn tags_remove(
        &mut self,
        seq: i64,
        tags: &[(String, Option<String>)],
    ) -> StoreResult<()> {
        for (k, v) in tags {
            if k.contains('\0') || v.as_deref().is_some_and(|v| v.contains('\0')) {
                continue;
            }
            self.execute(
                "DELETE FROM job_tags WHERE job_seq = $1 AND key = $2
                    AND ($3::text IS NULL OR value = $3)",
                &[&seq, k, v],
            )
            .await?;
        }
        Ok(())
    }

    async fn transition_replace(&mut self, seq: i64, next: Option<&Scheduled>) -> StoreResult<()> {
        self.pending.transitions.push((seq, next.copied()));
        Ok(())
    }

    async fn transition_pending(&mut self, seq: i64) -> StoreResult<Option<(String, String)>> {
        self.flush().await?;
        let row = self
            .query_opt(
                "SELECT from_status, step FROM job_transitions WHERE job_seq = $1",
                &[&seq],
            )
            .await?;
        row.map(|r| Ok((get(&r, 0)?, get(&r, 1)?))).transpose()
    }

    async fn transition_retarget(&mut self, seq: i64, to: JobStatus) -> StoreResult<()> {
        self.flush().await?;
        self.execute(
            "UPDATE job_transitions SET to_status = $2 WHERE job_seq = $1",
            &[&seq, &to.as_str()],
        )
        .await?;
        Ok(())
    }

    async fn transitions_claim(&mut self, now: i64, limit: usize) -> StoreResult<Vec<Claimed>> {
        self.flush().await?;
        let limit = limit.min(i64::MAX as usize) as i64;
        // Locks the transition rows AND their jobs, skipping any a writer holds: several
        // executors each claim distinct rows, and none waits for a user's write.
        let rows = self
            .query(
                "SELECT t.job_seq, t.from_status, t.to_status, t.step, t.due_at, j.id, j.status, j.task_type
                   FROM job_transitions t JOIN jobs j ON j.seq = t.job_seq
                  WHERE t.due_at <= $1 ORDER BY t.due_at, t.job_seq LIMIT $2
                    FOR UPDATE OF t, j SKIP LOCKED",
                &[&now, &limit],
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(Claimed {
                seq: get(r, 0)?,
                from: get(r, 1)?,
                to: get(r, 2)?,
                step: get(r, 3)?,
                due_at: get(r, 4)?,
                job_id: get(r, 5)?,
                status: get(r, 6)?,
                task_type: get(r, 7)?,
            });
        }
        if !out.is_empty() {
            let seqs: Vec<i64> = out.iter().map(|c| c.seq).collect();
            self.execute(
                "DELETE FROM job_transitions WHERE job_seq = ANY($1)",
                &[&seqs],
            )
            .await?;
        }
        Ok(out)
    }

    async fn transitions_next_due(&mut self) -> StoreResult<Option<i64>> {
        self.flush().await?;
        let row = self
            .query_opt("SELECT min(due_at) FROM job_transitions", &[])
            .await?
            .ok_or_else(|| corrupt("min returned no row"))?;
        get(&row, 0)
    }

    async fn deleted_purge(&mut self, cutoff: i64, limit: usize) -> StoreResult<usize> {
        self.flush().await?;
        let limit = limit.min(i64::MAX as usize) as i64;
        // SKIP LOCKED: a job a writer holds (it names a deleted job) waits for the next run.
        let rows = self
            .query(
                "SELECT seq FROM jobs WHERE deleted_at IS NOT NULL AND deleted_at < $1
                    AND parent_seq IS NULL
                  ORDER BY deleted_at LIMIT $2 FOR UPDATE SKIP LOCKED",
                &[&cutoff, &limit],
            )
            .await?;
        let seqs: Vec<i64> = rows.iter().map(|r| get(r, 0)).collect::<StoreResult<_>>()?;
        if seqs.is_empty() {
            return Ok(0);
        }
        self.execute("DELETE FROM jobs WHERE parent_seq = ANY($1)", &[&seqs])
            .await?;
        self.execute("DELETE FROM jobs WHERE seq = ANY($1)", &[&seqs])
            .await?;
        Ok(seqs.len())
    }

    async fn audit_append(&mut self, r: &AuditRecord) -> StoreResult<()> {
        self.pending.audits.push(r.clone());
        Ok(())
    }
}
