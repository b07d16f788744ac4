//! The ONE place where a domain error becomes an HTTP answer: status, `error_code`,
//! localized `error_msg`, `Retry-After`; gateway-class errors get `request_id` (added by
//! `context`, which knows it). Internal details are logged, never sent.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use opendrs_core::{lang::Lang, messages::message, Error};
use serde::Serialize;

/// A domain error with the language to explain it in.
#[derive(Debug)]
pub struct ApiError {
    pub error: Error,
    pub lang: Lang,
}

impl ApiError {
    pub fn new(error: Error, lang: Lang) -> Self {
        ApiError { error, lang }
    }
}

/// The status for each error.
pub fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::EmptyParam { .. }
        | Error::InvalidParam { .. }
        | Error::InvalidPage(_)
        | Error::InvalidRequest { .. }
        | Error::JobNotFound
        | Error::JobDeleted
        | Error::NoSuchJob
        | Error::StatusForbids { .. }
        | Error::ChildJob
        | Error::NotForThisTask
        | Error::PrecheckNotPassed
        | Error::RetryPrecheckNotPassed
        | Error::PrecheckNotRun
        | Error::OperationInProgress
        | Error::FlowControlUnsupported
        | Error::SpeedRangeEmpty
        | Error::ConnectionFailed { .. }
        | Error::NotReplicating { .. }
        | Error::TagKeyDuplicate
        | Error::TagTooLong
        | Error::TooManyTags { .. }
        | Error::QuotaExceeded { .. } => StatusCode::BAD_REQUEST,
        Error::NameTaken => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Unauthenticated { .. } | Error::AmbiguousCredentials(_) | Error::TokenExpired => {
            StatusCode::UNAUTHORIZED
        }
        Error::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
        Error::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        Error::ProjectMismatch | Error::Forbidden => StatusCode::FORBIDDEN,
        Error::RouteNotFound => StatusCode::NOT_FOUND,
        Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        Error::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
        Error::Throttled { .. } | Error::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The error body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error_code: String,
    pub error_msg: String,
    /// Only on gateway-class (`APIGW.*`) errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Left in the response's extensions for `context` to finish and log.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub body: ErrorBody,
    pub gateway: bool,
    /// What went wrong inside, for the log only.
    pub internal: Option<String>,
}

/// Builds the JSON response for a body.
pub fn json_error(status: StatusCode, body: &ErrorBody) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut res = (status, bytes).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        let body = ErrorBody {
            error_code: self.error.code().to_string(),
            error_msg: message(&self.error, self.lang),
            request_id: None,
        };
        let mut res = json_error(status, &body);
        let retry_after = match &self.error {
            Error::Throttled { retry_after } => Some(*retry_after),
            Error::TooManyStreams { .. } => Some(std::time::Duration::from_secs(1)),
            _ => None,
        };
        if let Some(retry_after) = retry_after {
            let secs = retry_after.as_secs().max(1).to_string();
            if let Ok(v) = HeaderValue::from_str(&secs) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        let internal = match &self.error {
            Error::Internal(detail) | Error::Unavailable(detail) => Some(detail.clone()),
            _ => None,
        };
        res.extensions_mut().insert(ErrorInfo {
            body,
            gateway: self.error.is_gateway_class(),
            internal,
        });
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_error_maps_to_a_client_or_server_status_matching_its_class() {
        let cases = [
            (Error::empty("x"), 400),
            (Error::invalid("x"), 400),
            (
                Error::InvalidPage(opendrs_core::error::PageProblem::NegativeCurPage),
                400,
            ),
            (Error::request("x"), 400),
            (Error::Unauthenticated { reason: "r".into() }, 401),
            (Error::TokenExpired, 401),
            (
                Error::AmbiguousCredentials(opendrs_core::error::Ambiguity::TwoTokens),
                401,
            ),
            (Error::UriTooLong { limit: 1 }, 414),
            (Error::HeadersTooLarge { limit: 1 }, 431),
            (Error::TooManyStreams { max: 1 }, 429),
            (Error::ProjectMismatch, 403),
            (Error::Forbidden, 403),
            (Error::RouteNotFound, 404),
            (Error::MethodNotAllowed, 405),
            (Error::BodyTooLarge { limit: 1 }, 413),
            (Error::RequestTimeout { secs: 1 }, 408),
            (
                Error::Throttled {
                    retry_after: Duration::from_secs(1),
                },
                429,
            ),
            (Error::Unavailable("x".into()), 503),
            (Error::internal("x"), 500),
        ];
        for (err, status) in cases {
            assert_eq!(status_of(&err).as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn a_throttled_answer_says_when_to_retry() {
        let res = ApiError::new(
            Error::Throttled {
                retry_after: Duration::from_millis(300),
            },
            Lang::EnUs,
        )
        .into_response();
        assert_eq!(
            res.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
    }
}
