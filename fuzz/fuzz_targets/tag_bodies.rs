//! The v5 tag bodies: `tags/create` and `tags/delete` (`BatchTagReq`), the deprecated
//! `tags/action` (`BatchDealResourceTagReq`), `resource-instances/filter` and `/count`
//! (`QueryInstanceByTagReq`), and the filter's `limit`/`offset` query string. Each input is read
//! as each of them.
//!
//! Checks: a refusal is a client error; an accepted body is plain JSON; validated tags are 1–20
//! valid keys, each once; `tags/action` agrees with `tags/create` and `tags/delete`; every
//! validated body written back validates to itself; a window is within its bounds and round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opendrs_core::{
    enums::DbUseType,
    query::parse_json,
    tags::{
        validate_create, validate_delete, validate_key, window, BatchDealResourceTagReq,
        BatchTagReq, InstanceQuery, QueryInstanceByTagReq, TagChange, TagScope, MAX_LIMIT,
        MAX_TAGS,
    },
};
use opendrs_fuzz::{accepted_json, assert_client_error, to_body};
use serde_json::{json, Value};

fuzz_target!(|data: &[u8]| {
    tag_writes(data);
    tag_action(data);
    instance_filter(data);
    if let Ok(query) = std::str::from_utf8(data) {
        query_window(query);
    }
});

fn tags_body(tags: impl Iterator<Item = (String, Option<String>)>) -> Vec<u8> {
    let tags: Vec<Value> = tags.map(|(k, v)| json!({"key": k, "value": v})).collect();
    to_body(&json!({ "tags": tags }))
}

fn keys_valid<'a>(keys: impl Iterator<Item = &'a String>) {
    let mut keys: Vec<&String> = keys.collect();
    assert!((1..=MAX_TAGS).contains(&keys.len()));
    assert!(keys.iter().all(|k| validate_key(k).is_ok()));
    keys.sort();
    assert!(keys.windows(2).all(|w| w[0] != w[1]), "each key once");
}

fn tag_writes(data: &[u8]) {
    let req = match parse_json::<BatchTagReq>(data) {
        Ok(req) => req,
        Err(e) => return assert_client_error(&e),
    };
    accepted_json(data);
    match validate_create(req.tags.as_deref()) {
        Err(e) => assert_client_error(&e),
        Ok(tags) => {
            keys_valid(tags.iter().map(|(k, _)| k));
            let body = tags_body(tags.iter().map(|(k, v)| (k.clone(), Some(v.clone()))));
            let again =
                parse_json::<BatchTagReq>(&body).and_then(|r| validate_create(r.tags.as_deref()));
            assert_eq!(
                again.as_ref(),
                Ok(&tags),
                "tags to add written back validate to themselves"
            );
        }
    }
    match validate_delete(req.tags.as_deref()) {
        Err(e) => assert_client_error(&e),
        Ok(tags) => {
            keys_valid(tags.iter().map(|(k, _)| k));
            let again = parse_json::<BatchTagReq>(&tags_body(tags.clone().into_iter()))
                .and_then(|r| validate_delete(r.tags.as_deref()));
            assert_eq!(
                again.as_ref(),
                Ok(&tags),
                "tags to remove written back validate to themselves"
            );
        }
    }
}

fn tag_action(data: &[u8]) {
    let req = match parse_json::<BatchDealResourceTagReq>(data) {
        Ok(req) => req,
        Err(e) => return assert_client_error(&e),
    };
    accepted_json(data);
    match req.validate() {
        Err(e) => assert_client_error(&e),
        Ok(TagChange::Create(tags)) => {
            assert_eq!(
                validate_create(req.tags.as_deref()).as_ref(),
                Ok(&tags),
                "action create = tags/create"
            );
        }
        Ok(TagChange::Delete(tags)) => {
            assert_eq!(
                validate_delete(req.tags.as_deref()).as_ref(),
                Ok(&tags),
                "action delete = tags/delete"
            );
        }
    }
}

fn scope() -> TagScope {
    TagScope {
        db_use_type: DbUseType::Migration,
        enterprise_projects: None,
    }
}

fn instance_filter(data: &[u8]) {
    let req = match parse_json::<QueryInstanceByTagReq>(data) {
        Ok(req) => req,
        Err(e) => return assert_client_error(&e),
    };
    accepted_json(data);
    let q = match req.validate(scope()) {
        Ok(q) => q,
        Err(e) => return assert_client_error(&e),
    };
    assert!(q.tags.len() <= MAX_TAGS);
    assert!(
        q.tags.windows(2).all(|w| w[0].0 < w[1].0),
        "keys sorted, each once"
    );
    assert!(q
        .tags
        .iter()
        .all(|(k, vs)| !k.is_empty() && vs.windows(2).all(|w| w[0] < w[1])));
    assert!(q.name_contains.iter().all(|t| !t.is_empty()));
    assert!(q.name_contains.windows(2).all(|w| w[0] < w[1]));
    if q.without_any_tag {
        assert!(q.tags.is_empty(), "without_any_tag ignores tags");
    }
    let again = parse_json::<QueryInstanceByTagReq>(&to_body(&filter_body(&q)))
        .and_then(|r| r.validate(scope()));
    assert_eq!(
        again.as_ref(),
        Ok(&q),
        "the filter written back validates to itself"
    );
}

fn filter_body(q: &InstanceQuery) -> Value {
    json!({
        "without_any_tag": q.without_any_tag,
        "tags": q.tags.iter().map(|(k, vs)| json!({"key": k, "values": vs})).collect::<Vec<_>>(),
        "matches": q.name_contains.iter().map(|t| json!({"key": "resource_name", "value": t})).collect::<Vec<_>>(),
    })
}

fn query_window(query: &str) {
    let w = match window(Some(query)) {
        Ok(w) => w,
        Err(e) => return assert_client_error(&e),
    };
    assert!((1..=MAX_LIMIT).contains(&w.limit));
    let again = window(Some(&format!("limit={}&offset={}", w.limit, w.offset)));
    assert_eq!(again, Ok(w), "the window written back is itself");
}
