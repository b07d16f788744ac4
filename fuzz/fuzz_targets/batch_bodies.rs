//! Every batch body: the six write bodies (`batch-creation`, `-starting`, `-pause-task`,
//! `-retry-task`, `-modification`, `batch-jobs`) item by item, and the `batch-status` /
//! `batch-detail` body. Each input is read as each of them.
//!
//! Checks: a refusal (of the call or of one item) is a client error; an accepted body is plain
//! JSON with one answer per item; the items of a job operation name distinct jobs; every valid
//! item written back as a body validates to itself; the answers render in both languages; a
//! batch read selects a window of the IDs named, and that window read back is itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opendrs_core::{
    batch::{detail_items, status_items, BatchQueryJobReqPage, MAX_BATCH_IDS},
    lang::Lang,
    lifecycle::Op,
    ops::{
        creation_answer, operation_answer, parse_batch, BatchKind, Modification, NewJob, Payload,
        WriteItem, MAX_BATCH_ITEMS,
    },
    query::parse_json,
};
use opendrs_fuzz::{accepted_json, assert_client_error, assert_distinct, outcomes, to_body};
use serde_json::{json, Value};

const KINDS: [BatchKind; 6] = [
    BatchKind::Create,
    BatchKind::Start,
    BatchKind::Pause,
    BatchKind::Retry,
    BatchKind::Modify,
    BatchKind::Delete,
];

fuzz_target!(|data: &[u8]| {
    for kind in KINDS {
        batch_write(kind, data);
    }
    batch_read(data);
});

fn batch_write(kind: BatchKind, data: &[u8]) {
    let items = match parse_batch(kind, data) {
        Ok(items) => items,
        Err(e) => return assert_client_error(&e),
    };
    if let Some(json) = accepted_json(data) {
        let jobs = json["jobs"].as_array().map_or(0, Vec::len);
        assert_eq!(items.len(), jobs, "one answer per item");
    }
    assert!((1..=MAX_BATCH_ITEMS).contains(&items.len()));

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
                // The lifecycle kinds fuzzed here carry a payload only for a modification.
                let modification = match payload.as_deref() {
                    Some(Payload::Modify(m)) => Some(m.as_ref()),
                    _ => None,
                };
                assert_eq!(payload.is_some(), matches!(op, Op::Modify { .. }));
                assert_eq!(modification.is_some(), payload.is_some());
                ids.push(job_id.clone());
                valid.push((item.clone(), act_body(job_id, op, modification)));
            }
            WriteItem::Create(job) => valid.push((item.clone(), create_body(job))),
        }
    }
    assert_distinct(ids);

    if !valid.is_empty() {
        let body = to_body(&json!({ "jobs": valid.iter().map(|(_, b)| b).collect::<Vec<_>>() }));
        let again = parse_batch(kind, &body);
        let expected: Vec<WriteItem> = valid.into_iter().map(|(i, _)| i).collect();
        assert_eq!(
            again.as_ref(),
            Ok(&expected),
            "valid items written back validate to themselves"
        );
    }

    let outcomes = outcomes(items);
    for lang in [Lang::EnUs, Lang::ZhCn] {
        let answer = if kind == BatchKind::Create {
            serde_json::to_vec(&creation_answer(&outcomes, lang))
        } else {
            serde_json::to_vec(&operation_answer(&outcomes, lang))
        };
        assert!(answer.is_ok(), "the answer serializes");
    }
}

/// A creation item for `job`, as a client would send it.
fn create_body(job: &NewJob) -> Value {
    let s = &job.spec;
    json!({
        "name": job.name,
        "db_use_type": job.db_use_type.as_str(),
        "engine_type": job.engine_type,
        "job_direction": job.job_direction.as_str(),
        "net_type": job.net_type.as_str(),
        "task_type": job.task_type.as_str(),
        "node_type": s.node_type,
        "customize_sutnet_id": s.subnet_id,
        "source_endpoint": job.source_endpoint,
        "target_endpoint": job.target_endpoint,
        "description": job.description,
        "bind_eip": s.bind_eip,
        "is_target_readonly": s.is_target_readonly,
        "multi_write": s.multi_write,
        "node_num": s.node_num,
        "tags": job.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": job.enterprise_project_id}],
        "expired_days": s.expired_days,
        "master_az": s.master_az,
        "slave_az": s.slave_az,
        "charging_mode": s.charging_mode,
        "period_order": s.period_order,
    })
}

/// A job-operation item for `op` on `job_id`, as a client would send it.
fn act_body(job_id: &str, op: &Op, m: Option<&Modification>) -> Value {
    match op {
        Op::Start { at_ms } => {
            json!({"job_id": job_id, "start_time": at_ms.map(|t| t.to_string())})
        }
        Op::Pause => json!({"job_id": job_id, "pause_mode": "all"}),
        Op::Restore => json!({"job_id": job_id}),
        Op::Terminate => json!({"job_id": job_id, "delete_type": "terminate"}),
        Op::ForceTerminate => json!({"job_id": job_id, "delete_type": "force_terminate"}),
        Op::Delete => json!({"job_id": job_id, "delete_type": "delete"}),
        Op::Modify { configuration } => {
            let m = m.expect("a modification carries its changes");
            assert_eq!(*configuration, m.is_configuration());
            json!({
                "job_id": job_id,
                "name": m.name,
                "description": m.description,
                "tags": m.tags.iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
                "alarm_notify": m.alarm_notify,
                "task_type": m.task_type.map(|t| t.as_str()),
                "net_type": m.net_type.map(|t| t.as_str()),
                "job_direction": m.job_direction.map(|t| t.as_str()),
                "node_type": m.node_type,
                "is_target_readonly": m.is_target_readonly,
                "source_endpoint": m.source_endpoint,
                "target_endpoint": m.target_endpoint,
                "db_use_type": m.db_use_type.map(|t| t.as_str()),
                "engine_type": m.engine_type,
            })
        }
        Op::Reset
        | Op::SkipPrecheck
        | Op::SelectObjects
        | Op::SetSpeed
        | Op::TestConnection
        | Op::Precheck { .. }
        | Op::Switchover { .. } => unreachable!("not a kind fuzzed here: {op:?}"),
    }
}

fn batch_read(data: &[u8]) {
    let req = match parse_json::<BatchQueryJobReqPage>(data) {
        Ok(req) => req,
        Err(e) => return assert_client_error(&e),
    };
    accepted_json(data);
    let q = match req.validate() {
        Ok(q) => q,
        Err(e) => return assert_client_error(&e),
    };
    let named = req.jobs.clone().unwrap_or_default();
    assert_eq!(q.count, named.len());
    assert!((1..=MAX_BATCH_IDS).contains(&q.count) && !q.ids.is_empty());
    assert!(
        named.windows(q.ids.len()).any(|w| w == q.ids.as_slice()),
        "the page is a window of the IDs named"
    );
    let again = parse_json::<BatchQueryJobReqPage>(&to_body(
        &json!({"jobs": q.ids, "page_req": {"cur_page": 0}}),
    ))
    .and_then(|r| r.validate());
    assert_eq!(
        again.map(|a| a.ids).as_ref(),
        Ok(&q.ids),
        "the page read back is itself"
    );
    for lang in [Lang::EnUs, Lang::ZhCn] {
        let status = status_items(&q.ids, &[], lang);
        let detail = detail_items(&q.ids, &[], lang);
        assert_eq!(status.len(), q.ids.len());
        assert_eq!(detail.len(), q.ids.len());
        assert!(status
            .iter()
            .all(|s| s.error_code.as_deref() == Some("DRS.M05003")));
        assert!(serde_json::to_vec(&status).is_ok() && serde_json::to_vec(&detail).is_ok());
    }
}
