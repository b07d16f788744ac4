//! What every fuzz target checks besides "no panic": a refused input is a client error that
//! renders in both languages, and a body the service accepts is JSON to a plain JSON parser too.

use opendrs_core::{
    caller::{Caller, Role, Tenant},
    lang::Lang,
    messages::message,
    Error,
};
use serde_json::Value;

/// The codes a parser or validator may refuse client input with (all 4xx).
const CLIENT_CODES: &[&str] = &[
    "DRS.M00201",
    "DRS.M00202",
    "DRS.M00210",
    "DRS.M00300",
    "DRS.M00269",
    "DRS.M00270",
    "DRS.M00271",
    "DRS.M00102",
];

/// `e` refuses client input: a 4xx code (never `DRS.M00004`, a 500), and a non-empty message in
/// both languages.
pub fn assert_client_error(e: &Error) {
    assert!(
        CLIENT_CODES.contains(&e.code()),
        "client input refused with {}: {e:?}",
        e.code()
    );
    for lang in [Lang::EnUs, Lang::ZhCn] {
        assert!(
            !message(e, lang).is_empty(),
            "no {lang:?} message for {e:?}"
        );
    }
}

/// Checks a body the service accepted: empty, or exactly one JSON object (or `null`) in UTF-8
/// with nothing but whitespace after it. Returns its value, unless it holds what the JSON grammar
/// allows but `serde_json::Value` cannot hold: a lone surrogate escape (`"\ud800"`, RFC 8259
/// §8.2) or a number beyond `f64` (`1e400`, §6), which the service may ignore in a field it does
/// not read.
pub fn accepted_json(body: &[u8]) -> Option<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(Value::Null);
    }
    let Ok(text) = std::str::from_utf8(body) else {
        panic!(
            "accepted a body that is not UTF-8: {:?}",
            String::from_utf8_lossy(body)
        );
    };
    let grammar = serde_json::from_str::<serde::de::IgnoredAny>(text);
    let object = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'n'));
    assert!(
        grammar.is_ok() && object,
        "accepted a body that is not one JSON object ({grammar:?}): {text:?}"
    );
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Object(_) | Value::Null)) => Some(v),
        Ok(other) => panic!("accepted a body that is not a JSON object: {other:?}"),
        Err(e) => {
            let e = e.to_string();
            let unrepresentable = ["surrogate", "hex escape", "number out of range"];
            assert!(
                unrepresentable.iter().any(|u| e.contains(u)),
                "accepted a body a JSON parser refuses ({e}): {text:?}"
            );
            None
        }
    }
}

/// A caller with every role and no enterprise-project limit.
pub fn unlimited_caller() -> Caller {
    Caller {
        tenant: Tenant::new("0123456789abcdef0123456789abcdef", 1),
        user_id: "u-fuzz".into(),
        roles: vec![Role::Admin],
        enterprise_projects: None,
    }
}

/// A caller limited to the enterprise projects `0` and `ep-1`.
pub fn limited_caller() -> Caller {
    Caller {
        enterprise_projects: Some(vec!["0".into(), "ep-1".into()]),
        ..unlimited_caller()
    }
}

/// Serializes a JSON value (the targets' re-serialized bodies never fail to serialize).
pub fn to_body(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("a JSON value serializes")
}
