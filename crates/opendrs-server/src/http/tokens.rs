//! `POST /v3/auth/tokens`: IAM-style password login. Needs no prior credentials; an
//! `Authorization` or `X-Sdk-Date` header (the IAM SDK signs every call) is ignored.
//! `GET /v3/auth/projects`: the projects a token's user may switch to (as Keystone has it).

use super::{
    error::ApiError,
    extract::{is_json, lenient_lang, read_body},
    AppState,
};
use axum::{
    extract::{Request, State},
    http::{header::HOST, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use opendrs_core::{
    login::{parse_token_request, TokenResponse},
    Error,
};

/// Obtaining a token.
///
/// Password login scoped to a project; the token is in the `X-Subject-Token` header.
#[utoipa::path(
    post,
    path = "/v3/auth/tokens",
    operation_id = "KeystoneCreateUserTokenByPassword",
    tag = "auth",
    params(("nocatalog" = Option<String>, Query, description = "any value: omit the catalog")),
    request_body = opendrs_core::login::TokenRequest,
    responses(
        (status = 201, description = "Created; the token is in X-Subject-Token", body = TokenResponse),
        (status = 400, description = "Bad Request", body = super::error::ErrorBody),
        (status = 401, description = "Wrong account, user name or password", body = super::error::ErrorBody),
        (status = 429, description = "Too many logins at once; retry after Retry-After", body = super::error::ErrorBody),
    )
)]
pub async fn token_create(State(app): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let lang = lenient_lang(&parts);
    let bytes = read_body(&parts, body, app.config.body_limit, lang).await?;
    if !is_json(&parts) {
        return Err(ApiError::new(
            Error::request("Content-Type must be application/json"),
            lang,
        ));
    }
    let request = parse_token_request(&bytes).map_err(|e| ApiError::new(e, lang))?;
    let address = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let (token, mut body) = app
        .authn
        .token_issue(request, address)
        .await
        .map_err(|e| ApiError::new(e, lang))?;
    let nocatalog = parts.uri.query().unwrap_or_default().split('&').any(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        k == "nocatalog" && !v.is_empty()
    });
    if !nocatalog {
        let host = parts
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        body.catalog = Some(vec![serde_json::json!({
            "type": "drs",
            "name": "drs",
            "id": "drs",
            "endpoints": [{
                "id": "drs-public",
                "interface": "public",
                "region": body.project.name,
                "region_id": body.project.name,
                "url": format!("http://{host}/v3/{}", body.project.id),
            }],
        })]);
    }
    let mut res = (StatusCode::CREATED, Json(TokenResponse { token: body })).into_response();
    let value =
        HeaderValue::from_str(&token).map_err(|e| ApiError::new(Error::internal(e), lang))?;
    res.headers_mut().insert("x-subject-token", value);
    Ok(res)
}

/// Listing the projects a token's user holds a role in.
///
/// As Keystone's `GET /v3/auth/projects`: authenticated by `X-Auth-Token` only; the console's
/// project switcher reads it.
#[utoipa::path(
    get,
    path = "/v3/auth/projects",
    operation_id = "KeystoneListAuthProjects",
    tag = "auth",
    responses(
        (status = 200, description = "The projects, by name", body = Object),
        (status = 401, description = "No valid token", body = super::error::ErrorBody),
    ),
    security(("token" = []))
)]
pub async fn auth_projects(
    State(app): State<AppState>,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let lang = lenient_lang(&parts);
    let projects = app
        .authn
        .token_projects(&parts)
        .map_err(|e| ApiError::new(e, lang))?;
    let projects: Vec<serde_json::Value> = projects
        .into_iter()
        .map(|(id, name, domain_id)| {
            serde_json::json!({"id": id, "name": name, "domain_id": domain_id, "enabled": true})
        })
        .collect();
    Ok(Json(serde_json::json!({ "projects": projects })).into_response())
}
