//! The Keystone login body (`POST /v3/auth/tokens`, `opendrs_core::login::parse_token_request`)
//! and the throttle's subject (`login_subject`). The password check itself (Argon2, deliberately
//! slow) is not fuzzed.
//!
//! Checks: a refusal is `DRS.M00300`; an accepted body is one plain JSON object whose fields are
//! what the parser read; the throttle's subject is the user ID, or the account and user name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opendrs_core::login::{login_subject, parse_token_request, TokenRequest};
use opendrs_fuzz::{accepted_json, assert_client_error};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let req = match parse_token_request(data) {
        Ok(req) => req,
        Err(e) => {
            assert_eq!(e.code(), "DRS.M00300");
            return assert_client_error(&e);
        }
    };
    check_subject(&req);
    // A lone surrogate escape in a field the parser skips: valid JSON grammar, but no `Value`.
    let Some(json) = accepted_json(data) else {
        return;
    };
    let text = |path: &[&str]| -> Option<String> {
        let v = path.iter().try_fold(&json, |v, k| v.get(k))?;
        v.as_str().map(str::to_owned)
    };
    let identity = &req.auth.identity;
    let methods: Vec<Value> = identity
        .methods
        .iter()
        .map(|m| Value::from(m.as_str()))
        .collect();
    assert_eq!(
        json["auth"]["identity"]
            .get("methods")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        methods
    );
    let user = identity.password.as_ref().map(|p| &p.user);
    let u = ["auth", "identity", "password", "user"];
    assert_eq!(
        user.and_then(|u| u.id.clone()),
        text(&[&u[..], &["id"]].concat())
    );
    assert_eq!(
        user.and_then(|u| u.name.clone()),
        text(&[&u[..], &["name"]].concat())
    );
    assert_eq!(
        user.and_then(|u| u.password.clone()),
        text(&[&u[..], &["password"]].concat())
    );
    let domain = user.and_then(|u| u.domain.as_ref());
    assert_eq!(
        domain.and_then(|d| d.name.clone()),
        text(&[&u[..], &["domain", "name"]].concat())
    );
    assert_eq!(
        domain.and_then(|d| d.id.clone()),
        text(&[&u[..], &["domain", "id"]].concat())
    );
    let project = req.auth.scope.as_ref().and_then(|s| s.project.as_ref());
    assert_eq!(
        project.and_then(|p| p.id.clone()),
        text(&["auth", "scope", "project", "id"])
    );
    assert_eq!(
        project.and_then(|p| p.name.clone()),
        text(&["auth", "scope", "project", "name"])
    );
});

/// The throttle's subject is the user ID, or the account (domain name, else ID) and user name.
fn check_subject(req: &TokenRequest) {
    let user = req.auth.identity.password.as_ref().map(|p| &p.user);
    let domain = user.and_then(|u| u.domain.as_ref());
    let subject = login_subject(req);
    match (
        user.and_then(|u| u.id.as_deref()),
        user.and_then(|u| u.name.as_deref()),
    ) {
        (Some(id), _) => assert_eq!(subject, Some(format!("id:{id}"))),
        (None, Some(name)) => {
            let account = domain.and_then(|d| d.name.as_deref().or(d.id.as_deref()));
            assert_eq!(subject, account.map(|a| format!("name:{a}/{name}")));
        }
        (None, None) => assert_eq!(subject, None),
    }
}
