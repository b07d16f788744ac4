//! The v3 project-resource reads: quotas (`GET /v3/{project_id}/quotas`) and the flavours on
//! offer (`GET /v3/{project_id}/node-type`). Handlers stay thin: extract, one core call, render.

use super::{error::ApiError, extract::DrsRead, reply, AppState};
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::Response,
};
use opendrs_core::{node_types::ListAvailableNodeTypesResponse, quota::ShowQuotasResponse};

/// Querying Quotas.
///
/// The project's task quota (`type` `instances`): `quota` is the limit that applies (set by
/// `opendrs admin quota set`, else `default_job_quota`), `used` its tasks that are not deleted
/// (subtasks not counted). A creation past the quota fails with `DRS.M05067`.
#[utoipa::path(
    get,
    path = "/v3/{project_id}/quotas",
    operation_id = "ShowQuotas",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("X-Language" = Option<String>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ShowQuotasResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn quota_show(
    State(app): State<AppState>,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let answer = app.jobs.quota_show(&req.caller).await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Available Node Types.
///
/// The flavours a task of this scenario may use, smallest first, each with `is_sellout: false`:
/// `migration` micro to xlarge, `sync` micro to 2xlarge, `cloudDataGuard` high (whatever the
/// engine and direction).
#[utoipa::path(
    get,
    path = "/v3/{project_id}/node-type",
    operation_id = "ListAvailableNodeTypes",
    tag = "jobs",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("engine_type" = String, Query, description = "An engine type"),
        ("db_use_type" = String, Query, description = "migration, sync or cloudDataGuard"),
        ("job_direction" = String, Query, description = "up, down or non-dbs"),
        ("is_use_sellout_info" = Option<bool>, Query, description = "Accepted (nothing is ever sold out); default false"),
        ("is_multi_write" = Option<bool>, Query, description = "Dual-active disaster recovery (cloudDataGuard only); default false"),
        ("X-Language" = Option<String>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ListAvailableNodeTypesResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn node_type_list(
    State(app): State<AppState>,
    RawQuery(query): RawQuery,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    let answer = app.jobs.node_type_list(&req.caller, query.as_deref());
    reply::json(StatusCode::OK, req.lang, answer)
}
