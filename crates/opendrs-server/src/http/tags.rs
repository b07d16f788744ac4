//! The v5 tag routes: thin handlers over `opendrs_core::tags`.

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
use opendrs_core::tags::{
    CountInstanceByTagsResponse, ListInstanceByTagsResponse, ListInstanceTagsResponse,
    ListTagsResponse,
};

/// Adding Resource Tags in Batches.
///
/// Adds up to 20 tags to a task (an existing key gets the new value); a task carries at most 20.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/{resource_type}/{resource_id}/tags/create",
    operation_id = "BatchCreateTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("resource_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::tags::BatchTagReq,
    responses(
        (status = 204, description = "Tags added"),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_create(
    State(app): State<AppState>,
    path: Segments<(String, String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type, resource_id) = segments(path, &req)?;
    let result = app
        .tags
        .tag_create(
            &req.caller,
            &req.actor(),
            &resource_type,
            &resource_id,
            &req.body,
        )
        .await;
    reply::no_content(req.lang, result)
}

/// Deleting Resource Tags in Batches.
///
/// Removes tags by key (and value, when given); a key the task does not carry is no error.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/{resource_type}/{resource_id}/tags/delete",
    operation_id = "BatchDeleteTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("resource_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::tags::BatchTagReq,
    responses(
        (status = 204, description = "Tags deleted"),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_delete(
    State(app): State<AppState>,
    path: Segments<(String, String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type, resource_id) = segments(path, &req)?;
    let result = app
        .tags
        .tag_delete(
            &req.caller,
            &req.actor(),
            &resource_type,
            &resource_id,
            &req.body,
        )
        .await;
    reply::no_content(req.lang, result)
}

/// Batch Adding or Deleting Tags (deprecated).
///
/// `action: create` or `delete`, with the semantics of the two calls above.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/jobs/{resource_type}/{job_id}/tags/action",
    operation_id = "BatchTagAction",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::tags::BatchDealResourceTagReq,
    responses(
        (status = 204, description = "Tags added or deleted"),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 403, description = "Forbidden", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_action(
    State(app): State<AppState>,
    path: Segments<(String, String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type, job_id) = segments(path, &req)?;
    let result = app
        .tags
        .tag_action(
            &req.caller,
            &req.actor(),
            &resource_type,
            &job_id,
            &req.body,
        )
        .await;
    reply::no_content(req.lang, result)
}

async fn tags_of_job(
    app: AppState,
    path: Segments<(String, String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type, id) = segments(path, &req)?;
    let answer = app.tags.tag_list(&req.caller, &resource_type, &id).await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Resource Tags.
///
/// The tags of one task, by key.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/{resource_type}/{resource_id}/tags",
    operation_id = "ListInstanceTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("resource_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ListInstanceTagsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_list(
    State(app): State<AppState>,
    path: Segments<(String, String, String)>,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    tags_of_job(app, path, req).await
}

/// Querying Resource Tags (deprecated path).
///
/// The tags of one task, by key.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/jobs/{resource_type}/{job_id}/tags",
    operation_id = "ShowInstanceTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("job_id" = String, Path, description = "Task ID"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ListInstanceTagsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_show(
    State(app): State<AppState>,
    path: Segments<(String, String, String)>,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    tags_of_job(app, path, req).await
}

async fn project_tags(
    app: AppState,
    path: Segments<(String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type) = segments(path, &req)?;
    let answer = app.tags.tag_project_list(&req.caller, &resource_type).await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying Project Tags.
///
/// Every key used by the project's tasks of this type, with its values.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/{resource_type}/tags",
    operation_id = "ListTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ListTagsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_project_list(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    project_tags(app, path, req).await
}

/// Querying Project Tags (deprecated path).
///
/// Every key used by the project's tasks of this type, with its values.
#[utoipa::path(
    get,
    path = "/v5/{project_id}/jobs/{resource_type}/tags",
    operation_id = "ListProjectTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    responses(
        (status = 200, description = "OK", body = ListTagsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_project_list_deprecated(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    DrsRead(req): DrsRead,
) -> Result<Response, ApiError> {
    project_tags(app, path, req).await
}

/// Querying Resource Instances.
///
/// One page (`limit` 1–1000, default 1000; `offset` ≥ 0) of the tasks a tag filter finds,
/// newest first, with the total.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/{resource_type}/resource-instances/filter",
    operation_id = "ListInstanceByTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("limit" = Option<u64>, Query, description = "1–1000, default 1000"),
        ("offset" = Option<u64>, Query, description = "≥ 0, default 0"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::tags::QueryInstanceByTagReq,
    responses(
        (status = 200, description = "OK", body = ListInstanceByTagsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_instance_filter(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    RawQuery(query): RawQuery,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type) = segments(path, &req)?;
    let answer = app
        .tags
        .tag_instance_filter(&req.caller, &resource_type, query.as_deref(), &req.body)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}

/// Querying the Number of Resource Instances.
///
/// How many tasks a tag filter finds.
#[utoipa::path(
    post,
    path = "/v5/{project_id}/{resource_type}/resource-instances/count",
    operation_id = "CountInstanceByTags",
    tag = "tags",
    params(
        ("project_id" = String, Path, description = "Project ID of the tenant"),
        ("resource_type" = opendrs_core::tags::ResourceType, Path, description = "migration, sync, cloudDataGuard, subscription, backupMigration or replay"),
        ("X-Language" = Option<opendrs_core::lang::XLanguage>, Header, description = "en-us (default) or zh-cn"),
    ),
    request_body = opendrs_core::tags::QueryInstanceByTagReq,
    responses(
        (status = 200, description = "OK", body = CountInstanceByTagsResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
    ),
    security(("aksk" = []), ("token" = []))
)]
pub async fn tag_instance_count(
    State(app): State<AppState>,
    path: Segments<(String, String)>,
    req: DrsRequest,
) -> Result<Response, ApiError> {
    let (_, resource_type) = segments(path, &req)?;
    let answer = app
        .tags
        .tag_instance_count(&req.caller, &resource_type, &req.body)
        .await;
    reply::json(StatusCode::OK, req.lang, answer)
}
