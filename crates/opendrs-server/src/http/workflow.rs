//! The v3 task workflow routes: connection tests, object selection, flow control, prechecks and
//! their results, progress, DR switchover and RPO/RTO. Each answers per item; handlers stay
//! thin: extract (authenticated), one core call, render.

use super::{error::ApiError, extract::DrsRequest, reply, AppState};
use axum::{extract::State, http::StatusCode, response::Response};
use opendrs_core::{
    ops::{BatchReq, BatchWriteResponse, JobOpResp},
    workflow::{
        answers::{
            BatchReadResponse, BatchSetObjectsResponse, CheckJobResp, PostPreCheckResp,
            QueryPreCheckResp, QueryProgressResp, QueryRpoAndRtoResp, SwitchoverResp,
        },
        bodies::{
            BatchLimitSpeedReq, BatchSwitchoverReq, JobIdsReq, PreCheckInfo, TestEndPoint,
            UpdateDatabaseObjectReq,
        },
    },
};

/// Testing Connections in Batches.
///
/// Tests the source (`so`) or target (`ta`) database of each job: the address given, else the
/// job's own. Nothing is connected to: a simulated database answers unless its host is under
/// `.invalid` or listed in `simulated_unreachable_hosts`, or its port is listed in
/// `simulated_unreachable_ports`. A database that does not answer is that item's `DRS.M05011`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-connection",
    operation_id = "BatchValidateConnections",
    tag = "workflow",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = BatchReq<TestEndPoint>,
    responses(
        (status = 200, description = "OK, per item", body = BatchWriteResponse<CheckJobResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden (read-only role)", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_connect(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_connect(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Selecting Objects in Batches.
///
/// Sets each migration or synchronization job's objects (`selected: false`: everything); a job
/// in `CONFIGURATION` then needs a new precheck. The objects show in `batch-detail`.
#[utoipa::path(
    put,
    path = "/v3/{project_id}/jobs/batch-select-objects",
    operation_id = "BatchSetObjects",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<UpdateDatabaseObjectReq>,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchSetObjectsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_select_objects(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_select_objects(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::ACCEPTED, req.lang, answer)
}

/// Setting Flow Control in Batches.
///
/// Replaces each job's flow-control ranges (at most 3, UTC `HH:00`–`HH:59`, 1–9999 MB/s, not
/// overlapping; `[]`: unlimited). Not for incremental-only tasks (`DRS.M00403`).
#[utoipa::path(
    put,
    path = "/v3/{project_id}/jobs/batch-limit-speed",
    operation_id = "BatchSetSpeed",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchLimitSpeedReq,
    responses(
        (status = 200, description = "OK, per item", body = BatchWriteResponse<JobOpResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_set_speed(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_set_speed(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Prechecking Tasks in Batches.
///
/// Launches a precheck run of each job (`forStartJob` in `CONFIGURATION`, `forRetryJob` in a
/// failed status); the executor completes it. A first start needs a passed one.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-precheck",
    operation_id = "BatchCheckJobs",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<PreCheckInfo>,
    responses(
        (status = 200, description = "OK, per item", body = BatchWriteResponse<PostPreCheckResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_precheck(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_precheck(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Precheck Results in Batches.
///
/// Each job's latest precheck run: `process` as far as it has got, its items, `result` once
/// it is complete. A job never prechecked is that item's `DRS.M00304`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-precheck-result",
    operation_id = "BatchCheckResults",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = JobIdsReq,
    responses(
        (status = 200, description = "OK, per item", body = BatchReadResponse<QueryPreCheckResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_precheck_results(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_precheck_results(&req.caller, &req.body, req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Task Progress in Batches.
///
/// Each job's progress at the executor's clock: the full transfer's percent and phases,
/// remaining time, incremental delay and rates.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-progress",
    operation_id = "BatchListProgresses",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = JobIdsReq,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchReadResponse<QueryProgressResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_progress(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_progress(&req.caller, &req.body, req.lang)
        .await;
    reply::json(StatusCode::ACCEPTED, req.lang, answer)
}

/// Switching Over DR Tasks in Batches.
///
/// Starts a primary/standby switchover of each single-active DR job in `INCRE_TRANSFER_STARTED`
/// or `INCRE_TRANSFER_FAILED` (`current_action` `SWITCH_OVER` meanwhile); when the executor
/// completes it the databases swap roles and `job_direction` flips. The answer shows the roles
/// the job will have.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-switchover",
    operation_id = "BatchSwitchover",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchSwitchoverReq,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchWriteResponse<SwitchoverResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_switchover(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_switchover(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::ACCEPTED, req.lang, answer)
}

/// Querying RPO and RTO of DR Tasks in Batches.
///
/// Each replicating DR job's RPO (business database → DRS) and RTO (DRS → DR database) at the
/// executor's clock; other jobs are items with `DRS.M00304`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-rpo-and-rto",
    operation_id = "BatchListRposAndRtos",
    tag = "workflow",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = JobIdsReq,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchReadResponse<QueryRpoAndRtoResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_rpo_rto(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app.jobs.job_rpo_rto(&req.caller, &req.body, req.lang).await;
    reply::json(StatusCode::ACCEPTED, req.lang, answer)
}
