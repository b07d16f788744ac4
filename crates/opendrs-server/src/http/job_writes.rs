//! The v3 batch write routes (create, start, pause, resume/retry, modify, terminate/delete).
//! Each answers per item; handlers stay thin: extract (authenticated), one core call, render.

use super::{error::ApiError, extract::DrsRequest, reply, AppState};
use axum::{extract::State, http::StatusCode, response::Response};
use opendrs_core::ops::{
    BatchKind, BatchReq, BatchWriteResponse, CreateJobReq, CreateJobResp, DeleteJobReq, JobOpResp,
    ModifyJobReq, PauseInfo, RetryInfo, StartInfo,
};

/// Creating Tasks in Batches.
///
/// Creates each job in `CREATING`; the executor moves it to `CONFIGURATION`. A name already
/// used in the project is that item's `DRS.M00277`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-creation",
    operation_id = "BatchCreateJobs",
    tag = "lifecycle",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = BatchReq<CreateJobReq>,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchWriteResponse<CreateJobResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden (read-only role)", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_create(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_create(&req.caller, &req.body, req.actor(), req.lang)
        .await;
    reply::json(StatusCode::ACCEPTED, req.lang, answer)
}

/// The one body of every job-operation route: the operation `kind` on each item.
async fn operate(
    app: AppState,
    req: DrsRequest,
    kind: BatchKind,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_operate(&req.caller, kind, &req.body, req.actor(), req.lang)
        .await;
    reply::json(status, req.lang, answer)
}

/// Starting Tasks in Batches.
///
/// Starts each job now, or at `start_time` (epoch ms; the job waits in `WAITING_FOR_START`).
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-starting",
    operation_id = "BatchStartJobs",
    tag = "lifecycle",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<StartInfo>,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchWriteResponse<JobOpResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_start(State(app): State<AppState>, req: DrsRequest) -> Result<Response, ApiError> {
    operate(app, req, BatchKind::Start, StatusCode::ACCEPTED).await
}

/// Pausing Tasks in Batches.
///
/// Pauses each transferring job (`PAUSING`); `pause_mode` is `target` or `all`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-pause-task",
    operation_id = "BatchStopJobs",
    tag = "lifecycle",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<PauseInfo>,
    responses(
        (status = 200, description = "OK, per item", body = BatchWriteResponse<JobOpResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_pause(State(app): State<AppState>, req: DrsRequest) -> Result<Response, ApiError> {
    operate(app, req, BatchKind::Pause, StatusCode::OK).await
}

/// Resuming or Retrying Tasks in Batches.
///
/// Resumes each paused job where it was paused; retries each failed one.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-retry-task",
    operation_id = "BatchRestoreTask",
    tag = "lifecycle",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<RetryInfo>,
    responses(
        (status = 200, description = "OK, per item", body = BatchWriteResponse<JobOpResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_retry(State(app): State<AppState>, req: DrsRequest) -> Result<Response, ApiError> {
    operate(app, req, BatchKind::Retry, StatusCode::OK).await
}

/// Modifying Tasks in Batches.
///
/// Renames, describes, tags (adding or replacing by key) and sets alarms on any job not being
/// released; changes task type, endpoints and network while the status allows configuration.
#[utoipa::path(
    put,
    path = "/v3/{project_id}/jobs/batch-modification",
    operation_id = "BatchUpdateJob",
    tag = "lifecycle",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<ModifyJobReq>,
    responses(
        (status = 200, description = "OK, per item", body = BatchWriteResponse<JobOpResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_modify(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    operate(app, req, BatchKind::Modify, StatusCode::OK).await
}

/// Stopping or Deleting Tasks in Batches.
///
/// `delete_type`: `terminate` (stop; resources are released), `force_terminate` (stop from
/// any status that holds resources), `delete` (a stopped or never-started job becomes `DELETED`).
#[utoipa::path(
    delete,
    path = "/v3/{project_id}/jobs/batch-jobs",
    operation_id = "BatchDeleteJobs",
    tag = "lifecycle",
    params(("project_id" = String, Path, description = "Project ID of the tenant")),
    request_body = BatchReq<DeleteJobReq>,
    responses(
        (status = 202, description = "Accepted, per item", body = BatchWriteResponse<JobOpResp>),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_delete(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    operate(app, req, BatchKind::Delete, StatusCode::ACCEPTED).await
}
