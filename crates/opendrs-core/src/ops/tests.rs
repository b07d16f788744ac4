use super::*;

fn create_body(items: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "jobs": items })).expect("json")
}

fn valid_create() -> Value {
    serde_json::json!({
        "name": "orders-to-cloud",
        "db_use_type": "migration",
        "engine_type": "mysql",
        "job_direction": "up",
        "net_type": "vpc",
        "node_type": "high",
        "task_type": "FULL_INCR_TRANS",
        "customize_sutnet_id": "4f8e2a10-0000-4000-8000-000000000001",
        "source_endpoint": {"db_type": "mysql", "ip": "10.0.0.1", "db_port": 3306,
                            "db_user": "root", "db_password": "secret"},
        "target_endpoint": {"db_type": "mysql", "inst_id": "rds-1", "db_password": "secret"},
        "tags": [{"key": "team", "value": "data"}],
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "ep-finance"}],
        "expired_days": "30"
    })
}

fn created(items: &[Value]) -> Vec<WriteItem> {
    parse_batch(BatchKind::Create, &create_body(items)).expect("envelope is valid")
}

fn rejected_code(item: &WriteItem) -> Option<&'static str> {
    match item {
        WriteItem::Rejected { error, .. } => Some(error.code()),
        _ => None,
    }
}

#[test]
fn a_valid_creation_item_keeps_its_settings_and_drops_the_passwords() {
    let items = created(&[valid_create()]);
    let WriteItem::Create(job) = &items[0] else {
        panic!("expected a valid item, got {items:?}");
    };
    assert_eq!(job.name, "orders-to-cloud");
    assert_eq!(job.enterprise_project_id, "ep-finance");
    assert_eq!(job.tags, vec![("team".into(), "data".into())]);
    assert_eq!(job.spec.expired_days.as_deref(), Some("30"));
    assert_eq!(
        job.spec.subnet_id.as_deref(),
        Some("4f8e2a10-0000-4000-8000-000000000001")
    );
    let stored = serde_json::to_string(&job.source_endpoint).expect("json");
    assert!(!stored.contains("secret"), "{stored}");
    assert!(stored.contains("10.0.0.1"));
}

#[test]
fn one_bad_creation_item_does_not_fail_the_others() {
    let mut short = valid_create();
    short["name"] = "ab".into();
    let items = created(&[valid_create(), short]);
    assert!(matches!(items[0], WriteItem::Create(_)));
    assert_eq!(rejected_code(&items[1]), Some("DRS.M00202"));
    let WriteItem::Rejected { name, .. } = &items[1] else {
        panic!("rejected")
    };
    assert_eq!(name.as_deref(), Some("ab"), "the answer names the item");
}

#[test]
fn creation_items_are_checked_field_by_field() {
    let cases: &[(&str, Value, &str)] = &[
        ("name", Value::Null, "DRS.M00201"),
        ("name", "1abc".into(), "DRS.M00202"),
        ("name", "abc def".into(), "DRS.M00202"),
        ("name", "a".repeat(51).into(), "DRS.M00202"),
        ("db_use_type", "backup".into(), "DRS.M00202"),
        ("engine_type", "sqlserver".into(), "DRS.M00202"),
        ("net_type", Value::Null, "DRS.M00201"),
        ("job_direction", "sideways".into(), "DRS.M00202"),
        ("task_type", "HALF".into(), "DRS.M00202"),
        ("node_type", "huge".into(), "DRS.M00202"),
        ("customize_sutnet_id", "".into(), "DRS.M00201"),
        ("source_endpoint", Value::Null, "DRS.M00201"),
        ("description", "a <b>".into(), "DRS.M00202"),
        ("node_num", 33.into(), "DRS.M00202"),
        ("expired_days", "7".into(), "DRS.M00202"),
        ("expired_days", 30.into(), "DRS.M00202"),
        ("charging_mode", "monthly".into(), "DRS.M00202"),
        ("charging_mode", "period".into(), "DRS.M00201"),
        ("master_az", "az1".into(), "DRS.M00202"),
        ("name", 42.into(), "DRS.M00202"),
    ];
    for (field, value, code) in cases {
        let mut v = valid_create();
        v[*field] = value.clone();
        let items = created(&[v]);
        assert_eq!(rejected_code(&items[0]), Some(*code), "{field} = {value}");
    }
}

#[test]
fn an_eip_job_must_bind_an_eip() {
    let mut v = valid_create();
    v["net_type"] = "eip".into();
    assert_eq!(rejected_code(&created(&[v.clone()])[0]), Some("DRS.M00202"));
    v["bind_eip"] = true.into();
    assert!(matches!(created(&[v])[0], WriteItem::Create(_)));
}

#[test]
fn creation_tags_are_limited_in_number_length_and_uniqueness() {
    let tag = |k: String| serde_json::json!({"key": k, "value": "v"});
    let mut v = valid_create();
    v["tags"] = Value::Array((0..21).map(|i| tag(format!("k{i}"))).collect());
    assert_eq!(rejected_code(&created(&[v.clone()])[0]), Some("DRS.M00271"));
    v["tags"] = Value::Array(vec![tag("k".into()), tag("k".into())]);
    assert_eq!(rejected_code(&created(&[v.clone()])[0]), Some("DRS.M00269"));
    v["tags"] = Value::Array(vec![tag("k".repeat(129))]);
    assert_eq!(rejected_code(&created(&[v.clone()])[0]), Some("DRS.M00270"));
    v["tags"] = Value::Array(vec![tag("_sys_x".into())]);
    assert_eq!(rejected_code(&created(&[v])[0]), Some("DRS.M00202"));
}

#[test]
fn the_envelope_is_the_only_thing_that_fails_a_whole_call() {
    let code = |body: &str| {
        parse_batch(BatchKind::Start, body.as_bytes())
            .err()
            .map(|e| e.code())
    };
    assert_eq!(code("{"), Some("DRS.M00300"));
    assert_eq!(code("{}"), Some("DRS.M00201"));
    assert_eq!(code(r#"{"jobs":[]}"#), Some("DRS.M00201"));
    assert_eq!(code(r#"{"jobs":{}}"#), Some("DRS.M00202"));
    let many: Vec<Value> = (0..101)
        .map(|i| serde_json::json!({"job_id": format!("j{i}")}))
        .collect();
    assert_eq!(
        code(&serde_json::json!({ "jobs": many }).to_string()),
        Some("DRS.M00202")
    );
    assert_eq!(
        code(r#"{"jobs":[{"job_id":"a"},{"job_id":"a"}]}"#),
        Some("DRS.M00202"),
        "the same job twice"
    );
    assert_eq!(
        code(r#"{"jobs":[{"job_id":"a"},7]}"#),
        None,
        "item 2 is that item's error"
    );
}

#[test]
fn operation_items_become_ops_or_item_errors() {
    let parse = |kind, body: &str| parse_batch(kind, body.as_bytes()).expect("envelope");
    let items = parse(
        BatchKind::Start,
        r#"{"jobs":[{"job_id":"a"},{"job_id":"b","start_time":"1900000000000"},{"job_id":"c","start_time":"soon"},{}]}"#,
    );
    assert!(matches!(
        &items[0],
        WriteItem::Act {
            op: Op::Start { at_ms: None },
            ..
        }
    ));
    assert!(matches!(
        &items[1],
        WriteItem::Act {
            op: Op::Start {
                at_ms: Some(1_900_000_000_000)
            },
            ..
        }
    ));
    assert_eq!(rejected_code(&items[2]), Some("DRS.M00202"));
    assert_eq!(rejected_code(&items[3]), Some("DRS.M00201"));
    let WriteItem::Rejected { id, .. } = &items[2] else {
        panic!("rejected")
    };
    assert_eq!(id.as_deref(), Some("c"), "a rejected item keeps its job ID");

    let items = parse(
        BatchKind::Pause,
        r#"{"jobs":[{"job_id":"a","pause_mode":"all"},{"job_id":"b"},{"job_id":"c","pause_mode":"some"}]}"#,
    );
    assert!(matches!(&items[0], WriteItem::Act { op: Op::Pause, .. }));
    assert_eq!(rejected_code(&items[1]), Some("DRS.M00201"));
    assert_eq!(rejected_code(&items[2]), Some("DRS.M00202"));

    let items = parse(
        BatchKind::Delete,
        r#"{"jobs":[{"job_id":"a","delete_type":"terminate"},{"job_id":"b","delete_type":"force_terminate"},{"job_id":"c","delete_type":"delete"},{"job_id":"d","delete_type":"roll_back_upgrade_active_standby"}]}"#,
    );
    let ops: Vec<_> = items
        .iter()
        .map(|i| match i {
            WriteItem::Act { op, .. } => Some(op.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        ops,
        vec![
            Some(Op::Terminate),
            Some(Op::ForceTerminate),
            Some(Op::Delete),
            None
        ]
    );
}

#[test]
fn a_modification_is_configuration_only_when_it_changes_how_the_task_runs() {
    let parse = |body: &str| parse_batch(BatchKind::Modify, body.as_bytes()).expect("envelope");
    let items = parse(
        r#"{"jobs":[{"job_id":"a","name":"renamed-job","description":"d","tags":[{"key":"k","value":"v"}]},
                    {"job_id":"b","task_type":"FULL_TRANS"},
                    {"job_id":"c","alarm_notify":{"rpo_delay":0}},
                    {"job_id":"d","name":"x"}]}"#,
    );
    assert!(matches!(
        &items[0],
        WriteItem::Act {
            op: Op::Modify {
                configuration: false
            },
            ..
        }
    ));
    assert!(matches!(
        &items[1],
        WriteItem::Act {
            op: Op::Modify {
                configuration: true
            },
            ..
        }
    ));
    assert_eq!(rejected_code(&items[2]), Some("DRS.M00202"));
    assert_eq!(rejected_code(&items[3]), Some("DRS.M00202"));
}

#[test]
fn answers_say_success_or_failed_with_a_localized_message() {
    let outcomes = vec![
        ItemOutcome::Applied {
            id: "a".into(),
            name: "job-a".into(),
            status: JobStatus::Pausing,
        },
        ItemOutcome::Failed {
            id: Some("b".into()),
            name: None,
            error: Error::JobNotFound,
        },
    ];
    let en = operation_answer(&outcomes, Lang::EnUs);
    assert_eq!(en.count, 2);
    assert_eq!(en.results[0].status, "success");
    assert_eq!(en.results[1].status, "failed");
    assert_eq!(en.results[1].error_code.as_deref(), Some("DRS.M05003"));
    let zh = operation_answer(&outcomes, Lang::ZhCn);
    assert_ne!(zh.results[1].error_msg, en.results[1].error_msg);
}

#[test]
fn a_source_and_a_target_test_of_one_job_share_a_call_but_the_same_endpoint_twice_does_not() {
    let both = br#"{"jobs":[{"id":"a","end_point_type":"so","ip":"10.0.0.1"},{"id":"a","end_point_type":"ta","ip":"10.0.0.2"}]}"#;
    let items = parse_batch(BatchKind::Connect, both).expect("two endpoints of one job");
    assert!(items.iter().all(|i| matches!(
        i,
        WriteItem::Act {
            op: Op::TestConnection,
            ..
        }
    )));
    let twice = br#"{"jobs":[{"id":"a","ip":"10.0.0.1"},{"id":"a","end_point_type":"so"}]}"#;
    assert_eq!(
        parse_batch(BatchKind::Connect, twice)
            .err()
            .map(|e| e.code()),
        Some("DRS.M00202")
    );
}

#[test]
fn flow_control_reads_its_own_envelope_and_names_its_fields() {
    let items = parse_batch(
        BatchKind::SetSpeed,
        br#"{"speed_limits":[{"job_id":"a","speed_limit":[{"begin":"01:00","end":"02:59","speed":"10"}]},{"job_id":"b"},{"job_id":"c","speed_limit":"fast"}]}"#,
    )
    .expect("envelope");
    assert!(matches!(
        &items[0],
        WriteItem::Act {
            op: Op::SetSpeed,
            payload: Some(_),
            ..
        }
    ));
    let WriteItem::Rejected { error, id, .. } = &items[1] else {
        panic!("{items:?}")
    };
    assert_eq!(
        (error.clone(), id.as_deref()),
        (Error::empty("speed_limits[1].speed_limit"), Some("b"))
    );
    assert_eq!(rejected_code(&items[2]), Some("DRS.M00202"));
    assert_eq!(
        parse_batch(BatchKind::SetSpeed, br#"{"jobs":[]}"#).err(),
        Some(Error::empty("speed_limits"))
    );
}

#[test]
fn a_switchover_names_jobs_as_strings_and_carries_the_pause_flag() {
    let items = parse_batch(
        BatchKind::Switchover,
        br#"{"jobs":["a"," ",7],"is_pause_job":true}"#,
    )
    .expect("envelope");
    assert!(matches!(
        &items[0],
        WriteItem::Act {
            op: Op::Switchover { pause: true },
            ..
        }
    ));
    assert_eq!(rejected_code(&items[1]), Some("DRS.M00201"));
    assert_eq!(rejected_code(&items[2]), Some("DRS.M00202"));
    assert_eq!(
        parse_batch(
            BatchKind::Switchover,
            br#"{"jobs":["a"],"is_pause_job":"yes"}"#
        )
        .err()
        .map(|e| e.code()),
        Some("DRS.M00202")
    );
}

#[test]
fn a_precheck_item_needs_a_known_mode() {
    let items = parse_batch(
        BatchKind::Precheck,
        br#"{"jobs":[{"job_id":"a","precheck_mode":"forStartJob"},{"job_id":"b"},{"job_id":"c","precheck_mode":"now"}]}"#,
    )
    .expect("envelope");
    assert!(matches!(
        &items[0],
        WriteItem::Act {
            op: Op::Precheck {
                mode: crate::lifecycle::PrecheckMode::ForStartJob
            },
            ..
        }
    ));
    assert_eq!(rejected_code(&items[1]), Some("DRS.M00201"));
    assert_eq!(rejected_code(&items[2]), Some("DRS.M00202"));
}

/// Found by fuzzing (`fuzz/corpus/batch_bodies/crash-not-utf8-in-an-ignored-field`): the batch
/// envelope reads only `jobs`, and serde_json skipped `page_req` without checking its UTF-8.
#[test]
fn a_batch_body_that_is_not_utf8_is_refused_even_in_an_ignored_field() {
    let mut crash =
        b"{\"jobs\": [\"-3f2b5c6d7e8f\"], \"page_req\": {\"cur_page\": 1, \"per_".to_vec();
    crash.extend([0xf2; 86]);
    crash.extend(b"page\": 10}}");
    for kind in [BatchKind::Create, BatchKind::Start, BatchKind::Delete] {
        let err = parse_batch(kind, &crash).err();
        assert_eq!(err.map(|e| e.code()), Some("DRS.M00300"), "{kind:?}");
    }
}

/// Found by fuzzing the login body (an array where an object belongs was read by position): a
/// creation item's `period_order` given as `[2, 3]` is that item's wrong type.
#[test]
fn an_item_field_given_as_an_array_where_an_object_belongs_is_that_items_wrong_type() {
    let mut item = valid_create();
    item["period_order"] = serde_json::json!([2, 3]);
    item["charging_mode"] = serde_json::json!("period");
    let items = parse_batch(BatchKind::Create, &create_body(&[item])).expect("envelope");
    assert!(
        matches!(&items[0], WriteItem::Rejected { error: Error::InvalidParam { field, .. }, .. }
            if field == "jobs[0].period_order"),
        "{:?}",
        items[0]
    );
}

/// Found by fuzzing (`fuzz/corpus/batch_bodies/crash-a-float-that-does-not-round-trip`): without
/// serde_json's `float_roundtrip`, `222…223` (123 digits) was read as 2.2222222222222226e122, which
/// writes as a text that reads back as 2.2222222222222223e122: a stored `alarm_notify` drifted.
#[test]
fn a_number_in_alarm_notify_reads_back_as_the_same_number_after_a_round_trip_through_json() {
    let number = format!("{}3", "2".repeat(122));
    let body = format!(r#"{{"jobs": [{{"job_id": "j1", "alarm_notify": {{"x": {number}}}}}]}}"#);
    let items = parse_batch(BatchKind::Modify, body.as_bytes()).expect("envelope");
    let Some(WriteItem::Act {
        payload: Some(p), ..
    }) = items.first()
    else {
        panic!("a valid modification: {items:?}");
    };
    let Payload::Modify(m) = p.as_ref() else {
        panic!("a valid modification: {items:?}");
    };
    let alarm = m.alarm_notify.clone().expect("alarm_notify");
    let stored = serde_json::to_string(&alarm).expect("json");
    let read_back: Value = serde_json::from_str(&stored).expect("json");
    assert_eq!(read_back, alarm);
    assert_eq!(alarm["x"].as_f64(), Some(2.2222222222222223e122));
}
