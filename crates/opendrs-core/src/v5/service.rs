//! The v5 operations on [`Jobs`], one call each: the v3 API's permissions (read for the reads,
//! write for the writes, refusals audited), store reads, list engine and page cache, and writes
//! (`writes::job_write`, the one state machine) — only the wire differs, and an unknown, hidden
//! or deleted job is `DRS.10000010`.

use super::{
    actions::{self, stop_op, StopJobActionReq},
    body,
    create::{CreateJobResponse, SingleCreateJobReq},
    detail::{self, Plan, ShowJobDetailResponse},
    enterprise::{EnterpriseQuery, ShowEnterpriseProjectResponse},
    list::list_query,
    names::{CheckJobNameReq, ValidateJobNameResponse},
    network, runs,
    update::SingleUpdateJobReq,
    ActionBaseResp, BatchJobsResp,
};
use crate::{
    audit::Actor,
    batch::{Depth, JobRecord},
    caller::Caller,
    enums::JobStatus,
    error::{Error, Result},
    job::format_iso_time,
    lang::Lang,
    lifecycle::{job_action, JobActionResp, Op},
    ops::{ItemOutcome, Payload, WriteItem},
    service::{Jobs, View},
    store::Dialect,
    workflow::WorkflowState,
};
use serde::Serialize;
use std::sync::Arc;

/// `{"job_action": …}` (`ShowActionsResponse`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowActionsResponse {
    pub job_action: &'static JobActionResp,
}

/// A v5 batch write: its operation (for the audit trail), how its body becomes write items, and
/// how a raw item names its job (to record a refused call).
struct BatchV5 {
    operation: &'static str,
    parse: fn(&[u8]) -> Result<Vec<WriteItem>>,
    id_of: fn(&serde_json::Value) -> Option<String>,
}

const ACTIONS: BatchV5 = BatchV5 {
    operation: "BatchExecuteJobActions",
    parse: actions::batch_actions,
    id_of: actions::object_job_id,
};
const STOPS: BatchV5 = BatchV5 {
    operation: "BatchStopJobsAction",
    parse: actions::batch_stops,
    id_of: actions::object_job_id,
};
const DELETES: BatchV5 = BatchV5 {
    operation: "BatchDeleteJobsById",
    parse: actions::batch_deletes,
    id_of: actions::string_job_id,
};

/// The one outcome of a single-job write.
fn only(mut outcomes: Vec<ItemOutcome>) -> Result<ItemOutcome> {
    match (outcomes.pop(), outcomes.is_empty()) {
        (Some(o), true) => Ok(o),
        _ => Err(Error::internal(
            "a single-job write answered no or several items",
        )),
    }
}

/// One operation on the path's job.
fn act(job_id: &str, op: Op) -> WriteItem {
    WriteItem::Act {
        job_id: job_id.to_string(),
        op,
        payload: None,
    }
}

impl Jobs {
    /// The job `job_id` as the caller may read it: in its project, in one of its enterprise
    /// projects, not deleted (anything else is `DRS.10000010`).
    async fn job_v5(&self, caller: &Caller, job_id: &str) -> Result<JobRecord> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let found = self
            .store
            .job_get_many(&caller.tenant, &[job_id.to_string()], Depth::Detail)
            .await?;
        found
            .into_iter()
            .find(|r| r.job.id == job_id)
            .filter(|r| r.job.status != JobStatus::Deleted)
            .filter(|r| {
                caller
                    .enterprise_projects
                    .as_ref()
                    .is_none_or(|eps| eps.contains(&r.job.enterprise_project_id))
            })
            .ok_or(Error::NoSuchJob)
    }

    /// A single-job v5 write: `parse` gives its one item.
    async fn write_one(
        &self,
        caller: &Caller,
        operation: &'static str,
        job_id: &str,
        actor: Actor,
        parse: impl FnOnce() -> Result<WriteItem>,
    ) -> Result<ItemOutcome> {
        let ids = || vec![job_id.to_string()];
        let outcomes = self
            .write_items(
                caller,
                operation,
                Dialect::V5,
                actor,
                || parse().map(|i| vec![i]),
                ids,
            )
            .await?;
        only(outcomes)
    }

    /// ListJobs: a page of the v3 list engine's answer in the v5 shape, in the asked order.
    pub async fn job_list_v5(&self, caller: &Caller, query: Option<&str>) -> Result<Arc<[u8]>> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        match list_query(query, caller)? {
            Some(q) => self.page(&caller.tenant, q, View::V5).await,
            None => Ok(Arc::from(&br#"{"total_count":0,"jobs":[]}"#[..])),
        }
    }

    /// ShowJobDetail: the view `type` asks for; the workflow's at the executor's clock (read
    /// after the job, so a figure is never older than its data).
    pub async fn job_detail_v5(
        &self,
        caller: &Caller,
        job_id: &str,
        query: Option<&str>,
        lang: Lang,
    ) -> Result<ShowJobDetailResponse> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let plan = detail::plan(query)?;
        let record = self.job_v5(caller, job_id).await?;
        let mut job = detail::render(plan, &record);
        match plan {
            Plan::Overview | Plan::Detail => {}
            Plan::Network => {
                let state = record.workflow.as_ref().map(WorkflowState::from_text);
                job.network_results = Some(network::results(state.as_ref(), lang));
            }
            Plan::Precheck => {
                let now = self.executor_now().await?;
                job.precheck_result = Some(runs::precheck(&record, now)?);
            }
            Plan::Progress => {
                let now = self.executor_now().await?;
                job.progress_info = Some(runs::progress(&record, now, &self.settings.timings));
            }
        }
        Ok(ShowJobDetailResponse { job })
    }

    /// ShowActions: what the job's status allows, from the state machine.
    pub async fn job_actions_v5(
        &self,
        caller: &Caller,
        job_id: &str,
    ) -> Result<ShowActionsResponse> {
        let record = self.job_v5(caller, job_id).await?;
        Ok(ShowActionsResponse {
            job_action: job_action(
                record.job.status,
                record.job.db_use_type,
                record.job.running,
            ),
        })
    }

    /// CreateJob: one job in `CREATING`.
    pub async fn job_create_v5(
        &self,
        caller: &Caller,
        bytes: &[u8],
        actor: Actor,
    ) -> Result<CreateJobResponse> {
        let parse = || {
            let job = body::<SingleCreateJobReq>(bytes)?.validate()?;
            Ok(vec![WriteItem::Create(Box::new(job))])
        };
        let outcomes = self
            .write_items(caller, "CreateJob", Dialect::V5, actor, parse, Vec::new)
            .await?;
        match only(outcomes)? {
            ItemOutcome::Created {
                id,
                name,
                status,
                create_time_ms,
            } => Ok(CreateJobResponse {
                id,
                name,
                status: status.as_str().into(),
                create_time: format_iso_time(create_time_ms),
                is_clone_job: "false".into(),
            }),
            ItemOutcome::Failed { error, .. } => Err(error),
            ItemOutcome::Applied { .. } | ItemOutcome::Switched { .. } => {
                Err(Error::internal("a creation applied nothing"))
            }
        }
    }

    /// UpdateJob: a metadata change, as `batch-modification` makes it.
    pub async fn job_update_v5(
        &self,
        caller: &Caller,
        job_id: &str,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<ActionBaseResp> {
        let parse = || {
            let m = body::<SingleUpdateJobReq>(bytes)?.validate(job_id)?;
            Ok(WriteItem::Act {
                job_id: job_id.to_string(),
                op: Op::Modify {
                    configuration: m.is_configuration(),
                },
                payload: Some(Box::new(Payload::Modify(Box::new(m)))),
            })
        };
        let outcome = self
            .write_one(caller, "UpdateJob", job_id, actor, parse)
            .await?;
        ActionBaseResp::single(outcome, lang)
    }

    /// DeleteJob: an ended (or never started) job becomes `DELETED`.
    pub async fn job_delete_v5(&self, caller: &Caller, job_id: &str, actor: Actor) -> Result<()> {
        let parse = || Ok(act(job_id, Op::Delete));
        match self
            .write_one(caller, "DeleteJob", job_id, actor, parse)
            .await?
        {
            ItemOutcome::Failed { error, .. } => Err(error),
            _ => Ok(()),
        }
    }

    /// ExecuteJobAction: start, stop (pause), restart (resume or retry), terminate, network
    /// (connection tests), precheck, reset.
    pub async fn job_action_v5(
        &self,
        caller: &Caller,
        job_id: &str,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<ActionBaseResp> {
        let parse = || {
            let (op, payload) = actions::single_action(bytes, job_id)?;
            Ok(WriteItem::Act {
                job_id: job_id.to_string(),
                op,
                payload,
            })
        };
        let outcome = self
            .write_one(caller, "ExecuteJobAction", job_id, actor, parse)
            .await?;
        ActionBaseResp::single(outcome, lang)
    }

    /// StopJobAction: ends the job (`is_force_stop`: whatever it is doing).
    pub async fn job_stop_v5(
        &self,
        caller: &Caller,
        job_id: &str,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<ActionBaseResp> {
        let parse = || {
            let req = body::<StopJobActionReq>(bytes)?;
            Ok(act(job_id, stop_op(req.is_force_stop == Some(true))))
        };
        let outcome = self
            .write_one(caller, "StopJobAction", job_id, actor, parse)
            .await?;
        ActionBaseResp::single(outcome, lang)
    }

    /// A v5 batch write, answered per item.
    async fn batch_v5(
        &self,
        caller: &Caller,
        kind: &BatchV5,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchJobsResp> {
        let ids = || {
            body::<serde_json::Value>(bytes)
                .ok()
                .and_then(|v| v.get("jobs").and_then(|j| j.as_array()).cloned())
                .map(|items| items.iter().filter_map(kind.id_of).collect())
                .unwrap_or_default()
        };
        let parse = || (kind.parse)(bytes);
        let outcomes = self
            .write_items(caller, kind.operation, Dialect::V5, actor, parse, ids)
            .await?;
        Ok(BatchJobsResp::of(&outcomes, lang))
    }

    /// BatchExecuteJobActions.
    pub async fn job_batch_action_v5(
        &self,
        caller: &Caller,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchJobsResp> {
        self.batch_v5(caller, &ACTIONS, bytes, actor, lang).await
    }

    /// BatchStopJobsAction.
    pub async fn job_batch_stop_v5(
        &self,
        caller: &Caller,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchJobsResp> {
        self.batch_v5(caller, &STOPS, bytes, actor, lang).await
    }

    /// BatchDeleteJobsById.
    pub async fn job_batch_delete_v5(
        &self,
        caller: &Caller,
        bytes: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchJobsResp> {
        self.batch_v5(caller, &DELETES, bytes, actor, lang).await
    }

    /// ValidateJobName: a name a new job may take (`DRS.M00277` when a live job has it).
    pub async fn job_name_validate(
        &self,
        caller: &Caller,
        bytes: &[u8],
    ) -> Result<ValidateJobNameResponse> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let check = body::<CheckJobNameReq>(bytes)?.validate()?;
        if check.look_up
            && self
                .store
                .job_name_taken(&caller.tenant, &check.name)
                .await?
        {
            return Err(Error::NameTaken);
        }
        Ok(ValidateJobNameResponse { is_valid: true })
    }

    /// ShowEnterpriseProject: the enterprise projects the caller may use.
    pub async fn enterprise_project_list(
        &self,
        caller: &Caller,
        query: Option<&str>,
    ) -> Result<ShowEnterpriseProjectResponse> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let q = EnterpriseQuery::parse(query)?;
        let rows = self.store.enterprise_project_list(&caller.tenant).await?;
        Ok(q.answer(caller, &rows))
    }
}
