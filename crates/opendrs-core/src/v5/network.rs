//! The v5 connection test: the `network` action's `action_params.endpoints` read into the v3
//! `batch-connection` tests (the same rule decides, `workflow::reach`), and the
//! `ShowJobDetail` `type=network` view of the latest stored results (`QueryNetworkResult`).

use crate::{
    error::{Error, Reason, Result},
    lang::Lang,
    messages::message,
    ops::{check_text, MAX_ID_CHARS, MAX_IP_CHARS, MAX_PASSWORD_CHARS},
    workflow::{
        bodies::{ConnectionTest, Side},
        state::{ConnectionResult, WorkflowState},
    },
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An endpoint to test (the parts of the SDK's `JobEndpointInfo` a test reads; the others are
/// accepted and ignored, passwords dropped).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NetworkEndpoint {
    /// `so` (source) or `ta` (target).
    pub endpoint_role: Option<String>,
    pub endpoint: Option<NetworkAddress>,
}

/// `endpoint` (the SDK's `BaseEndpoint`): the address to test instead of the job's.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NetworkAddress {
    /// `host`, `host:port`, or several, comma-separated.
    pub ip: Option<String>,
    /// A string, as the SDK types it (a number is accepted too).
    #[schema(value_type = Option<String>)]
    pub db_port: Option<Value>,
    pub instance_id: Option<String>,
    pub db_password: Option<String>,
}

fn trimmed(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn port(v: &Value, field: &str) -> Result<Option<u16>> {
    let n = match v {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    match n {
        Some(0) => Ok(None),
        Some(p) => u16::try_from(p)
            .map(Some)
            .map_err(|_| Error::invalid_with(field, Reason::OutOfRange { min: 1, max: 65535 })),
        None => Err(Error::invalid_with(field, Reason::WrongType)),
    }
}

/// The tests of a `network` action: each endpoint given (by `endpoint_role`, at most one of
/// each), or, with none, the job's stored source and target. `field` prefixes error names
/// (`job.action_params.endpoints`).
pub fn tests(endpoints: Option<&[NetworkEndpoint]>, field: &str) -> Result<Vec<ConnectionTest>> {
    let given = endpoints.unwrap_or_default();
    if given.is_empty() {
        return Ok([Side::Source, Side::Target]
            .into_iter()
            .map(|side| ConnectionTest {
                side,
                ip: None,
                db_port: None,
                inst_id: None,
            })
            .collect());
    }
    let mut out: Vec<ConnectionTest> = Vec::with_capacity(2);
    for (k, e) in given.iter().enumerate() {
        let f = |name: &str| format!("{field}[{k}].{name}");
        let side = match e.endpoint_role.as_deref().map(str::trim) {
            Some("so") => Side::Source,
            Some("ta") => Side::Target,
            None | Some("") => return Err(Error::empty(f("endpoint_role"))),
            Some(_) => {
                return Err(Error::invalid_with(
                    f("endpoint_role"),
                    Reason::OneOf(&["so", "ta"]),
                ))
            }
        };
        if out.iter().any(|t| t.side == side) {
            return Err(Error::invalid_with(f("endpoint_role"), Reason::Duplicate));
        }
        let a = e.endpoint.clone().unwrap_or_default();
        if let Some(ip) = &a.ip {
            check_text(ip, &f("endpoint.ip"), MAX_IP_CHARS)?;
        }
        if let Some(id) = &a.instance_id {
            check_text(id, &f("endpoint.instance_id"), MAX_ID_CHARS)?;
        }
        if a.db_password
            .as_deref()
            .is_some_and(|p| p.chars().count() > MAX_PASSWORD_CHARS)
        {
            return Err(Error::invalid_with(
                f("endpoint.db_password"),
                Reason::TooLong(MAX_PASSWORD_CHARS),
            ));
        }
        let db_port = match &a.db_port {
            Some(v) => port(v, &f("endpoint.db_port"))?,
            None => None,
        };
        out.push(ConnectionTest {
            side,
            ip: trimmed(&a.ip),
            db_port,
            inst_id: trimmed(&a.instance_id),
        });
    }
    Ok(out)
}

/// A stored connection test (the SDK's `QueryNetworkResult`): `status` `success`|`failed` and
/// `success`, as `batch-connection` answers; a failure's `error_code` / `error_msg` as it did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueryNetworkResult {
    /// The address tested (without credentials).
    pub ip: String,
    pub success: bool,
    /// `so: success`, or `ta: failed` (which endpoint, and the outcome).
    pub result: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

fn view(side: Side, r: &ConnectionResult, lang: Lang) -> QueryNetworkResult {
    let status = if r.success { "success" } else { "failed" };
    let error = (!r.success).then(|| Error::ConnectionFailed {
        target: r.reason.clone().unwrap_or_default(),
    });
    QueryNetworkResult {
        ip: r.ip.clone(),
        success: r.success,
        result: format!("{}: {status}", side.as_str()),
        status: status.into(),
        error_code: error.as_ref().map(|e| e.code().to_string()),
        error_msg: error.as_ref().map(|e| message(e, lang)),
    }
}

/// `network_results`: the latest test of the source, then of the target (those tested).
pub fn results(state: Option<&WorkflowState>, lang: Lang) -> Vec<QueryNetworkResult> {
    let Some(c) = state.map(|s| &s.connections) else {
        return Vec::new();
    };
    [(Side::Source, &c.source), (Side::Target, &c.target)]
        .into_iter()
        .filter_map(|(side, r)| r.as_ref().map(|r| view(side, r, lang)))
        .collect()
}
