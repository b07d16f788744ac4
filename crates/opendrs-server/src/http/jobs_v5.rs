//! The v5 job routes (`/v5/{project_id}/jobs…`, `/v5/{project_id}/enterprise-projects`). Handlers
//! stay thin: extract (authenticated), one core call (`opendrs_core::v5`), render.

use super::{
    error::ApiError,
    extract::{segments, DrsRead, DrsRequest, Segments},
    reply, AppState,
};
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::Response,
};
use opendrs_core::v5::{
    actions::{
        BatchDeleteJobReq, BatchJobActionReq, BatchStopJobActionReq, JobActionReq, StopJobActionReq,
    },
    create::{CreateJobResponse, SingleCreateJobReq},
    detail::ShowJobDetailResponse,
    enterprise::ShowEnterpriseProjectResponse,
    list::ListJobsResponse,
    names::{CheckJobNameReq, ValidateJobNameResponse},
    update::SingleUpdateJobReq,
    ActionBaseResp, BatchJobsResp, ShowActionsResponse,
};

/// Querying Tasks (v5).
///
/// One page (`offset`, `limit` 1–1000, default 10) of the project's tasks of `job_type`,
/// filtered as the v3 list filters, ordered by `sort_key` (`create_time` by default; also
/// `name`, `status`, `net_type`, `job_direction`, `pay_mode`) in `sort_dir` (`desc` by default),
/// ties by creation time and then ID in the same direction.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/jobs",
    operation_id = "ListJobs",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_type" = opendrs_core::v5::list::JobTypeParam, Query, description = "migration, sync, cloudDataGuard or replay (no replay tasks are kept)"),
        ("name" = Option<String>, Query, description = "A case-insensitive part of the name, an ID, or IDs separated by commas"),
        ("status" = Option<opendrs_core::enums::JobStatus>, Query, description = "A task status"),
        ("engine_type" = Option<String>, Query, description = "An engine type"),
        ("net_type" = Option<opendrs_core::enums::NetType>, Query, description = "eip, vpc or vpn"),
        ("enterprise_project_id" = Option<String>, Query, description = "Empty: every enterprise project the caller may see"),
        ("instance_ids" = Option<Vec<String>>, Query, description = "Up to 10 instance IDs, repeated or separated by commas"),
        ("instance_ip" = Option<String>, Query, description = "An endpoint's IP"),
        ("offset" = Option<u64>, Query, description = "≥ 0, default 0"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 10"),
        ("sort_key" = Option<opendrs_core::enums::SortKey>, Query, description = "create_time (default), name, status, net_type, job_direction or pay_mode"),
        ("sort_dir" = Option<opendrs_core::enums::SortDir>, Query, description = "desc (default) or asc"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ListJobsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_list_v5(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let answer = app.jobs.job_list_v5(&req.caller, query.as_deref()).await;
    reply::json_bytes(req.lang, answer)
}

/// Creating a Task (v5).
///
/// Creates one job in `CREATING` (the executor moves it to `CONFIGURATION`); a name already
/// used in the project is 422 `DRS.M00277`.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs",
    operation_id = "CreateJob",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = SingleCreateJobReq,
    responses(
        (status = 200, description = "Created", body = CreateJobResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
        (status = 422, description = "The name is taken (DRS.M00277)", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_create_v5(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_create_v5(&req.caller, &req.body, req.actor())
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Deleting Tasks in Batches (v5).
///
/// Deletes each ended (or never started) job; answered per item.
#[utoipa::path(
    delete,
    path = "/v5/{project_id}/jobs",
    operation_id = "BatchDeleteJobsById",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = BatchDeleteJobReq,
    responses(
        (status = 200, description = "OK, per item", body = BatchJobsResp),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_batch_delete_v5(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_batch_delete_v5(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Task Details (v5).
///
/// `type=overview` (identity, status, main settings), `type=detail` (also endpoints without
/// passwords, node, alarms, tags), `type=network` (`network_results`: the latest connection
/// tests), `type=precheck` (`precheck_result`: the latest precheck run; `DRS.M00304` when none
/// was run) or `type=progress` (`progress_info`); the other types are `DRS.M00202` (not
/// supported yet). An unknown or deleted task is `DRS.10000010`.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/jobs/{job_id}",
    operation_id = "ShowJobDetail",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("type" = opendrs_core::enums::DetailType, Query, description = "overview, detail, network, precheck or progress (the others: not supported yet)"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ShowJobDetailResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_detail_v5(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    RawQuery(query): RawQuery,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app
        .jobs
        .job_detail_v5(&req.caller, &job_id, query.as_deref(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Modifying a Task (v5).
///
/// `type` `name`, `description`, `expired_days` or `notify` (until the job is released); the
/// other types are `DRS.M00202` (not supported yet).
#[utoipa::path(
    put,
    path = "/v5/{project_id}/jobs/{job_id}",
    operation_id = "UpdateJob",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = SingleUpdateJobReq,
    responses(
        (status = 200, description = "OK", body = ActionBaseResp),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
        (status = 422, description = "The new name is taken (DRS.M00277)", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_update_v5(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app
        .jobs
        .job_update_v5(&req.caller, &job_id, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Deleting a Task (v5).
///
/// An ended (or never started) job becomes `DELETED`; answers `{}`.
#[utoipa::path(
    delete,
    path = "/v5/{project_id}/jobs/{job_id}",
    operation_id = "DeleteJob",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "Deleted: {}", body = Object),
        (status = 400, description = "Bad Request; an unknown task is DRS.10000010", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_delete_v5(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app
        .jobs
        .job_delete_v5(&req.caller, &job_id, req.actor())
        .await
        .map(|()| serde_json::json!({}));
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Performing an Operation on a Task (v5).
///
/// `start` (now, or at `start_time` epoch ms), `stop` (pause), `restart` (resume or retry),
/// `terminate` (`force_delete` forces), `network` (tests the job's endpoints, or those of
/// `endpoints`: `DRS.M05011` when one does not answer), `precheck` (`precheck_mode`, default
/// `forStartJob`), `reset` (retries a failed transfer after a passed `forRetryJob` precheck),
/// `skip_precheck` (failed items of the latest precheck run count as passed); the other actions
/// are `DRS.M00202` (not supported yet).
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs/{job_id}/action",
    operation_id = "ExecuteJobAction",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = JobActionReq,
    responses(
        (status = 200, description = "Done", body = ActionBaseResp),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_action_v5(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app
        .jobs
        .job_action_v5(&req.caller, &job_id, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying the Operations of a Task (v5).
///
/// What the task's status allows and forbids, from the state machine.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/jobs/{job_id}/actions",
    operation_id = "ShowActions",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ShowActionsResponse),
        (status = 400, description = "Bad Request; an unknown task is DRS.10000010", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_actions_v5(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app.jobs.job_actions_v5(&req.caller, &job_id).await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Ending a Task (v5).
///
/// Terminates the job (`is_force_stop`: whatever it is doing); its resources are released.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs/{job_id}/stop",
    operation_id = "StopJobAction",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = StopJobActionReq,
    responses(
        (status = 200, description = "Done", body = ActionBaseResp),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_stop_v5(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app
        .jobs
        .job_stop_v5(&req.caller, &job_id, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Performing Operations on Tasks in Batches (v5).
///
/// Each item is an action on one job, answered per item (`success` or `failed` with the error).
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs/action",
    operation_id = "BatchExecuteJobActions",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = BatchJobActionReq,
    responses(
        (status = 200, description = "OK, per item", body = BatchJobsResp),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_batch_action_v5(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_batch_action_v5(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Ending Tasks in Batches (v5).
///
/// Terminates each job (`is_force_stop`: whatever it is doing), answered per item.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs/batch-stop",
    operation_id = "BatchStopJobsAction",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = BatchStopJobActionReq,
    responses(
        (status = 200, description = "OK, per item", body = BatchJobsResp),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_batch_stop_v5(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_batch_stop_v5(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Checking a Task Name (v5).
///
/// `{"is_valid": true}` for a name a new job may take; a malformed name is `DRS.M00202`, a name
/// a live job of the project has is 422 `DRS.M00277`.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs/name-validation",
    operation_id = "ValidateJobName",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = CheckJobNameReq,
    responses(
        (status = 200, description = "The name is free", body = ValidateJobNameResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 422, description = "The name is taken (DRS.M00277)", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_name_validate(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app.jobs.job_name_validate(&req.caller, &req.body).await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Enterprise Projects (v5).
///
/// The project's enterprise projects the caller may use; `name` filters (case-insensitive
/// part), `offset` and `limit` (1–1000, default 10) page, `count` ignores paging.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/enterprise-projects",
    operation_id = "ShowEnterpriseProject",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("name" = Option<String>, Query, description = "A case-insensitive part of the name"),
        ("offset" = Option<u64>, Query, description = "≥ 0, default 0"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 10"),
        ("domain_id" = Option<String>, Query, description = "Accepted and ignored"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ShowEnterpriseProjectResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn enterprise_project_list(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .enterprise_project_list(&req.caller, query.as_deref())
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}
