//! Per-request context: a fresh request ID on every response (`X-Request-Id`), the time spent
//! (`Server-Timing: app;dur=<ms>`), a tracing span
//! carrying it, one access-log line, and the finishing of error bodies (`request_id` on
//! gateway-class errors; internal details logged here and nowhere else).

use super::error::{json_error, ErrorInfo};
use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::time::Instant;
use tracing::Instrument;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub static SERVER_TIMING: HeaderName = HeaderName::from_static("server-timing");

/// The request's ID, available to handlers through extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Middleware: a request that is not answered within `request_timeout_secs` (a body that
/// never finishes arriving, say) gets 408 `APIGW.0201` instead of holding its connection forever.
pub async fn deadline(
    axum::extract::State(app): axum::extract::State<super::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let secs = app.config.request_timeout_secs.max(1);
    let lang = opendrs_core::lang::Lang::parse(
        req.headers()
            .get("x-language")
            .and_then(|v| v.to_str().ok()),
    )
    .unwrap_or_default();
    match tokio::time::timeout(std::time::Duration::from_secs(secs), next.run(req)).await {
        Ok(res) => res,
        Err(_) => super::error::ApiError::new(opendrs_core::Error::RequestTimeout { secs }, lang)
            .into_response(),
    }
}

/// Longest request URI (path and query) answered; longer is 414 `APIGW.0201`.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Largest request head (header names and values) answered; larger is 431 `APIGW.0201`.
/// Heads past hyper's own limit (about 400 KB, or more than 100 headers) are refused by hyper
/// before this code runs (`docs/decisions.md`).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Middleware: an over-long URI or over-large headers get an answer in the DRS error format
/// (with `request_id`) instead of reaching a handler.
pub async fn limits(req: Request, next: Next) -> Response {
    let lang = || {
        opendrs_core::lang::Lang::parse(
            req.headers()
                .get("x-language")
                .and_then(|v| v.to_str().ok()),
        )
        .unwrap_or_default()
    };
    let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri > MAX_URI_BYTES {
        return super::error::ApiError::new(
            opendrs_core::Error::UriTooLong {
                limit: MAX_URI_BYTES,
            },
            lang(),
        )
        .into_response();
    }
    let head: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if head > MAX_HEADER_BYTES {
        return super::error::ApiError::new(
            opendrs_core::Error::HeadersTooLarge {
                limit: MAX_HEADER_BYTES,
            },
            lang(),
        )
        .into_response();
    }
    next.run(req).await
}

/// Middleware: see the module docs.
pub async fn request_context(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let _enter = span.enter();
    if let Some(info) = res.extensions_mut().remove::<ErrorInfo>() {
        if let Some(detail) = &info.internal {
            tracing::error!(error = %detail, "request failed");
        }
        if info.gateway {
            let mut body = info.body.clone();
            body.request_id = Some(id.clone());
            let status = res.status();
            let headers = std::mem::take(res.headers_mut());
            res = json_error(status, &body);
            for (k, v) in headers.iter() {
                if k != axum::http::header::CONTENT_LENGTH {
                    res.headers_mut().insert(k.clone(), v.clone());
                }
            }
        }
        tracing::info!(status = res.status().as_u16(), error_code = %info.body.error_code,
            elapsed_us = started.elapsed().as_micros() as u64, "request");
    } else {
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_us = started.elapsed().as_micros() as u64,
            "request"
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(X_REQUEST_ID.clone(), v);
    }
    // Time until the response head (for a streamed list: until the first byte).
    let timing = format!("app;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(v) = HeaderValue::from_str(&timing) {
        res.headers_mut().insert(SERVER_TIMING.clone(), v);
    }
    res
}
