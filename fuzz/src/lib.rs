//! What every fuzz target checks besides "no panic": a refused input is a client error that
//! renders in both languages, and a body the service accepts is JSON to a plain JSON parser too.

use opendrs_core::{
    caller::{Caller, Role, Tenant},
    enums::JobStatus,
    lang::Lang,
    messages::message,
    ops::{ItemOutcome, WriteItem, MAX_BATCH_ITEMS},
    Error, Result,
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
    // A flow-control range that begins when it ends (`batch-limit-speed`), a 400.
    "DRS.M00306",
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

/// A batch write body read by `parse`: `None` when the call is refused (with a client error);
/// else its items, after checking that the body is plain JSON with one item per element of its
/// list `list`, that there are 1–100, and that a second parse gives the same.
pub fn batch_items(
    data: &[u8],
    list: &str,
    parse: impl Fn(&[u8]) -> Result<Vec<WriteItem>>,
) -> Option<Vec<WriteItem>> {
    let items = match parse(data) {
        Ok(items) => items,
        Err(e) => {
            assert_client_error(&e);
            return None;
        }
    };
    if let Some(json) = accepted_json(data) {
        let n = json[list].as_array().map_or(0, Vec::len);
        assert_eq!(items.len(), n, "one answer per item");
    }
    assert!((1..=MAX_BATCH_ITEMS).contains(&items.len()));
    assert_eq!(parse(data).as_ref(), Ok(&items), "parsing is deterministic");
    Some(items)
}

/// No key twice (the jobs a batch names).
pub fn assert_distinct(mut keys: Vec<String>) {
    keys.sort();
    assert!(
        keys.windows(2).all(|w| w[0] != w[1]),
        "a call names each job once: {keys:?}"
    );
}

/// Each item's outcome had every valid item been applied: what the answers render.
pub fn outcomes(items: Vec<WriteItem>) -> Vec<ItemOutcome> {
    items
        .into_iter()
        .map(|item| match item {
            WriteItem::Create(job) => ItemOutcome::Created {
                id: "00000000-0000-0000-0000-000000000000".into(),
                name: job.name,
                status: JobStatus::Creating,
                create_time_ms: 0,
            },
            WriteItem::Act { job_id, .. } => ItemOutcome::Applied {
                id: job_id,
                name: "fuzzed".into(),
                status: JobStatus::Creating,
            },
            WriteItem::Rejected { id, name, error } => ItemOutcome::Failed { id, name, error },
        })
        .collect()
}
