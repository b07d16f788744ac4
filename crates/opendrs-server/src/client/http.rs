//! The client's HTTP side: one signed request at a time to the endpoint the user named, signed with AK/SK
//! exactly as the official SDKs sign (`opendrs_core::signing::sign_request`), answers read as JSON and
//! error bodies turned into [`ApiError`].

use anyhow::Context as _;
use opendrs_core::signing::sign_request;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde_json::Value;
use std::{fmt, time::Duration};

/// Where to send requests and with which key. The secret key is never shown by `Debug`.
#[derive(Clone)]
pub struct Credentials {
    pub endpoint: String,
    pub ak: String,
    pub sk: String,
    pub project_id: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("endpoint", &self.endpoint)
            .field("ak", &self.ak)
            .field("sk", &"<hidden>")
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// An answer outside 2xx, as the service described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub error_code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (HTTP {}",
            self.error_code, self.message, self.status
        )?;
        if let Some(id) = &self.request_id {
            write!(f, ", request {id}")?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for ApiError {}

/// Reads an error answer the way the SDKs do: `{error_code, error_msg}`, the nested
/// `{"error": {code, message}}`, or else the HTTP status and the body's text.
pub fn api_error(status: u16, body: &[u8], request_id: Option<String>) -> ApiError {
    let text = String::from_utf8_lossy(body).trim().to_string();
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let (code, message) = match &json {
        Some(v) if field(v, "error_code").is_some() => (
            field(v, "error_code"),
            field(v, "error_msg").or_else(|| field(v, "error_message")),
        ),
        Some(v) if v.get("error").is_some_and(Value::is_object) => {
            let e = &v["error"];
            (field(e, "code"), field(e, "message"))
        }
        _ => (None, None),
    };
    ApiError {
        status,
        error_code: code.unwrap_or_else(|| status.to_string()),
        message: message.unwrap_or(if text.is_empty() {
            "no error message".to_string()
        } else {
            text
        }),
        request_id,
    }
}

/// A signed-request client for one endpoint and one project.
pub struct Client {
    http: reqwest::Client,
    /// `scheme://host[:port]`: as the SDKs do, any path of the endpoint is dropped.
    base: String,
    /// `host[:port]` exactly as written in the endpoint (it is signed).
    host: String,
    creds: Credentials,
}

impl Client {
    pub fn new(creds: Credentials) -> anyhow::Result<Client> {
        let (base, host) = split_endpoint(&creds.endpoint)?;
        let http = reqwest::Client::builder()
            // Only the endpoint the user named: no proxy from the environment, no redirect elsewhere.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Client {
            http,
            base,
            host,
            creds,
        })
    }

    pub fn project_id(&self) -> &str {
        &self.creds.project_id
    }

    /// `POST|PUT|DELETE /v3/{project_id}/jobs[/api]` with a JSON body.
    pub async fn v3(&self, method: Method, api: &str, body: &Value) -> anyhow::Result<Value> {
        let mut path = format!("/v3/{}/jobs", segment(&self.creds.project_id));
        if !api.is_empty() {
            path.push('/');
            path.push_str(api);
        }
        self.send(method, &path, Some(body)).await
    }

    /// A v5 tag route: `/v5/{project_id}/{rest}` (`rest` already encoded with [`segment`]).
    pub async fn v5(
        &self,
        method: Method,
        rest: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let path = format!("/v5/{}/{rest}", segment(&self.creds.project_id));
        self.send(method, &path, body).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let body = match body {
            Some(v) => serde_json::to_vec(v)?,
            None => Vec::new(),
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("host"),
            HeaderValue::from_str(&self.host).context("invalid endpoint host")?,
        );
        headers.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            HeaderName::from_static("user-agent"),
            HeaderValue::from_static(concat!("opendrs-cli/", env!("CARGO_PKG_VERSION"))),
        );
        headers.insert(
            HeaderName::from_static("x-project-id"),
            HeaderValue::from_str(&self.creds.project_id).context("invalid project ID")?,
        );
        sign_request(
            &self.creds.ak,
            self.creds.sk.as_bytes(),
            method.as_str(),
            path,
            None,
            &mut headers,
            &body,
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| anyhow::anyhow!("cannot sign the request: {e}"))?;
        let url = format!("{}{path}", self.base);
        let res = self
            .http
            .request(method.clone(), &url)
            .headers(headers)
            .body(body)
            .send()
            .await
            .with_context(|| format!("{method} {url}: no answer"))?;
        let status = res.status().as_u16();
        let request_id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = res
            .bytes()
            .await
            .with_context(|| format!("{method} {url}: the answer broke off"))?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &bytes, request_id).into());
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .with_context(|| format!("{method} {url}: the answer is not JSON"))
    }
}

/// `(scheme://host[:port], host[:port])` of an endpoint such as `http://127.0.0.1:8080/`.
pub fn split_endpoint(endpoint: &str) -> anyhow::Result<(String, String)> {
    let endpoint = endpoint.trim();
    let (scheme, rest) = endpoint.split_once("://").ok_or_else(|| {
        anyhow::anyhow!("the endpoint {endpoint:?} needs a scheme, such as http://127.0.0.1:8080")
    })?;
    if scheme != "http" && scheme != "https" {
        anyhow::bail!("the endpoint's scheme must be http or https, not {scheme:?}");
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        anyhow::bail!("the endpoint {endpoint:?} needs a host (and no user info)");
    }
    Ok((format!("{scheme}://{host}"), host.to_string()))
}

/// One path segment, percent-encoded outside the unreserved characters.
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_keeps_only_scheme_host_and_port() {
        assert_eq!(
            split_endpoint("http://127.0.0.1:8080/some/prefix").ok(),
            Some(("http://127.0.0.1:8080".into(), "127.0.0.1:8080".into()))
        );
        assert!(split_endpoint("127.0.0.1:8080").is_err());
        assert!(split_endpoint("ftp://h").is_err());
    }

    #[test]
    fn error_bodies_are_read_as_the_sdks_read_them() {
        let e = api_error(
            401,
            br#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}"#,
            Some("r1".into()),
        );
        assert_eq!(e.error_code, "APIGW.0301");
        assert!(e.to_string().contains("HTTP 401"));
        let e = api_error(
            403,
            br#"{"error":{"code":"DRS.403","message":"forbidden"}}"#,
            None,
        );
        assert_eq!(
            (e.error_code.as_str(), e.message.as_str()),
            ("DRS.403", "forbidden")
        );
        let e = api_error(500, b"boom", None);
        assert_eq!((e.error_code.as_str(), e.message.as_str()), ("500", "boom"));
    }

    #[test]
    fn the_secret_key_is_not_in_debug_output() {
        let c = Credentials {
            endpoint: "http://h".into(),
            ak: "AK".into(),
            sk: "very-secret".into(),
            project_id: "p".into(),
        };
        assert!(!format!("{c:?}").contains("very-secret"));
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("a b/c"), "a%20b%2Fc");
        assert_eq!(segment("job-1_x.y"), "job-1_x.y");
    }
}
