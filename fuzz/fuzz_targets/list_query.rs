//! The list body (`POST /v3/{project_id}/jobs`): raw bytes → `QueryJobsReq` → `JobQuery`.
//!
//! Checks: a refusal is a client error; an accepted body is plain JSON; validation is
//! deterministic; a validated query is well-formed (sorted, deduplicated, bounded); the query
//! written back as a body validates to the same query; an enterprise-project-limited caller never
//! gets a query outside its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opendrs_core::query::{parse_body, JobQuery, NameFilter, Paging, MAX_PER_PAGE};
use opendrs_fuzz::{accepted_json, assert_client_error, limited_caller, to_body, unlimited_caller};
use serde_json::{json, Map, Value};

fuzz_target!(|data: &[u8]| {
    let req = match parse_body(data) {
        Ok(req) => req,
        Err(e) => return assert_client_error(&e),
    };
    accepted_json(data);

    let caller = unlimited_caller();
    match req.validate(&caller) {
        Err(e) => assert_client_error(&e),
        Ok(q) => {
            assert_eq!(
                req.validate(&caller).as_ref(),
                Ok(&q),
                "validation is deterministic"
            );
            well_formed(&q);
            let again = parse_body(&to_body(&as_body(&q))).and_then(|r| r.validate(&caller));
            assert_eq!(
                again.as_ref(),
                Ok(&q),
                "the query written back validates to itself"
            );
        }
    }

    let limited = limited_caller();
    match req.validate(&limited) {
        Err(e) => assert_client_error(&e),
        Ok(q) => {
            let limits = limited.enterprise_projects.as_deref().unwrap_or_default();
            let eps = q.enterprise_projects.as_deref();
            assert!(
                eps.is_some_and(|eps| eps.iter().all(|e| limits.contains(e))),
                "a limited caller's query stays inside its enterprise projects: {eps:?}"
            );
        }
    }
});

fn sorted_unique<T: Ord>(v: &[T]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

fn well_formed(q: &JobQuery) {
    match &q.name {
        Some(NameFilter::Ids(ids)) => {
            assert!(ids.len() <= 100 && sorted_unique(ids));
            assert!(ids.iter().all(|i| !i.is_empty() && !i.contains(',')));
        }
        Some(NameFilter::Text(t)) => assert!(!t.is_empty() && !t.contains(',')),
        None => {}
    }
    assert!(q.tags.len() <= 20 && sorted_unique(&q.tags));
    assert!(q.tags.iter().all(|(k, _)| !k.trim().is_empty()));
    assert!(q.instance_ids.len() <= 10 && sorted_unique(&q.instance_ids));
    assert!(q
        .instance_ids
        .iter()
        .all(|i| !i.is_empty() && i.trim() == i));
    assert!(q
        .instance_ip
        .as_deref()
        .is_none_or(|ip| !ip.is_empty() && ip.trim() == ip));
    if let Paging::Page { limit, .. } = q.paging {
        assert!((1..=MAX_PER_PAGE as u64).contains(&limit));
    }
    assert!(q.weight() >= std::mem::size_of::<JobQuery>());
}

/// The body a client would send for `q` (for the unlimited caller).
fn as_body(q: &JobQuery) -> Value {
    let mut b = Map::new();
    b.insert("db_use_type".into(), json!(q.db_use_type.as_str()));
    if let Some(s) = q.status {
        b.insert("status".into(), json!(s.as_str()));
    }
    if let Some(e) = &q.engine_type {
        b.insert("engine_type".into(), json!(e));
    }
    if let Some(n) = q.net_type {
        b.insert("net_type".into(), json!(n.as_str()));
    }
    if let Some(eps) = &q.enterprise_projects {
        assert_eq!(
            eps.len(),
            1,
            "an unlimited caller names at most one enterprise project"
        );
        b.insert("enterprise_project_id".into(), json!(eps[0]));
    }
    match &q.name {
        // A trailing comma keeps even one ID (or none) a list of IDs.
        Some(NameFilter::Ids(ids)) => b.insert("name".into(), json!(format!("{},", ids.join(",")))),
        Some(NameFilter::Text(t)) => b.insert("name".into(), json!(t)),
        None => None,
    };
    if !q.tags.is_empty() {
        let unique_keys = q.tags.windows(2).all(|w| w[0].0 != w[1].0);
        let tags = if unique_keys && q.tags.iter().all(|(_, v)| v.is_some()) {
            json!(q
                .tags
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect::<Map<_, _>>())
        } else {
            json!(q
                .tags
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect::<Vec<_>>())
        };
        b.insert("tags".into(), tags);
    }
    if !q.instance_ids.is_empty() {
        b.insert("instance_ids".into(), json!(q.instance_ids));
    }
    if let Some(ip) = &q.instance_ip {
        b.insert("instance_ip".into(), json!(ip));
    }
    let (cur, per) = match q.paging {
        Paging::All => (0, 10),
        Paging::Page { offset, limit } => {
            // An offset past u64::MAX saturates: any page that far out is the same query.
            let cur = (offset % limit == 0)
                .then(|| offset / limit + 1)
                .and_then(|c| i64::try_from(c).ok())
                .unwrap_or(i64::MAX);
            (cur, limit as i64)
        }
    };
    b.insert("cur_page".into(), json!(cur));
    b.insert("per_page".into(), json!(per));
    Value::Object(b)
}
