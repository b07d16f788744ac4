//! `GET /v5/{project_id}/jobs` (ListJobs): its query string becomes the v3 list's [`JobQuery`]
//! (every filter is validated and means exactly what it means in the v3 body), with an
//! `offset`/`limit` page and an order; and its answer, `{total_count, jobs}`.

use super::params::Params;
use crate::{
    caller::Caller,
    enums::{
        one_of, ChargingMode, DbUseType, JobDirection, JobStatus, NetType, SortDir, SortKey,
        TaskType,
    },
    error::{Error, Reason, Result},
    job::{format_iso_time, Job},
    lifecycle::{job_action, JobActionResp},
    query::{JobQuery, Paging, QueryJobsReq, Sort},
};
use serde::Serialize;

/// Default page size.
pub const DEFAULT_LIMIT: u64 = 10;
/// Largest page size (as the other v5 lists).
pub const MAX_LIMIT: u64 = 1000;
/// `job_type` values: the scenarios, and `replay` (valid, but this service has no such jobs).
pub const JOB_TYPES: &[&str] = &["migration", "sync", "cloudDataGuard", "replay"];
crate::enums::schema_enum!(
    /// `job_type` of the list.
    JobTypeParam = JOB_TYPES
);

/// The validated list: the v3 engine's query in the v5 page and order, or `None` for `replay`
/// (validated like the others, but there is nothing to read).
pub fn list_query(raw: Option<&str>, caller: &Caller) -> Result<Option<JobQuery>> {
    let p = Params::parse(raw)?;
    let job_type = p.one("job_type")?.ok_or_else(|| Error::empty("job_type"))?;
    let db_use_type = match (DbUseType::parse(job_type), job_type) {
        (Some(d), _) => Some(d),
        (None, "replay") => None,
        (None, _) => return Err(Error::invalid_with("job_type", Reason::OneOf(JOB_TYPES))),
    };
    let offset = p.number("offset", 0, 0, i64::MAX as u64)?;
    let limit = p.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
    let sort = Sort {
        key: one_of::<SortKey>(p.one("sort_key")?, "sort_key")?.unwrap_or(SortKey::CreateTime),
        dir: one_of::<SortDir>(p.one("sort_dir")?, "sort_dir")?.unwrap_or(SortDir::Desc),
    };
    let instance_ids = p.list("instance_ids");
    let filters = QueryJobsReq {
        db_use_type: Some(db_use_type.unwrap_or(DbUseType::Migration).as_str().into()),
        name: p.one("name")?.map(str::to_string),
        status: p.one("status")?.map(str::to_string),
        engine_type: p.one("engine_type")?.map(str::to_string),
        net_type: p.one("net_type")?.map(str::to_string),
        // Empty means every enterprise project the caller may see (`one` reads "" as absent).
        enterprise_project_id: p.one("enterprise_project_id")?.map(str::to_string),
        instance_ids: (!instance_ids.is_empty()).then_some(instance_ids),
        instance_ip: p.one("instance_ip")?.map(str::to_string),
        ..QueryJobsReq::default()
    };
    let query = filters.validate(caller)?;
    Ok(db_use_type.map(|_| JobQuery {
        paging: Paging::Page { offset, limit },
        sort,
        ..query
    }))
}

/// How a job is organized, as `job_mode` / `job_mode_role` say: a job with subtasks and its
/// subtasks are `sync_child` (roles `parent` and `child`); any other job is `single` (role `parent`).
fn mode(job: &Job, is_child: bool) -> (&'static str, &'static str) {
    match (is_child, job.children.is_empty()) {
        (true, _) => ("sync_child", "child"),
        (false, false) => ("sync_child", "parent"),
        (false, true) => ("single", "parent"),
    }
}

/// A job in the v5 list (the SDK's `JobListResp`); times ISO 8601 UTC.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobListResp<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub status: JobStatus,
    pub description: &'a str,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    pub create_time: String,
    pub engine_type: &'a str,
    pub net_type: NetType,
    /// `on_demand` or `period`.
    pub charging_mode: ChargingMode,
    pub billing_tag: bool,
    pub job_direction: JobDirection,
    /// The scenario (`migration`, `sync`, `cloudDataGuard`).
    pub job_type: DbUseType,
    pub task_type: TaskType,
    pub enterprise_project_id: &'a str,
    /// `single`, or `sync_child` for a job with subtasks and its subtasks.
    pub job_mode: &'static str,
    /// `parent` or `child`.
    pub job_mode_role: &'static str,
    pub is_multi_az: bool,
    /// Always `""`: a job here runs on one node role.
    pub node_role: &'static str,
    pub node_new_framework: bool,
    pub job_action: &'static JobActionResp,
    pub children: Vec<ChildrenJobListResp<'a>>,
}

/// A subtask inside its parent's `children` (the SDK's `ChildrenJobListResp`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildrenJobListResp<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub status: JobStatus,
    pub description: &'a str,
    pub create_time: String,
    pub engine_type: &'a str,
    pub net_type: NetType,
    pub charging_mode: ChargingMode,
    pub billing_tag: bool,
    pub job_direction: JobDirection,
    pub job_type: DbUseType,
    pub task_type: TaskType,
    pub enterprise_project_id: &'a str,
    pub job_mode: &'static str,
    pub job_mode_role: &'static str,
    pub is_multi_az: bool,
    pub node_role: &'static str,
    pub node_new_framework: bool,
    pub job_action: &'static JobActionResp,
}

impl<'a> From<&'a Job> for JobListResp<'a> {
    fn from(j: &'a Job) -> Self {
        let (job_mode, job_mode_role) = mode(j, false);
        JobListResp {
            id: &j.id,
            name: &j.name,
            status: j.status,
            description: &j.description,
            create_time: format_iso_time(j.create_time_ms),
            engine_type: &j.engine_type,
            net_type: j.net_type,
            charging_mode: j.charging_mode,
            billing_tag: j.billing_tag,
            job_direction: j.job_direction,
            job_type: j.db_use_type,
            task_type: j.task_type,
            enterprise_project_id: &j.enterprise_project_id,
            job_mode,
            job_mode_role,
            is_multi_az: j.is_multi_az,
            node_role: "",
            node_new_framework: j.node_new_framework,
            job_action: job_action(j.status, j.db_use_type, j.running),
            children: j.children.iter().map(ChildrenJobListResp::from).collect(),
        }
    }
}

impl<'a> From<&'a Job> for ChildrenJobListResp<'a> {
    fn from(j: &'a Job) -> Self {
        let (job_mode, job_mode_role) = mode(j, true);
        ChildrenJobListResp {
            id: &j.id,
            name: &j.name,
            status: j.status,
            description: &j.description,
            create_time: format_iso_time(j.create_time_ms),
            engine_type: &j.engine_type,
            net_type: j.net_type,
            charging_mode: j.charging_mode,
            billing_tag: j.billing_tag,
            job_direction: j.job_direction,
            job_type: j.db_use_type,
            task_type: j.task_type,
            enterprise_project_id: &j.enterprise_project_id,
            job_mode,
            job_mode_role,
            is_multi_az: j.is_multi_az,
            node_role: "",
            node_new_framework: j.node_new_framework,
            job_action: job_action(j.status, j.db_use_type, j.running),
        }
    }
}

/// The answer (`ListJobsResponse`): the total ignores paging.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListJobsResponse<'a> {
    pub total_count: u64,
    pub jobs: Vec<JobListResp<'a>>,
}
