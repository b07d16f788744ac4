//! `POST /v3/{project_id}/jobs`: filters, paging, order, deleted jobs, children, isolation.

use crate::helpers::{job, Cred, TestApp};
use opendrs_core::{
    enums::{DbUseType::*, JobStatus::*, NetType},
    job::Endpoint,
};
use serde_json::json;

/// 30 migration jobs m00..m29 (m00 oldest), a few sync jobs, one deleted, one parent with
/// children, tags, enterprise projects and endpoints.
async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    let mut jobs = Vec::new();
    for i in 0..30 {
        let mut j = job(
            &format!("m{i:02}"),
            &format!("Orders-{i:02}"),
            Migration,
            IncreTransferStarted,
            i,
        );
        if i % 3 == 0 {
            j.status = Configuration;
            j.net_type = NetType::Vpn;
        }
        if i % 5 == 0 {
            j.engine_type = "mongodb".into();
        }
        if i % 2 == 0 {
            j.tags = vec![("env".into(), "prod".into()), ("team".into(), "db".into())];
        } else {
            j.tags = vec![("env".into(), "test".into())];
        }
        j.enterprise_project_id = if i < 10 { "e1".into() } else { "0".into() };
        j.source_endpoint = Endpoint {
            inst_id: Some(format!("inst-{i}")),
            ip: Some(format!("10.0.0.{i}")),
            ..Default::default()
        };
        jobs.push(j);
    }
    jobs.push(job(
        "s1",
        "nightly_100%_copy",
        Sync,
        IncreTransferStarted,
        100,
    ));
    jobs.push(job(
        "s2",
        "nightly_100x_copy",
        Sync,
        IncreTransferStarted,
        101,
    ));
    jobs.push(job("s3", "Gone", Sync, Deleted, 102));
    let mut parent = job("s4", "dual-az parent", Sync, ChildTransferStarted, 103);
    parent.children = vec![
        job("s4-c1", "child one", Sync, ChildTransferComplete, 104),
        job("s4-c2", "child two", Sync, ChildTransferFailed, 105),
    ];
    jobs.push(parent);
    app.seed(&app.p1, &jobs).await;
    app.seed(
        &app.p2,
        &[job("x1", "Orders-other", Migration, Configuration, 50)],
    )
    .await;
    app
}

fn ids(range: impl Iterator<Item = i64>) -> Vec<String> {
    range.map(|i| format!("m{i:02}")).collect()
}

#[tokio::test]
async fn the_default_page_holds_the_ten_newest_jobs_of_the_scenario() {
    let app = seeded().await;
    let a = app.list(json!({"db_use_type": "migration"})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.total(), 30);
    assert_eq!(a.ids(), ids((20..30).rev()));
    let first = &a.body["jobs"][0];
    for key in [
        "id",
        "name",
        "status",
        "description",
        "create_time",
        "engine_type",
        "net_type",
        "billing_tag",
        "job_direction",
        "db_use_type",
        "task_type",
        "children",
        "node_newFramework",
        "job_action",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }
    assert_eq!(first["create_time"], "2023-11-14 22:13:49");
    assert!(first.get("error_msg").is_none());
}

#[tokio::test]
async fn pages_walk_the_whole_list_in_a_stable_order() {
    let app = seeded().await;
    let mut seen = Vec::new();
    for page in 1..=5 {
        let a = app
            .list(json!({"db_use_type": "migration", "cur_page": page, "per_page": 7}))
            .await;
        assert_eq!(a.total(), 30);
        seen.extend(a.ids());
    }
    assert_eq!(seen, ids((0..30).rev()));
}

#[tokio::test]
async fn paging_edges_follow_the_documented_rules() {
    let app = seeded().await;
    let cases = [
        (json!({"per_page": 1}), 200, 1),
        (json!({"per_page": 100}), 200, 30),
        (json!({"per_page": 0}), 200, 30),
        (json!({"cur_page": 0, "per_page": 3}), 200, 30),
        (json!({"cur_page": 4, "per_page": 10}), 200, 0),
        (json!({"cur_page": 99999999, "per_page": 100}), 200, 0),
    ];
    for (mut body, status, len) in cases {
        body["db_use_type"] = json!("migration");
        let a = app.list(body.clone()).await;
        assert_eq!(
            (a.status, a.ids().len()),
            (status, len),
            "{body}: {}",
            a.text
        );
        assert_eq!(a.total(), 30, "{body}");
    }
    for body in [
        json!({"per_page": 101}),
        json!({"per_page": -1}),
        json!({"cur_page": -1}),
        json!({"cur_page": 2, "per_page": 0}),
    ] {
        let mut b = body.clone();
        b["db_use_type"] = json!("migration");
        let a = app.list(b).await;
        assert_eq!((a.status, a.code()), (400, "DRS.M00210"), "{body}");
    }
}

#[tokio::test]
async fn all_items_are_streamed_in_the_same_order_as_the_pages() {
    let app = seeded().await;
    let all = app
        .list(json!({"db_use_type": "migration", "cur_page": 0}))
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.total(), 30);
    assert_eq!(all.ids(), ids((0..30).rev()));
    let filtered = app
        .list(json!({"db_use_type": "migration", "cur_page": 0, "status": "CONFIGURATION"}))
        .await;
    assert_eq!(filtered.total(), filtered.ids().len() as u64);
    assert_eq!(filtered.total(), 10);
}

#[tokio::test]
async fn each_enumerated_filter_narrows_the_list() {
    let app = seeded().await;
    let cases = [
        (
            json!({"status": "CONFIGURATION"}),
            ids((0..30).rev().filter(|i| i % 3 == 0)),
        ),
        (
            json!({"net_type": "vpn"}),
            ids((0..30).rev().filter(|i| i % 3 == 0)),
        ),
        (
            json!({"net_type": "eip"}),
            ids((0..30).rev().filter(|i| i % 3 != 0)),
        ),
        (
            json!({"engine_type": "mongodb"}),
            ids((0..30).rev().filter(|i| i % 5 == 0)),
        ),
        (json!({"enterprise_project_id": "e1"}), ids((0..10).rev())),
        (json!({"enterprise_project_id": "nope"}), vec![]),
        (
            json!({"status": "CONFIGURATION", "engine_type": "mongodb"}),
            ids((0..30).rev().filter(|i| i % 15 == 0)),
        ),
    ];
    for (mut body, want) in cases {
        body["db_use_type"] = json!("migration");
        body["cur_page"] = json!(0);
        let a = app.list(body.clone()).await;
        assert_eq!(a.ids(), want, "{body}");
        assert_eq!(a.total(), want.len() as u64, "{body}");
    }
}

#[tokio::test]
async fn tags_filter_in_both_forms_and_every_pair_must_match() {
    let app = seeded().await;
    let even = ids((0..30).rev().filter(|i| i % 2 == 0));
    for tags in [
        json!({"env": "prod"}),
        json!([{"key": "env", "value": "prod"}]),
        json!({"env": "prod", "team": "db"}),
        json!([{"key": "team"}]),
        json!([{"key": "team", "value": ""}]),
    ] {
        let a = app
            .list(json!({"db_use_type": "migration", "cur_page": 0, "tags": tags}))
            .await;
        assert_eq!(a.ids(), even, "{tags}");
    }
    let none = app
        .list(json!({"db_use_type": "migration", "tags": {"env": "test", "team": "db"}}))
        .await;
    assert_eq!((none.total(), none.ids().len()), (0, 0));
}

#[tokio::test]
async fn the_name_matches_a_case_insensitive_part_of_the_name_or_the_exact_id() {
    let app = seeded().await;
    let a = app
        .list(json!({"db_use_type": "migration", "name": "  oRdErS-2 ", "cur_page": 0}))
        .await;
    assert_eq!(a.ids(), ids((20..30).rev()));
    let a = app
        .list(json!({"db_use_type": "migration", "name": "M07"}))
        .await;
    assert_eq!(a.ids(), vec!["m07"]);
    let a = app
        .list(json!({"db_use_type": "migration", "name": "-1"}))
        .await;
    assert_eq!(
        a.ids(),
        ids((10..20).rev()),
        "two-character searches take the scan path"
    );
    let a = app
        .list(json!({"db_use_type": "migration", "name": "m03, m05 ,nope,m03"}))
        .await;
    assert_eq!(a.ids(), vec!["m05", "m03"]);
}

#[tokio::test]
async fn percent_and_underscore_in_a_name_are_literal() {
    let app = seeded().await;
    let a = app
        .list(json!({"db_use_type": "sync", "name": "100%"}))
        .await;
    assert_eq!(a.ids(), vec!["s1"]);
    let a = app
        .list(json!({"db_use_type": "sync", "name": "y_1"}))
        .await;
    assert_eq!(a.ids(), vec!["s2", "s1"]);
    let a = app
        .list(json!({"db_use_type": "sync", "name": "_%_"}))
        .await;
    assert_eq!(a.total(), 0);
}

#[tokio::test]
async fn instance_filters_match_source_or_target_endpoints() {
    let app = seeded().await;
    let a = app
        .list(json!({"db_use_type": "migration", "instance_ids": ["inst-3", "inst-4", "none"]}))
        .await;
    assert_eq!(a.ids(), vec!["m04", "m03"]);
    let a = app
        .list(json!({"db_use_type": "migration", "instance_ip": "10.0.0.7"}))
        .await;
    assert_eq!(a.ids(), vec!["m07"]);
}

#[tokio::test]
async fn deleted_jobs_are_hidden_unless_asked_for() {
    let app = seeded().await;
    let a = app
        .list(json!({"db_use_type": "sync", "cur_page": 0}))
        .await;
    assert!(!a.ids().contains(&"s3".to_string()));
    assert_eq!(a.total(), 3);
    let a = app
        .list(json!({"db_use_type": "sync", "status": "DELETED"}))
        .await;
    assert_eq!(a.ids(), vec!["s3"]);
}

#[tokio::test]
async fn children_are_nested_in_their_parent_and_never_listed_alone() {
    let app = seeded().await;
    let a = app
        .list(json!({"db_use_type": "sync", "cur_page": 0}))
        .await;
    assert_eq!(a.ids(), vec!["s4", "s2", "s1"]);
    let children: Vec<&str> = a.body["jobs"][0]["children"]
        .as_array()
        .map(|c| c.iter().filter_map(|j| j["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(children, vec!["s4-c2", "s4-c1"]);
    assert_eq!(a.body["jobs"][0]["children"][0]["error_msg"], "it failed");
    let a = app
        .list(json!({"db_use_type": "sync", "name": "s4-c1"}))
        .await;
    assert_eq!(a.total(), 0);
}

#[tokio::test]
async fn job_action_follows_the_status() {
    let app = seeded().await;
    let a = app
        .list(json!({"db_use_type": "migration", "per_page": 1}))
        .await;
    let action = &a.body["jobs"][0]["job_action"];
    assert_eq!(a.body["jobs"][0]["status"], "INCRE_TRANSFER_STARTED");
    assert!(action["available_actions"]
        .as_array()
        .is_some_and(|v| v.contains(&json!("PAUSE"))));
    assert!(action["unavailable_actions"]
        .as_array()
        .is_some_and(|v| v.contains(&json!("START"))));
}

#[tokio::test]
async fn one_project_never_sees_another_projects_jobs() {
    let app = seeded().await;
    let a = app
        .list_as(
            &app.p2,
            &app.other,
            json!({"db_use_type": "migration", "cur_page": 0}),
        )
        .await;
    assert_eq!(a.ids(), vec!["x1"]);
    let a = app
        .list_as(
            &app.p2,
            &app.other,
            json!({"db_use_type": "migration", "name": "m01,m02"}),
        )
        .await;
    assert_eq!(a.total(), 0);
    let a = app
        .list(json!({"db_use_type": "migration", "name": "orders-other"}))
        .await;
    assert_eq!(a.total(), 0);
}

#[tokio::test]
async fn a_user_limited_to_enterprise_projects_sees_only_those() {
    let app = seeded().await;
    let a = app
        .list_as(
            &app.p1,
            &app.limited,
            json!({"db_use_type": "migration", "cur_page": 0}),
        )
        .await;
    assert_eq!(a.ids(), ids((0..10).rev()));
    let a = app
        .list_as(
            &app.p1,
            &app.limited,
            json!({"db_use_type": "migration", "enterprise_project_id": "0"}),
        )
        .await;
    assert_eq!((a.status, a.code()), (403, "DRS.M00102"));
    let a = app
        .list_as(
            &app.p1,
            &app.limited,
            json!({"db_use_type": "migration", "enterprise_project_id": "e1"}),
        )
        .await;
    assert_eq!(a.total(), 10);
}

#[tokio::test]
async fn a_viewer_can_read_the_list() {
    let app = seeded().await;
    let a = app
        .list_as(&app.p1, &app.viewer, json!({"db_use_type": "migration"}))
        .await;
    assert_eq!((a.status, a.total()), (200, 30));
    let none = app
        .list_as(&app.p1, &Cred::None, json!({"db_use_type": "migration"}))
        .await;
    assert_eq!(none.status, 401);
}

#[tokio::test]
async fn a_repeated_page_reflects_every_write_made_in_between() {
    let app = seeded().await;
    let body = json!({"db_use_type": "migration", "per_page": 2});
    let before = app.list(body.clone()).await;
    assert_eq!(before.ids(), vec!["m29", "m28"]);
    assert_eq!(
        app.list(body.clone()).await.text,
        before.text,
        "the same answer twice"
    );
    app.seed(
        &app.p1,
        &[job("m99", "newest", Migration, Configuration, 999)],
    )
    .await;
    let after = app.list(body.clone()).await;
    assert_eq!(
        (after.ids(), after.total()),
        (vec!["m99".to_string(), "m29".to_string()], 31)
    );
    // A write by another process: a second store on the same database.
    let other = app.config.open_database().await.expect("open");
    other
        .jobs_insert(
            &app.p1,
            &[job("m98", "from elsewhere", Migration, Configuration, 998)],
        )
        .await
        .expect("write");
    assert_eq!(app.list(body).await.total(), 32);
}
