//! Unit tests of the v5 wire: queries, bodies and answers.

use super::*;
use crate::{
    caller::{Caller, Role, Tenant},
    enums::{DbUseType, JobStatus, SortDir, SortKey},
    lifecycle::{Op, PrecheckMode},
    ops::{Payload, WriteItem},
    query::{parse_body, JobQuery, Paging, Sort},
    store::{Dialect, EnterpriseProjectRow},
    workflow::bodies::Side,
};
use serde_json::json;

fn caller() -> Caller {
    Caller {
        tenant: Tenant::new("0123456789abcdef0123456789abcdef", 1),
        user_id: "u".into(),
        roles: vec![Role::Admin],
        enterprise_projects: None,
    }
}

fn list(q: &str) -> crate::Result<Option<JobQuery>> {
    list::list_query(Some(q), &caller())
}

fn code<T: std::fmt::Debug>(r: crate::Result<T>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn a_v5_list_is_the_v3_query_with_its_page_and_order() {
    let v5 = list(
        "job_type=sync&name=Orders&status=CONFIGURATION&engine_type=mysql&net_type=eip\
         &enterprise_project_id=e1&instance_ids=i1,i2&instance_ids=i3&instance_ip=10.0.0.1\
         &offset=20&limit=5&sort_key=name&sort_dir=asc",
    )
    .expect("valid")
    .expect("a query");
    let v3 = parse_body(
        json!({
            "db_use_type": "sync", "name": "Orders", "status": "CONFIGURATION",
            "engine_type": "mysql", "net_type": "eip", "enterprise_project_id": "e1",
            "instance_ids": ["i1", "i2", "i3"], "instance_ip": "10.0.0.1"
        })
        .to_string()
        .as_bytes(),
    )
    .and_then(|b| b.validate(&caller()))
    .expect("v3");
    assert_eq!(
        v5,
        JobQuery {
            paging: Paging::Page {
                offset: 20,
                limit: 5
            },
            sort: Sort {
                key: SortKey::Name,
                dir: SortDir::Asc
            },
            ..v3
        }
    );
}

#[test]
fn a_v5_list_defaults_to_ten_newest_first() {
    let q = list("job_type=migration").expect("valid").expect("query");
    assert_eq!(
        q.paging,
        Paging::Page {
            offset: 0,
            limit: 10
        }
    );
    assert_eq!(q.sort, Sort::default());
    assert_eq!(q.db_use_type, DbUseType::Migration);
    assert_eq!(q.enterprise_projects, None, "empty means every one");
    let q = list("job_type=migration&enterprise_project_id=").expect("valid");
    assert_eq!(q.expect("query").enterprise_projects, None);
}

#[test]
fn v5_list_parameters_are_validated_and_named() {
    assert_eq!(code(list("")), "DRS.M00201");
    assert_eq!(code(list("job_type=")), "DRS.M00201");
    for bad in [
        "job_type=nope",
        "job_type=sync&limit=0",
        "job_type=sync&limit=1001",
        "job_type=sync&offset=-1",
        "job_type=sync&sort_key=engine_type",
        "job_type=sync&sort_dir=up",
        "job_type=sync&status=RUNNING",
        "job_type=sync&limit=1&limit=2",
    ] {
        assert_eq!(code(list(bad)), "DRS.M00202", "{bad}");
    }
    assert_eq!(code(list("job_type=sync&name=%zz")), "DRS.M00300");
    let e = list("job_type=sync&limit=0").expect_err("limit");
    assert!(matches!(e, crate::Error::InvalidParam { ref field, .. } if field == "limit"));
    let e = list("job_type=nope").expect_err("job_type");
    assert!(matches!(e, crate::Error::InvalidParam { ref field, .. } if field == "job_type"));
}

#[test]
fn replay_jobs_are_validated_but_none_are_kept() {
    assert_eq!(list("job_type=replay").expect("valid"), None);
    assert_eq!(code(list("job_type=replay&limit=0")), "DRS.M00202");
}

#[test]
fn every_sort_key_and_direction_is_accepted() {
    for key in SortKey::ALL {
        for dir in SortDir::ALL {
            let q = list(&format!("job_type=sync&sort_key={key}&sort_dir={dir}"))
                .expect("valid")
                .expect("query");
            assert_eq!(
                q.sort,
                Sort {
                    key: *key,
                    dir: *dir
                }
            );
        }
    }
}

#[test]
fn detail_types_overview_and_detail_render_and_the_others_are_not_supported_yet() {
    use crate::enums::DetailType;
    assert_eq!(
        detail::plan(Some("type=overview")),
        Ok(detail::Plan::Overview)
    );
    assert_eq!(detail::plan(Some("type=detail")), Ok(detail::Plan::Detail));
    assert_eq!(code(detail::plan(None)), "DRS.M00201");
    assert_eq!(code(detail::plan(Some("type=everything"))), "DRS.M00202");
    assert_eq!(
        detail::plan(Some("type=network")),
        Ok(detail::Plan::Network)
    );
    assert_eq!(
        detail::plan(Some("type=precheck")),
        Ok(detail::Plan::Precheck)
    );
    assert_eq!(
        detail::plan(Some("type=progress")),
        Ok(detail::Plan::Progress)
    );
    for t in DetailType::ALL.iter().filter(|t| {
        !matches!(
            t,
            DetailType::Overview
                | DetailType::Detail
                | DetailType::Network
                | DetailType::Precheck
                | DetailType::Progress
        )
    }) {
        let e = detail::plan(Some(&format!("type={t}"))).expect_err("not yet");
        assert_eq!(
            e,
            crate::Error::invalid_with("type", crate::error::Reason::NotYetSupported),
            "{t}"
        );
    }
}

fn creation() -> serde_json::Value {
    json!({"job": {
        "base_info": {
            "name": "v5-job", "job_type": "sync", "engine_type": "mysql-to-mysql",
            "job_direction": "up", "net_type": "eip", "task_type": "FULL_TRANS",
            "charging_mode": "on_demand", "description": "made by v5",
            "expired_days": "14", "enterprise_project_id": "0",
            "tags": [{"key": "env", "value": "test"}]
        },
        "source_endpoint": [{
            "db_type": "mysql", "endpoint_type": "offline", "endpoint_role": "so",
            "endpoint": {"endpoint_name": "mysql", "ip": "10.0.0.1", "db_port": "3306",
                         "db_user": "root", "db_password": "secret"}
        }],
        "target_endpoint": [{
            "db_type": "mysql", "endpoint_type": "cloud", "endpoint_role": "ta",
            "endpoint": {"endpoint_name": "cloud_mysql", "instance_id": "rds-1",
                         "db_user": "root", "db_password": "secret"},
            "cloud": {"region": "cn-north-4", "project_id": "p1"},
            "config": {"is_target_readonly": true}
        }],
        "node_info": {
            "spec": {"node_type": "high"},
            "vpc": {"vpc_id": "vpc-1", "subnet_id": "subnet-1"},
            "base_info": {"instance_type": "ha", "arch": "x86",
                          "availability_zone": "cn-north-4a,cn-north-4b"}
        }
    }})
}

fn create(v: &serde_json::Value) -> crate::Result<crate::ops::NewJob> {
    body::<create::SingleCreateJobReq>(v.to_string().as_bytes())?.validate()
}

#[test]
fn a_v5_creation_becomes_the_job_a_v3_creation_would_make() {
    let job = create(&creation()).expect("valid");
    assert_eq!(job.name, "v5-job");
    assert_eq!(job.db_use_type, DbUseType::Sync);
    assert_eq!(job.engine_type, "mysql-to-mysql");
    assert_eq!(job.enterprise_project_id, "0");
    assert_eq!(job.tags, vec![("env".to_string(), "test".to_string())]);
    assert_eq!(job.source_endpoint.ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(job.source_endpoint.db_port, Some(3306));
    assert_eq!(job.target_endpoint.inst_id.as_deref(), Some("rds-1"));
    assert_eq!(job.spec.expired_days.as_deref(), Some("14"));
    assert_eq!(job.spec.is_target_readonly, Some(true));
    assert_eq!(job.spec.master_az.as_deref(), Some("cn-north-4a"));
    assert_eq!(job.spec.slave_az.as_deref(), Some("cn-north-4b"));
    assert_eq!(job.charging_mode(), crate::enums::ChargingMode::OnDemand);
    assert!(
        !format!("{job:?}").contains("secret"),
        "passwords are dropped"
    );
}

#[test]
fn v5_creation_errors_name_the_field_by_its_path() {
    let cases: &[(&str, serde_json::Value, &str, &str)] = &[
        ("/job", json!(null), "DRS.M00201", "job"),
        (
            "/job/base_info/name",
            json!("1bad"),
            "DRS.M00202",
            "job.base_info.name",
        ),
        (
            "/job/base_info/name",
            json!(5),
            "DRS.M00202",
            "job.base_info.name",
        ),
        (
            "/job/base_info/engine_type",
            json!("nope"),
            "DRS.M00202",
            "job.base_info.engine_type",
        ),
        (
            "/job/base_info/expired_days",
            json!("13"),
            "DRS.M00202",
            "job.base_info.expired_days",
        ),
        (
            "/job/base_info/enterprise_project_id",
            json!(""),
            "DRS.M00202",
            "job.base_info.enterprise_project_id",
        ),
        (
            "/job/base_info/charging_mode",
            json!("period"),
            "DRS.M00201",
            "job.period_order",
        ),
        (
            "/job/source_endpoint",
            json!([]),
            "DRS.M00201",
            "job.source_endpoint",
        ),
        (
            "/job/source_endpoint/0/endpoint_role",
            json!("ta"),
            "DRS.M00202",
            "job.source_endpoint[0].endpoint_role",
        ),
        (
            "/job/source_endpoint/0/endpoint/db_port",
            json!("70000"),
            "DRS.M00202",
            "job.source_endpoint[0].endpoint.db_port",
        ),
        (
            "/job/source_endpoint/0/endpoint/db_password",
            json!(null),
            "DRS.M00201",
            "job.source_endpoint[0].endpoint.db_password",
        ),
        (
            "/job/target_endpoint/0/endpoint/instance_id",
            json!(null),
            "DRS.M00201",
            "job.target_endpoint[0].endpoint.instance_id",
        ),
        (
            "/job/node_info/base_info/availability_zone",
            json!("one-zone"),
            "DRS.M00202",
            "job.node_info.base_info.availability_zone",
        ),
        (
            "/job/node_info/spec/node_type",
            json!("huge"),
            "DRS.M00202",
            "job.node_info.spec.node_type",
        ),
    ];
    for (pointer, value, want, field) in cases {
        let mut v = creation();
        *v.pointer_mut(pointer).expect(pointer) = value.clone();
        let e = create(&v).expect_err(pointer);
        assert_eq!(e.code(), *want, "{pointer}: {e:?}");
        let named = match &e {
            crate::Error::EmptyParam { field } | crate::Error::InvalidParam { field, .. } => field,
            _ => "",
        };
        assert_eq!(named, *field, "{pointer}");
    }
    assert_eq!(code(create(&json!({"job": {}}))), "DRS.M00201");
    assert_eq!(
        code(body::<create::SingleCreateJobReq>(b"[1]")),
        "DRS.M00300"
    );
    assert_eq!(
        code(body::<create::SingleCreateJobReq>(b"{\"job\": ")),
        "DRS.M00300"
    );
}

#[test]
fn metadata_updates_become_v3_modifications_and_the_others_are_not_supported_yet() {
    let upd = |v: serde_json::Value| {
        body::<update::SingleUpdateJobReq>(v.to_string().as_bytes())?.validate("job-1")
    };
    let m = upd(json!({"job": {"type": "name", "params": {"base_info": {"name": "renamed"}}}}))
        .expect("name");
    assert_eq!(m.name.as_deref(), Some("renamed"));
    assert!(!m.is_configuration());
    let m =
        upd(json!({"job": {"type": "description", "params": {"base_info": {"description": ""}}}}))
            .expect("description");
    assert_eq!(m.description.as_deref(), Some(""));
    let m = upd(
        json!({"job": {"type": "expired_days", "params": {"base_info": {"expired_days": "30"}}}}),
    )
    .expect("days");
    assert_eq!(m.expired_days.as_deref(), Some("30"));
    let m = upd(json!({"job": {"type": "notify", "params": {"alarm_notify": {"alarm_to_user": true, "delay_time": 0}}}}))
        .expect("notify");
    assert_eq!(
        m.alarm_notify,
        Some(json!({"alarm_to_user": true, "delay_time": 0}))
    );
    assert_eq!(
        code(upd(json!({"job": {"type": "db_object", "params": {}}}))),
        "DRS.M00202"
    );
    assert_eq!(
        code(upd(json!({"job": {"type": "nope", "params": {}}}))),
        "DRS.M00202"
    );
    assert_eq!(code(upd(json!({"job": {"type": "name"}}))), "DRS.M00201");
    assert_eq!(
        code(upd(
            json!({"job": {"type": "name", "params": {"job_id": "other", "base_info": {"name": "abcd"}}}})
        )),
        "DRS.M00202"
    );
    assert_eq!(
        code(upd(
            json!({"job": {"type": "notify", "params": {"alarm_notify": {"alarm_to_user": true, "rpo_delay": 3601}}}})
        )),
        "DRS.M00202"
    );
}

#[test]
fn actions_map_onto_the_v3_operations() {
    let op = |v: serde_json::Value| {
        actions::single_action(v.to_string().as_bytes(), "j1").map(|(op, _)| op)
    };
    let a = |name: &str, params: serde_json::Value| {
        op(json!({"job": {"action_name": name, "action_params": params}}))
    };
    assert_eq!(a("start", json!({})), Ok(Op::Start { at_ms: None }));
    assert_eq!(
        a("start", json!({"start_time": "1900000000000"})),
        Ok(Op::Start {
            at_ms: Some(1_900_000_000_000)
        })
    );
    assert_eq!(a("stop", json!({"pause_mode": "all"})), Ok(Op::Pause));
    assert_eq!(a("restart", json!({})), Ok(Op::Restore));
    assert_eq!(a("terminate", json!({})), Ok(Op::Terminate));
    assert_eq!(
        a("terminate", json!({"force_delete": true})),
        Ok(Op::ForceTerminate)
    );
    assert_eq!(a("reset", json!({})), Ok(Op::Reset));
    assert_eq!(
        a("precheck", json!({})),
        Ok(Op::Precheck {
            mode: PrecheckMode::ForStartJob
        })
    );
    assert_eq!(
        a("precheck", json!({"precheck_mode": "forRetryJob"})),
        Ok(Op::Precheck {
            mode: PrecheckMode::ForRetryJob
        })
    );
    assert_eq!(
        code(a("precheck", json!({"precheck_mode": "forever"}))),
        "DRS.M00202"
    );
    assert_eq!(a("network", json!({})), Ok(Op::TestConnection));
    assert_eq!(
        actions::single_action(
            json!({"job": {"action_name": "skip_precheck", "action_params": {
                "skip_precheck_info": {"skipped_precheck_list": [" srcDbConnection "], "skip_reason": "known"}
            }}})
            .to_string()
            .as_bytes(),
            "j1"
        ),
        Ok((
            Op::SkipPrecheck,
            Some(Box::new(Payload::Skip(vec!["srcDbConnection".into()])))
        ))
    );
    let skip = |list: serde_json::Value| {
        code(a(
            "skip_precheck",
            json!({"skip_precheck_info": {"skipped_precheck_list": list}}),
        ))
    };
    assert_eq!(code(a("skip_precheck", json!({}))), "DRS.M00201");
    assert_eq!(skip(json!([])), "DRS.M00201");
    assert_eq!(skip(json!(["a", "a"])), "DRS.M00202");
    assert_eq!(skip(json!([" "])), "DRS.M00201");
    for not_yet in ["create_compare", "set_readonly"] {
        let e = a(not_yet, json!({})).expect_err(not_yet);
        assert_eq!(
            e,
            crate::Error::invalid_with("job.action_name", crate::error::Reason::NotYetSupported)
        );
    }
    assert_eq!(
        code(a("restart", json!({"is_sync_re_edit": true}))),
        "DRS.M00202"
    );
    assert_eq!(code(a("explode", json!({}))), "DRS.M00202");
    assert_eq!(code(a("stop", json!({"pause_mode": "some"}))), "DRS.M00202");
    assert_eq!(
        code(a("start", json!({"start_time": "tomorrow"}))),
        "DRS.M00202"
    );
    assert_eq!(code(op(json!({}))), "DRS.M00201");
    assert_eq!(
        code(op(json!({"job": {"job_id": "j2", "action_name": "start"}}))),
        "DRS.M00202"
    );
}

#[test]
fn a_network_action_tests_both_endpoints_or_those_given() {
    let tests = |params: serde_json::Value| {
        let body = json!({"job": {"action_name": "network", "action_params": params}});
        match actions::single_action(body.to_string().as_bytes(), "j1") {
            Ok((Op::TestConnection, Some(p))) => match *p {
                Payload::Connection(t) => Ok(t),
                other => panic!("{other:?}"),
            },
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.code()),
        }
    };
    let both = tests(json!({})).expect("both");
    assert_eq!(
        both.iter().map(|t| t.side).collect::<Vec<_>>(),
        vec![Side::Source, Side::Target]
    );
    assert!(both.iter().all(|t| t.ip.is_none() && t.db_port.is_none()));
    let given = tests(json!({"endpoints": [
        {"endpoint_role": "ta", "endpoint": {"ip": " db.invalid ", "db_port": "3307"}}
    ]}))
    .expect("one");
    assert_eq!(given.len(), 1);
    assert_eq!(
        (given[0].side, given[0].ip.as_deref(), given[0].db_port),
        (Side::Target, Some("db.invalid"), Some(3307))
    );
    let role = |r: serde_json::Value| json!({"endpoints": [{"endpoint_role": r}]});
    assert_eq!(tests(role(json!("xx"))), Err("DRS.M00202"));
    assert_eq!(tests(role(json!(null))), Err("DRS.M00201"));
    assert_eq!(
        tests(json!({"endpoints": [{"endpoint_role": "so"}, {"endpoint_role": "so"}]})),
        Err("DRS.M00202")
    );
    assert_eq!(
        tests(json!({"endpoints": [{"endpoint_role": "so", "endpoint": {"db_port": "70000"}}]})),
        Err("DRS.M00202")
    );
}

#[test]
fn a_bad_batch_item_is_only_that_item_s_answer() {
    let items = actions::batch_actions(
        json!({"jobs": [
            {"job_id": "a", "action_name": "start"},
            {"job_id": "b", "action_name": "create_compare"},
            {"action_name": "stop"},
            {"job_id": "d", "action_name": 5},
            "e"
        ]})
        .to_string()
        .as_bytes(),
    )
    .expect("the envelope is fine");
    assert_eq!(items.len(), 5);
    assert!(
        matches!(&items[0], WriteItem::Act { job_id, op: Op::Start { .. }, .. } if job_id == "a")
    );
    let rejected: Vec<(Option<String>, &'static str)> = items[1..]
        .iter()
        .map(|i| match i {
            WriteItem::Rejected { id, error, .. } => (id.clone(), error.code()),
            _ => (None, "accepted"),
        })
        .collect();
    assert_eq!(
        rejected,
        vec![
            (Some("b".into()), "DRS.M00202"),
            (None, "DRS.M00201"),
            (Some("d".into()), "DRS.M00202"),
            (None, "DRS.M00202"),
        ]
    );
}

#[test]
fn only_the_envelope_fails_a_v5_batch() {
    let run = |v: serde_json::Value| actions::batch_deletes(v.to_string().as_bytes());
    assert_eq!(code(run(json!({}))), "DRS.M00201");
    assert_eq!(code(run(json!({"jobs": []}))), "DRS.M00201");
    assert_eq!(code(run(json!({"jobs": ["a", "a"]}))), "DRS.M00202");
    let many: Vec<String> = (0..101).map(|i| format!("j{i}")).collect();
    assert_eq!(code(run(json!({ "jobs": many }))), "DRS.M00202");
    assert_eq!(code(actions::batch_deletes(b"nope")), "DRS.M00300");
    let items = run(json!({"jobs": ["a", "", 7]})).expect("items");
    assert!(matches!(&items[0], WriteItem::Act { op: Op::Delete, .. }));
    assert!(matches!(&items[1], WriteItem::Rejected { .. }));
    assert!(matches!(&items[2], WriteItem::Rejected { .. }));
    let stops = actions::batch_stops(
        json!({"jobs": [{"job_id": "a", "is_force_stop": true}, {"job_id": "b"}]})
            .to_string()
            .as_bytes(),
    )
    .expect("stops");
    assert!(matches!(
        &stops[0],
        WriteItem::Act {
            op: Op::ForceTerminate,
            ..
        }
    ));
    assert!(matches!(
        &stops[1],
        WriteItem::Act {
            op: Op::Terminate,
            ..
        }
    ));
}

#[test]
fn names_follow_the_creation_rules_per_kind() {
    let check =
        |v: serde_json::Value| body::<names::CheckJobNameReq>(v.to_string().as_bytes())?.validate();
    let ok = check(json!({"name": "good-name", "type": "trans"})).expect("valid");
    assert!(ok.look_up);
    assert!(
        !check(json!({"name": "good-name", "type": "offline"}))
            .expect("valid")
            .look_up
    );
    let long = format!("a{}", "b".repeat(60));
    assert_eq!(
        code(check(json!({"name": long, "type": "trans"}))),
        "DRS.M00202"
    );
    assert_eq!(code(check(json!({"name": long, "type": "offline"}))), "ok");
    assert_eq!(
        code(check(json!({"name": "1abc", "type": "trans"}))),
        "DRS.M00202"
    );
    assert_eq!(code(check(json!({"name": "abcd"}))), "DRS.M00201");
    assert_eq!(code(check(json!({"type": "trans"}))), "DRS.M00201");
    assert_eq!(
        code(check(json!({"name": "abcd", "type": "x"}))),
        "DRS.M00202"
    );
}

#[test]
fn enterprise_projects_are_filtered_by_name_and_the_caller_s_limits_and_paged() {
    let rows: Vec<EnterpriseProjectRow> =
        [("0", "default"), ("e1", "Finance"), ("e2", "finance-eu")]
            .iter()
            .map(|(id, name)| EnterpriseProjectRow {
                id: id.to_string(),
                name: name.to_string(),
                created_at_ms: 1_667_837_718_000,
            })
            .collect();
    let q = |raw: &str| enterprise::EnterpriseQuery::parse(Some(raw)).expect("query");
    let all = q("").answer(&caller(), &rows);
    assert_eq!(all.count, 3);
    assert_eq!(
        all.enterprise_project_list[0].created_at,
        "2022-11-07T16:15:18Z"
    );
    assert_eq!(all.enterprise_project_list[0].status, "1");
    let fin = q("name=FINANCE").answer(&caller(), &rows);
    assert_eq!(fin.count, 2);
    let page = q("name=finance&offset=1&limit=1").answer(&caller(), &rows);
    assert_eq!((page.count, page.enterprise_project_list.len()), (2, 1));
    assert_eq!(page.enterprise_project_list[0].id, "e2");
    let limited = Caller {
        enterprise_projects: Some(vec!["e2".into()]),
        ..caller()
    };
    let mine = q("").answer(&limited, &rows);
    assert_eq!(mine.count, 1);
    assert_eq!(
        code(enterprise::EnterpriseQuery::parse(Some("limit=0"))),
        "DRS.M00202"
    );
    assert_eq!(
        enterprise::EnterpriseQuery::parse(None)
            .expect("default")
            .limit,
        10
    );
}

#[test]
fn a_v5_write_knows_a_missing_or_deleted_job_as_one_that_does_not_exist() {
    use crate::Error;
    for e in [Error::JobNotFound, Error::JobDeleted] {
        assert_eq!(Dialect::V5.of(e.clone()), Error::NoSuchJob);
        assert_eq!(Dialect::V3.of(e.clone()), e);
    }
    assert_eq!(Dialect::V5.of(Error::NameTaken), Error::NameTaken);
    assert_eq!(Error::NoSuchJob.code(), "DRS.10000010");
}

#[test]
fn item_answers_say_success_or_failed_lowercase_with_the_job_s_name() {
    use crate::{lang::Lang, ops::ItemOutcome, Error};
    let ok = ItemOutcome::Applied {
        id: "a".into(),
        name: "job-a".into(),
        status: JobStatus::Pausing,
    };
    let failed = ItemOutcome::Failed {
        id: Some("b".into()),
        name: None,
        error: Error::NoSuchJob,
    };
    let answer = serde_json::to_value(BatchJobsResp::of(&[ok.clone(), failed.clone()], Lang::EnUs))
        .expect("json");
    assert_eq!(
        answer,
        json!({"jobs": [
            {"id": "a", "name": "job-a", "status": "success"},
            {"id": "b", "status": "failed", "error_code": "DRS.10000010",
             "error_msg": "Job does not exist, please check job ID."}
        ]})
    );
    assert_eq!(
        ActionBaseResp::single(failed, Lang::EnUs),
        Err(Error::NoSuchJob)
    );
    assert!(ActionBaseResp::single(ok, Lang::EnUs).is_ok());
}

// Found by fuzzing (`v5_bodies`, docs/fuzzing.md): the v5 bodies were read as bytes, so
// invalid UTF-8 inside a field the service ignores passed, and serde's derive read a struct from
// a JSON array by position.

#[test]
fn a_v5_body_that_is_not_utf8_is_refused_even_when_the_bad_bytes_are_in_an_ignored_field() {
    let bad = b"{\"job\": {\"action_na\xffme\": \"terminate\", \"action_params\": {\"force_delete\": true}}}";
    assert_eq!(code(body::<actions::StopJobActionReq>(bad)), "DRS.M00300");
    assert_eq!(code(actions::single_action(bad, "j")), "DRS.M00300");
    assert_eq!(
        code(actions::batch_deletes(
            b"{\"jobs\": [\"j\"], \"x\": \"\xc3\"}"
        )),
        "DRS.M00300"
    );
    let name = b"{\"name\": \"a-good-name\", \"type\": \"trans\", \"n\xe9\": 1}";
    assert_eq!(code(body::<names::CheckJobNameReq>(name)), "DRS.M00300");
}

#[test]
fn a_v5_struct_given_as_an_array_is_a_wrong_type_naming_it() {
    let single = br#"{"job": ["j", "terminate"]}"#;
    let err = actions::single_action(single, "j").expect_err("an array is not an ActionReq");
    assert_eq!(err.code(), "DRS.M00202");
    assert!(format!("{err:?}").contains("job"), "{err:?}");

    let items = actions::batch_actions(br#"{"jobs": [["j", "start"]]}"#).expect("the envelope");
    match &items[..] {
        [WriteItem::Rejected { error, .. }] => {
            assert_eq!(error.code(), "DRS.M00202");
            assert!(format!("{error:?}").contains("jobs[0]"), "{error:?}");
        }
        other => panic!("an array item is that item's wrong type: {other:?}"),
    }
    let stops = actions::batch_stops(br#"{"jobs": [["j", true]]}"#).expect("the envelope");
    assert!(
        matches!(&stops[..], [WriteItem::Rejected { .. }]),
        "{stops:?}"
    );
}
