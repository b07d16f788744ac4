//! How every DRS handler ends: one core call's answer rendered as a status and JSON, or its
//! domain error as an `ApiError` in the request's language (rendered by `error.rs`).

use super::error::ApiError;
use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use opendrs_core::lang::Lang;
use serde::Serialize;

/// `status` with the answer as JSON, or the error in the DRS format.
pub fn json<T: Serialize>(
    status: StatusCode,
    lang: Lang,
    answer: opendrs_core::Result<T>,
) -> Result<Response, ApiError> {
    answer
        .map(|a| (status, Json(a)).into_response())
        .map_err(|e| ApiError::new(e, lang))
}

/// `200 OK` with a body already rendered as JSON (a cached list page), or the error.
pub fn json_bytes(
    lang: Lang,
    answer: opendrs_core::Result<std::sync::Arc<[u8]>>,
) -> Result<Response, ApiError> {
    answer
        .map(|bytes| {
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                )],
                axum::body::Bytes::from_owner(bytes),
            )
                .into_response()
        })
        .map_err(|e| ApiError::new(e, lang))
}

/// `204 No Content`, or the error in the DRS format.
pub fn no_content(lang: Lang, answer: opendrs_core::Result<()>) -> Result<Response, ApiError> {
    answer
        .map(|()| StatusCode::NO_CONTENT.into_response())
        .map_err(|e| ApiError::new(e, lang))
}
