//! The workflow operations of [`Jobs`]: connection tests, object selection, flow control,
//! prechecks and switchovers (batch writes, answered per item), and the precheck results,
//! progress and RPO/RTO reads, computed at the executor's clock.

use super::Jobs;
use crate::{
    audit::Actor,
    batch::{Depth, JobRecord},
    caller::Caller,
    error::{Error, Result},
    executor::ClockMode,
    lang::Lang,
    ops::{operation_answer, BatchKind, BatchWriteResponse, JobOpResp},
    workflow::{
        answers::{
            connection_answer, objects_answer, precheck_answer, precheck_results, progress_items,
            rpo_rto_items, switchover_answer, BatchReadResponse, BatchSetObjectsResponse,
            CheckJobResp, PostPreCheckResp, QueryPreCheckResp, QueryProgressResp,
            QueryRpoAndRtoResp, SwitchoverResp,
        },
        bodies::JobIdsReq,
    },
};

impl Jobs {
    /// `batch-connection`: tests each endpoint by the simulation's rule and records the result.
    pub async fn job_connect(
        &self,
        caller: &Caller,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchWriteResponse<CheckJobResp>> {
        let outcomes = self
            .batch_write(caller, BatchKind::Connect, body, actor)
            .await?;
        Ok(connection_answer(&outcomes, lang))
    }

    /// `batch-select-objects`: records each job's object selection.
    pub async fn job_select_objects(
        &self,
        caller: &Caller,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchSetObjectsResponse> {
        let outcomes = self
            .batch_write(caller, BatchKind::SelectObjects, body, actor)
            .await?;
        Ok(objects_answer(&outcomes, lang))
    }

    /// `batch-limit-speed`: replaces each job's flow-control ranges.
    pub async fn job_set_speed(
        &self,
        caller: &Caller,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchWriteResponse<JobOpResp>> {
        let outcomes = self
            .batch_write(caller, BatchKind::SetSpeed, body, actor)
            .await?;
        Ok(operation_answer(&outcomes, lang))
    }

    /// `batch-precheck`: launches a precheck run of each job (the executor completes it).
    pub async fn job_precheck(
        &self,
        caller: &Caller,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchWriteResponse<PostPreCheckResp>> {
        let outcomes = self
            .batch_write(caller, BatchKind::Precheck, body, actor)
            .await?;
        Ok(precheck_answer(&outcomes, lang))
    }

    /// `batch-switchover`: starts a switchover of each DR job (the executor completes it).
    pub async fn job_switchover(
        &self,
        caller: &Caller,
        body: &[u8],
        actor: Actor,
        lang: Lang,
    ) -> Result<BatchWriteResponse<SwitchoverResp>> {
        let outcomes = self
            .batch_write(caller, BatchKind::Switchover, body, actor)
            .await?;
        Ok(switchover_answer(&outcomes, lang))
    }

    /// `batch-precheck-result`: each job's latest precheck run, as far as it has got.
    pub async fn job_precheck_results(
        &self,
        caller: &Caller,
        body: &[u8],
        lang: Lang,
    ) -> Result<BatchReadResponse<QueryPreCheckResp>> {
        let (ids, found, now) = self.workflow_lookup(caller, body).await?;
        Ok(precheck_results(&ids, &found, now, lang))
    }

    /// `batch-progress`: each job's progress at the executor's clock.
    pub async fn job_progress(
        &self,
        caller: &Caller,
        body: &[u8],
        lang: Lang,
    ) -> Result<BatchReadResponse<QueryProgressResp>> {
        let (ids, found, now) = self.workflow_lookup(caller, body).await?;
        Ok(progress_items(
            &ids,
            &found,
            now,
            &self.settings.timings,
            lang,
        ))
    }

    /// `batch-rpo-and-rto`: each DR job's RPO and RTO at the executor's clock.
    pub async fn job_rpo_rto(
        &self,
        caller: &Caller,
        body: &[u8],
        lang: Lang,
    ) -> Result<BatchReadResponse<QueryRpoAndRtoResp>> {
        let (ids, found, now) = self.workflow_lookup(caller, body).await?;
        Ok(rpo_rto_items(&ids, &found, now, lang))
    }

    /// The executor's clock now (ms): the wall clock, or the stored virtual clock.
    pub(crate) async fn executor_now(&self) -> Result<i64> {
        let wall = crate::clock::now_ms();
        Ok(match self.settings.clock {
            ClockMode::Wall => wall,
            ClockMode::Virtual => self
                .store
                .executor_peek()
                .await?
                .virtual_now
                .unwrap_or(wall),
        })
    }

    /// Validates a workflow read's body and reads the jobs it names that the caller may see,
    /// with the executor's clock read after them (so a figure is never older than its data).
    async fn workflow_lookup(
        &self,
        caller: &Caller,
        body: &[u8],
    ) -> Result<(Vec<String>, Vec<JobRecord>, i64)> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let ids = crate::query::parse_json::<JobIdsReq>(body)?.validate()?;
        let mut found = self
            .store
            .job_get_many(&caller.tenant, &ids, Depth::Detail)
            .await?;
        if let Some(eps) = &caller.enterprise_projects {
            found.retain(|r| eps.contains(&r.job.enterprise_project_id));
        }
        let now = self.executor_now().await?;
        Ok((ids, found, now))
    }
}
