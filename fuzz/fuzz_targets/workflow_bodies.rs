//! Every v3 workflow body: the five writes (`batch-connection`, `batch-select-objects`,
//! `batch-limit-speed`, `batch-precheck`, `batch-switchover`) item by item, and the reads'
//! `{"jobs": [IDs]}` (`batch-precheck-result`, `batch-progress`, `batch-rpo-and-rto`). Each
//! input is read as each of them.
//!
//! Checks: a refusal (of the call or of one item) is a client error; an accepted body is plain
//! JSON with one answer per item (1–100); parsing is deterministic; each valid item is the
//! operation of its API with its payload; the items name distinct jobs (a connection test:
//! distinct job and side); **a valid precheck or switchover written back validates to itself**,
//! and so do a read's IDs; the answers render in both languages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use opendrs_core::{
    lang::Lang,
    lifecycle::Op,
    ops::{parse_batch, BatchKind, Payload, WriteItem, MAX_BATCH_ITEMS},
    query::parse_json,
    workflow::{
        answers::{connection_answer, objects_answer, precheck_answer},
        bodies::JobIdsReq,
    },
};
use opendrs_fuzz::{
    accepted_json, assert_client_error, assert_distinct, batch_items, outcomes, to_body,
};
use serde_json::json;

const KINDS: [BatchKind; 5] = [
    BatchKind::Connect,
    BatchKind::SelectObjects,
    BatchKind::SetSpeed,
    BatchKind::Precheck,
    BatchKind::Switchover,
];

fuzz_target!(|data: &[u8]| {
    for kind in KINDS {
        batch_write(kind, data);
    }
    batch_read(data);
});

fn batch_write(kind: BatchKind, data: &[u8]) {
    let list = if kind == BatchKind::SetSpeed {
        "speed_limits"
    } else {
        "jobs"
    };
    let Some(items) = batch_items(data, list, |d| parse_batch(kind, d)) else {
        return;
    };

    let mut ids = Vec::new();
    let mut written = Vec::new();
    for item in &items {
        match item {
            WriteItem::Rejected { error, .. } => assert_client_error(error),
            WriteItem::Create(_) => panic!("a workflow body creates no job"),
            WriteItem::Act {
                job_id,
                op,
                payload,
            } => {
                assert!(!job_id.is_empty() && job_id.trim() == job_id);
                let payload = payload.as_deref();
                match (kind, op, payload) {
                    (BatchKind::Connect, Op::TestConnection, Some(Payload::Connection(tests))) => {
                        // A v3 connection item tests one endpoint.
                        assert_eq!(tests.len(), 1, "{tests:?}");
                        for t in tests {
                            ids.push(format!("{job_id}\u{0}{}", t.side.as_str()));
                        }
                    }
                    (BatchKind::SelectObjects, Op::SelectObjects, Some(Payload::Objects(_)))
                    | (BatchKind::SetSpeed, Op::SetSpeed, Some(Payload::Speed(_))) => {
                        ids.push(job_id.clone());
                    }
                    (BatchKind::Precheck, Op::Precheck { mode }, None) => {
                        ids.push(job_id.clone());
                        written.push((
                            item.clone(),
                            json!({"job_id": job_id, "precheck_mode": mode}),
                        ));
                    }
                    (BatchKind::Switchover, Op::Switchover { .. }, None) => {
                        ids.push(job_id.clone());
                        written.push((item.clone(), json!(job_id)));
                    }
                    other => panic!("{kind:?} gave {other:?}"),
                }
            }
        }
    }
    assert_distinct(ids);

    if !written.is_empty() {
        let mut body = json!({ "jobs": written.iter().map(|(_, b)| b).collect::<Vec<_>>() });
        if kind == BatchKind::Switchover {
            let pause = items.iter().any(|i| {
                matches!(
                    i,
                    WriteItem::Act {
                        op: Op::Switchover { pause: true },
                        ..
                    }
                )
            });
            body["is_pause_job"] = json!(pause);
        }
        let expected: Vec<WriteItem> = written.into_iter().map(|(i, _)| i).collect();
        assert_eq!(
            parse_batch(kind, &to_body(&body)).as_ref(),
            Ok(&expected),
            "valid items written back validate to themselves"
        );
    }

    let outcomes = outcomes(items);
    for lang in [Lang::EnUs, Lang::ZhCn] {
        let answer = match kind {
            BatchKind::Connect => serde_json::to_vec(&connection_answer(&outcomes, lang)),
            BatchKind::SelectObjects => serde_json::to_vec(&objects_answer(&outcomes, lang)),
            _ => serde_json::to_vec(&precheck_answer(&outcomes, lang)),
        };
        assert!(answer.is_ok(), "the answer serializes");
    }
}

fn batch_read(data: &[u8]) {
    let ids = match parse_json::<JobIdsReq>(data).and_then(JobIdsReq::validate) {
        Ok(ids) => ids,
        Err(e) => return assert_client_error(&e),
    };
    if let Some(json) = accepted_json(data) {
        assert_eq!(json["jobs"].as_array().map(Vec::len), Some(ids.len()));
    }
    assert!((1..=MAX_BATCH_ITEMS).contains(&ids.len()));
    assert!(ids.iter().all(|id| !id.is_empty() && id.trim() == id));
    let again =
        parse_json::<JobIdsReq>(&to_body(&json!({ "jobs": ids }))).and_then(JobIdsReq::validate);
    assert_eq!(again.as_ref(), Ok(&ids), "the IDs read back are themselves");
}
