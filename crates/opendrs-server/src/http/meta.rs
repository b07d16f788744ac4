//! Service routes outside the DRS API: health, readiness, the OpenAPI document, and the
//! answers for unknown routes and methods.

use super::{error::ApiError, extract::lenient_lang, AppState};
use axum::{
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opendrs_core::Error;

/// Liveness: the process answers.
pub async fn health() -> &'static str {
    "ok"
}

/// Readiness: the store answers.
pub async fn ready(State(app): State<AppState>) -> Response {
    match app.jobs.store().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "storage unavailable").into_response()
        }
    }
}

/// The OpenAPI document.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(super::openapi::document())
}

/// Any path that is not a route.
pub async fn not_found(req: Request) -> ApiError {
    let (parts, _) = req.into_parts();
    ApiError::new(Error::RouteNotFound, lenient_lang(&parts))
}

/// A route called with a method it does not have.
pub async fn method_not_allowed(req: Request) -> ApiError {
    let (parts, _) = req.into_parts();
    ApiError::new(Error::MethodNotAllowed, lenient_lang(&parts))
}
