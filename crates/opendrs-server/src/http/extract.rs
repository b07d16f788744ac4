//! `DrsRequest`: the one extractor of every DRS route. It reads the body within the size
//! limit, authenticates the caller for the path's project, settles the language and checks the
//! content type, so that handlers receive only a vetted request. `DrsRead` is the same for a
//! GET; `segments` reads a path's parameters in the DRS error format.

use super::{error::ApiError, AppState};
use axum::{
    body::Bytes,
    extract::{rejection::PathRejection, FromRequest, Path, Request},
    http::{header, request::Parts, HeaderValue, Method},
};
use opendrs_core::{caller::Caller, lang::Lang, Error};

/// An authenticated request to a DRS route.
pub struct DrsRequest {
    pub caller: Caller,
    pub lang: Lang,
    pub body: Bytes,
    /// The request's ID (as in `X-Request-Id`), for the audit trail.
    pub request_id: String,
}

impl DrsRequest {
    /// Who is writing, for the audit trail.
    pub fn actor(&self) -> opendrs_core::audit::Actor {
        opendrs_core::audit::Actor {
            user_id: self.caller.user_id.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// The language to explain an error in, before the header has been validated.
pub fn lenient_lang(parts: &Parts) -> Lang {
    Lang::parse(
        parts
            .headers
            .get("x-language")
            .and_then(|v| v.to_str().ok()),
    )
    .unwrap_or_default()
}

/// `application/json`, with or without parameters such as `charset=utf-8`.
pub fn is_json(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Reads the whole body, refusing more than `limit` bytes.
pub async fn read_body(
    parts: &Parts,
    body: axum::body::Body,
    limit: usize,
    lang: Lang,
) -> Result<Bytes, ApiError> {
    let too_large = || ApiError::new(Error::BodyTooLarge { limit }, lang);
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit")
        {
            too_large()
        } else {
            ApiError::new(
                Error::request(format!("the body could not be read: {e}")),
                lang,
            )
        }
    })
}

impl FromRequest<AppState> for DrsRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = lenient_lang(&parts);
        let body = read_body(&parts, body, state.config.body_limit, lang).await?;
        let caller = state
            .authn
            .authenticate(&parts, &body)
            .await
            .map_err(|e| ApiError::new(e, lang))?;
        let lang = Lang::parse(
            parts
                .headers
                .get("x-language")
                .and_then(|v| v.to_str().ok()),
        )
        .map_err(|e| ApiError::new(e, Lang::EnUs))?;
        if !is_json(&parts) {
            return Err(ApiError::new(
                Error::request("Content-Type must be application/json"),
                lang,
            ));
        }
        let request_id = parts
            .extensions
            .get::<super::context::RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        Ok(DrsRequest {
            caller,
            lang,
            body,
            request_id,
        })
    }
}

/// A `DrsRequest` for a GET: the SDK sends `Content-Type: application/json` even without a
/// body, other clients send none; a GET without one is read as JSON (there is no body to read).
pub struct DrsRead(pub DrsRequest);

impl FromRequest<AppState> for DrsRead {
    type Rejection = ApiError;

    async fn from_request(mut req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if req.method() == Method::GET && !req.headers().contains_key(header::CONTENT_TYPE) {
            req.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        DrsRequest::from_request(req, state).await.map(DrsRead)
    }
}

/// The path's segments as a handler takes them (the rejection is rendered by [`segments`]).
pub type Segments<T> = Result<Path<T>, PathRejection>;

/// The path's segments (a segment that is not valid UTF-8 after decoding is `DRS.M00300`).
pub fn segments<T>(path: Segments<T>, req: &DrsRequest) -> Result<T, ApiError> {
    path.map(|Path(p)| p)
        .map_err(|e| ApiError::new(Error::request(e.body_text()), req.lang))
}
