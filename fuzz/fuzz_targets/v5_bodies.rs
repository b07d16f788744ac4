//! Every v5 job body, and the same bytes as the v5 query strings: `CreateJob`
//! (`SingleCreateJobReq`), `UpdateJob` (`SingleUpdateJobReq`), `ExecuteJobAction`
//! (`JobActionReq`), `StopJobAction` (`StopJobActionReq`), the batch action, stop and delete
//! bodies, `ValidateJobName` (`CheckJobNameReq`); and `ListJobs`' query string (for a caller with
//! every enterprise project and a limited one), `ShowJobDetail`'s `type` and
//! `ShowEnterpriseProject`'s query.
//!
//! Checks: a refusal is a client error; an accepted body is plain JSON; parsing and validation
//! are deterministic; a batch has one answer per item (1–100) naming distinct jobs; **every valid
//! batch item written back as a body validates to itself, and as a single call's body to the
//! same operation**; a valid name written back validates to itself; a listing's page is 1–1000
//! and a limited caller's listing stays inside its enterprise projects.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opendrs_core::{
    lang::Lang,
    lifecycle::Op,
    ops::{Payload, WriteItem},
    query::Paging,
    v5::{
        actions::{batch_actions, batch_deletes, batch_stops, single_action, StopJobActionReq},
        body,
        create::SingleCreateJobReq,
        detail,
        enterprise::EnterpriseQuery,
        list::{list_query, MAX_LIMIT},
        names::CheckJobNameReq,
        update::SingleUpdateJobReq,
        BatchJobsResp,
    },
};
use opendrs_fuzz::{
    accepted_json, assert_client_error, assert_distinct, batch_items, limited_caller, outcomes,
    to_body, unlimited_caller,
};
use serde_json::{json, Value};

/// The path's job in the single calls.
const PATH_JOB: &str = "0f3d9f5c-1c59-4d1e-9a34-5d4b2c1a0e77jb01";

type BatchParse = fn(&[u8]) -> opendrs_core::Result<Vec<WriteItem>>;

fuzz_target!(|data: &[u8]| {
    create(data);
    update(data);
    action(data);
    stop(data);
    for (parse, kind) in [
        (batch_actions as BatchParse, Batch::Action),
        (batch_stops, Batch::Stop),
        (batch_deletes, Batch::Delete),
    ] {
        batch(parse, kind, data);
    }
    name(data);
    if let Ok(query) = std::str::from_utf8(data) {
        queries(query);
    }
});

/// Refused: a client error. Accepted: the body is plain JSON.
fn accepted<T>(r: &opendrs_core::Result<T>, data: &[u8]) -> bool {
    match r {
        Err(e) => {
            assert_client_error(e);
            false
        }
        Ok(_) => {
            accepted_json(data);
            true
        }
    }
}

fn create(data: &[u8]) {
    let job = body::<SingleCreateJobReq>(data).and_then(SingleCreateJobReq::validate);
    if accepted(&job, data) {
        let again = body::<SingleCreateJobReq>(data).and_then(SingleCreateJobReq::validate);
        assert_eq!(again, job, "creation is deterministic");
    }
}

fn update(data: &[u8]) {
    let m = body::<SingleUpdateJobReq>(data).and_then(|r| r.validate(PATH_JOB));
    if accepted(&m, data) {
        let again = body::<SingleUpdateJobReq>(data).and_then(|r| r.validate(PATH_JOB));
        assert_eq!(again, m, "modification is deterministic");
    }
}

fn action(data: &[u8]) {
    let acted = single_action(data, PATH_JOB);
    if accepted(&acted, data) {
        let acted = acted.expect("accepted");
        let again = single_action(data, PATH_JOB);
        assert_eq!(
            again.as_ref(),
            Ok(&acted),
            "an action is read the same way twice"
        );
        if let (op, None) = &acted {
            if let Some(item) = action_item(None, op) {
                let again = single_action(&to_body(&json!({ "job": item })), PATH_JOB);
                assert_eq!(again, Ok(acted), "the action written back is itself");
            }
        }
    }
}

fn stop(data: &[u8]) {
    let r = body::<StopJobActionReq>(data);
    accepted(&r, data);
}

#[derive(Clone, Copy, PartialEq)]
enum Batch {
    Action,
    Stop,
    Delete,
}

fn batch(parse: BatchParse, kind: Batch, data: &[u8]) {
    let Some(items) = batch_items(data, "jobs", parse) else {
        return;
    };

    let mut ids = Vec::new();
    let mut valid = Vec::new();
    for item in &items {
        match item {
            WriteItem::Rejected { error, .. } => assert_client_error(error),
            WriteItem::Act {
                job_id,
                op,
                payload,
            } => {
                assert!(!job_id.is_empty() && job_id.trim() == job_id);
                match kind {
                    Batch::Delete => assert_eq!((op, payload), (&Op::Delete, &None)),
                    Batch::Stop => assert!(
                        matches!(op, Op::Terminate | Op::ForceTerminate) && payload.is_none()
                    ),
                    Batch::Action => assert!(matches!(
                        (op, payload.as_deref()),
                        (
                            Op::Start { .. }
                                | Op::Pause
                                | Op::Restore
                                | Op::Terminate
                                | Op::ForceTerminate
                                | Op::Precheck { .. }
                                | Op::Reset,
                            None
                        ) | (Op::TestConnection, Some(Payload::Connection(_)))
                            | (Op::SkipPrecheck, Some(Payload::Skip(_)))
                    )),
                }
                ids.push(job_id.clone());
                // Items a client can write back from the operation alone (those without a
                // payload read from the body) are written back and must read as themselves.
                let written = match kind {
                    Batch::Action if payload.is_none() => action_item(Some(job_id), op),
                    Batch::Action => None,
                    Batch::Stop => {
                        Some(json!({"job_id": job_id, "is_force_stop": *op == Op::ForceTerminate}))
                    }
                    Batch::Delete => Some(json!(job_id)),
                };
                if kind == Batch::Action {
                    if let Some(single) = action_item(None, op).filter(|_| payload.is_none()) {
                        assert_eq!(
                            single_action(&to_body(&json!({ "job": single })), job_id),
                            Ok((op.clone(), None)),
                            "a batch action is the same operation as a single call"
                        );
                    }
                }
                if let Some(written) = written {
                    valid.push((item.clone(), written));
                }
            }
            WriteItem::Create(_) => panic!("a v5 batch creates no job"),
        }
    }
    assert_distinct(ids);
    if !valid.is_empty() {
        let body = to_body(&json!({ "jobs": valid.iter().map(|(_, b)| b).collect::<Vec<_>>() }));
        let expected: Vec<WriteItem> = valid.into_iter().map(|(i, _)| i).collect();
        assert_eq!(
            parse(&body).as_ref(),
            Ok(&expected),
            "valid items written back validate to themselves"
        );
    }

    let outcomes = outcomes(items);
    for lang in [Lang::EnUs, Lang::ZhCn] {
        assert!(serde_json::to_vec(&BatchJobsResp::of(&outcomes, lang)).is_ok());
    }
}

/// An `ActionReq` a client would send for `op`, for the operations that carry no payload and
/// whose parameters the operation keeps; `None` for the others.
fn action_item(job_id: Option<&str>, op: &Op) -> Option<Value> {
    let (name, params) = match op {
        Op::Start { at_ms } => ("start", json!({"start_time": at_ms.map(|t| t.to_string())})),
        Op::Pause => ("stop", json!({"pause_mode": "target"})),
        Op::Restore => ("restart", json!({})),
        Op::Terminate => ("terminate", json!({"force_delete": false})),
        Op::ForceTerminate => ("terminate", json!({"force_delete": true})),
        Op::Precheck { mode } => ("precheck", json!({"precheck_mode": mode})),
        Op::Reset => ("reset", json!({})),
        _ => return None,
    };
    Some(json!({"job_id": job_id, "action_name": name, "action_params": params}))
}

fn name(data: &[u8]) {
    let check = body::<CheckJobNameReq>(data).and_then(|r| r.validate());
    if accepted(&check, data) {
        let check = check.expect("accepted");
        let name = check.name.as_str();
        assert!(!name.is_empty() && name.trim() == name);
        let kind = if check.look_up {
            "trans"
        } else {
            "subscription"
        };
        let again = body::<CheckJobNameReq>(&to_body(&json!({"name": name, "type": kind})))
            .and_then(|r| r.validate());
        let same_form = again.as_ref().map(|c| (&c.name, c.look_up));
        // A name of 51–80 characters is valid only for `offline`.
        if name.chars().count() <= 50 {
            assert_eq!(
                same_form,
                Ok((&check.name, check.look_up)),
                "a valid name written back validates to itself"
            );
        }
    }
}

fn queries(query: &str) {
    let raw = Some(query);
    match list_query(raw, &unlimited_caller()) {
        Err(e) => assert_client_error(&e),
        Ok(q) => {
            assert_eq!(
                list_query(raw, &unlimited_caller()).as_ref(),
                Ok(&q),
                "the listing is deterministic"
            );
            if let Some(q) = q {
                match q.paging {
                    Paging::Page { limit, .. } => assert!((1..=MAX_LIMIT).contains(&limit)),
                    other => panic!("a v5 listing pages by offset and limit: {other:?}"),
                }
            }
        }
    }
    let limited = limited_caller();
    match list_query(raw, &limited) {
        Err(e) => assert_client_error(&e),
        Ok(None) => {}
        Ok(Some(q)) => {
            let limits = limited.enterprise_projects.as_deref().unwrap_or_default();
            let eps = q.enterprise_projects.as_deref();
            assert!(
                eps.is_some_and(|eps| eps.iter().all(|e| limits.contains(e))),
                "a limited caller's listing stays inside its enterprise projects: {eps:?}"
            );
        }
    }
    if let Err(e) = detail::plan(raw) {
        assert_client_error(&e);
    }
    if let Err(e) = EnterpriseQuery::parse(raw) {
        assert_client_error(&e);
    }
}
