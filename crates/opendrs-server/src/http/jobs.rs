//! Job routes. Handlers stay thin: extract (authenticated), one core call, render.

use super::{
    error::ApiError,
    extract::{segments, DrsRead, DrsRequest, Segments},
    reply,
    streams::{pumped, StreamGate, StreamPermit},
    AppState,
};
use axum::{
    body::Bytes,
    extract::{RawQuery, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures::StreamExt;
use opendrs_core::{
    job::{JobInfo, JobListResponse},
    service::JobListing,
    store::JobStream,
};
use std::{sync::Arc, time::Duration};

/// Querying Tasks of a Tenant.
///
/// Lists the project's migration, synchronization or disaster-recovery tasks, newest first,
/// filtered and paged; `cur_page: 0` returns every match.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs",
    operation_id = "ShowJobList",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::query::QueryJobsReq,
    responses(
        (status = 200, description = "OK", body = JobListResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 401, description = "Unauthenticated", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
        (status = 429, description = "Throttled, or too many all-items streams", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_list(
    State(app): State<AppState>,
    axum::Extension(gate): axum::Extension<Arc<StreamGate>>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let listing = app
        .jobs
        .job_list(&req.caller, &req.body)
        .await
        .map_err(|e| ApiError::new(e, req.lang))?;
    Ok(match listing {
        JobListing::Page(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            Bytes::from_owner(bytes),
        )
            .into_response(),
        JobListing::All(stream) => {
            let permit = gate
                .enter(req.caller.tenant.key())
                .map_err(|e| ApiError::new(e, req.lang))?;
            let timeout = Duration::from_secs(app.config.stream_write_timeout_secs.max(1));
            streamed(stream, permit, timeout)
        }
    })
}

/// `{"total_record":N,"jobs":[…]}` written chunk by chunk as the store produces rows, holding a
/// stream slot of the project until it ends.
fn streamed(stream: JobStream, permit: StreamPermit, write_timeout: Duration) -> Response {
    let head = Bytes::from(format!("{{\"total_record\":{},\"jobs\":[", stream.total));
    let mut first = true;
    let body = stream.chunks.map(move |chunk| {
        let jobs = chunk.map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut buf = Vec::with_capacity(jobs.len() * 600);
        for job in &jobs {
            if !first {
                buf.push(b',');
            }
            first = false;
            serde_json::to_writer(&mut buf, &JobInfo::from(job)).map_err(std::io::Error::other)?;
        }
        Ok::<_, std::io::Error>(Bytes::from(buf))
    });
    let all = futures::stream::once(async move { Ok(head) })
        .chain(body)
        .chain(futures::stream::once(async {
            Ok(Bytes::from_static(b"]}"))
        }));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        pumped(all, permit, write_timeout),
    )
        .into_response()
}

/// Querying Task Statuses in Batches.
///
/// The status of each named job; an unknown ID is an item with `DRS.M05003`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-status",
    operation_id = "BatchListJobStatus",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::batch::BatchQueryJobReqPage,
    responses(
        (status = 200, description = "OK", body = opendrs_core::batch::BatchListJobStatusResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_batch_status(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_batch_status(&req.caller, &req.body, req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Task Details in Batches.
///
/// The main fields of each named job (times as epoch milliseconds, endpoints without
/// passwords); an unknown ID is an item with `DRS.M05003`.
#[utoipa::path(
    post,
    path = "/v3/{project_id}/jobs/batch-detail",
    operation_id = "BatchListJobDetails",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::batch::BatchQueryJobReqPage,
    responses(
        (status = 200, description = "OK", body = opendrs_core::batch::BatchListJobDetailsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_batch_detail(
    State(app): State<AppState>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let answer = app
        .jobs
        .job_batch_detail(&req.caller, &req.body, req.lang)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying the Timeline of a Task.
///
/// The task's status changes, newest first: one entry per change, named after the status
/// reached, `failed` for a failure; `user_name` is the user whose operation made it. Paged by
/// `offset` and `limit`; `count` is the number of entries in all.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/jobs/{job_id}/timelines",
    operation_id = "ShowTimeline",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("job_id" = String, Path, description = "Task ID"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 1000, description = "1–1000, default 10"),
        ("offset" = Option<u64>, Query, description = "≥ 0, default 0"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = opendrs_core::timeline::ShowTimelineResponse),
        (status = 400, description = "Bad Request; an unknown task is DRS.M05003", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn job_timeline(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    RawQuery(query): RawQuery,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let (_, job_id) = segments(path, &req)?;
    let answer = app
        .jobs
        .job_timeline(&req.caller, &job_id, query.as_deref())
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}
