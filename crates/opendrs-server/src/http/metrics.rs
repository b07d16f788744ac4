//! `/metrics` and the middleware that counts every request: its route template (axum's
//! `MatchedPath`; `unmatched` for any other path, so a scanner cannot grow the label set), method,
//! status, DRS error code and time to the response head.

use super::error::ErrorInfo;
use crate::metrics::{Metrics, CONTENT_TYPE};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use std::{sync::Arc, time::Instant};

/// The method as a label; any method outside the standard ones is `other`.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Middleware: records the request in `opendrs_http_requests_total` and its latency. It sits
/// inside `context::request_context`, so the error's code is still on the response.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    let code = res
        .extensions()
        .get::<ErrorInfo>()
        .map_or("", |i| i.body.error_code.as_str());
    metrics.request(
        route.as_ref().map_or("unmatched", |r| r.as_str()),
        method,
        res.status().as_u16(),
        code,
        started.elapsed(),
    );
    res
}

/// `GET /metrics`: every metric in the Prometheus text format. Unauthenticated, like `/health`
/// (see `docs/decisions.md`: keep it on an internal address with `metrics_listen`).
pub async fn scrape(State(metrics): State<Arc<Metrics>>) -> Response {
    let mut res = metrics.render().into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    res
}

/// The router of a separate metrics listener (`metrics_listen`): `/metrics` alone.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(metrics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_outside_the_standard_ones_is_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        let odd = Method::from_bytes(b"BREW").expect("method");
        assert_eq!(method_label(&odd), "other");
    }
}
