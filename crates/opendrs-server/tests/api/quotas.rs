//! Quotas and node types over HTTP: `GET /v3/{project_id}/quotas` counting the project's live
//! top-level jobs, the quota enforced on v3 and v5 creation (per item, exactly, even under
//! concurrent creations), and `GET /v3/{project_id}/node-type` with its parameter errors.

use crate::{
    helpers::{job, Answer, TestApp},
    lifecycle::{app, create_item},
};
use opendrs_core::enums::{DbUseType, JobStatus};
use serde_json::{json, Value};

impl TestApp {
    async fn quotas(&self) -> Answer {
        let path = format!("/v3/{}/quotas", self.p1.project_id());
        self.send("GET", &path, &self.viewer, &[], b"").await
    }

    async fn node_types(&self, query: &str, lang: &str) -> Answer {
        let path = format!("/v3/{}/node-type?{query}", self.p1.project_id());
        self.send("GET", &path, &self.viewer, &[("X-Language", lang)], b"")
            .await
    }

    async fn set_quota(&self, n: u64) {
        self.store
            .quota_set(&self.p1, Some(n))
            .await
            .expect("set quota");
    }
}

fn resource(a: &Answer) -> &Value {
    &a.body["quotas"]["resource"]
}

/// (status, error_code) of each item of a batch answer.
fn items(a: &Answer) -> Vec<(String, String)> {
    a.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["status"].as_str().unwrap_or("").to_string(),
                r["error_code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn quotas_show_the_default_and_count_live_top_level_jobs_only() {
    let app = TestApp::spawn_with(|c| c.default_job_quota = 40).await;
    let mut parent = job(
        "q-1",
        "q-one",
        DbUseType::Migration,
        JobStatus::Configuration,
        1,
    );
    parent.children = vec![job(
        "q-1-c",
        "q-child",
        DbUseType::Migration,
        JobStatus::Configuration,
        1,
    )];
    app.seed(
        &app.p1,
        &[
            parent,
            job(
                "q-2",
                "q-two",
                DbUseType::Sync,
                JobStatus::FullTransferStarted,
                2,
            ),
            job("q-3", "q-gone", DbUseType::Migration, JobStatus::Deleted, 3),
        ],
    )
    .await;
    app.seed(
        &app.p2,
        &[job(
            "q-4",
            "q-other",
            DbUseType::Migration,
            JobStatus::Configuration,
            4,
        )],
    )
    .await;
    let a = app.quotas().await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"quotas": {"resource": {
            "type": "instances", "min": 0, "max": 10_000_000, "quota": 40, "used": 2
        }}}),
        "a viewer reads it; children, deleted jobs and other projects do not count"
    );
    app.set_quota(7).await;
    assert_eq!(
        resource(&app.quotas().await)["quota"],
        7,
        "a configured quota wins"
    );
    app.store.quota_set(&app.p1, None).await.expect("reset");
    assert_eq!(
        resource(&app.quotas().await)["quota"],
        40,
        "back to the default"
    );
}

#[tokio::test]
async fn a_batch_creation_admits_items_until_the_quota_and_refuses_the_rest_per_item() {
    let app = app().await;
    app.seed(
        &app.p1,
        &[job(
            "q-1",
            "q-one",
            DbUseType::Migration,
            JobStatus::Configuration,
            1,
        )],
    )
    .await;
    app.set_quota(3).await;
    // One job seeded + quota-a + quota-b fill the quota of 3; a taken name uses no slot.
    let body = Value::Array(
        ["a", "a", "b", "c"]
            .iter()
            .map(|n| create_item(&format!("quota-{n}")))
            .collect(),
    );
    let a = app.write("POST", "batch-creation", &app.admin, body).await;
    assert_eq!(a.status, 202, "{}", a.text);
    let expected: Vec<(String, String)> = [
        ("CREATING", ""),
        ("failed", "DRS.M00277"),
        ("CREATING", ""),
        ("failed", "DRS.M05067"),
    ]
    .iter()
    .map(|(s, c)| (s.to_string(), c.to_string()))
    .collect();
    assert_eq!(items(&a), expected, "{}", a.text);
    let refused = &a.body["results"][3];
    assert_eq!(refused["name"], "quota-c", "{refused}");
    assert!(
        refused["error_msg"]
            .as_str()
            .unwrap_or("")
            .contains("at most 3"),
        "{refused}"
    );
    assert_eq!(resource(&app.quotas().await)["used"], 3);

    // In Chinese, and for a v5 creation (one job: the error is the answer, 400).
    let path = format!("/v5/{}/jobs", app.p1.project_id());
    let body = crate::jobs_v5::creation("quota-v5").to_string();
    let a = app
        .send(
            "POST",
            &path,
            &app.admin,
            &[("X-Language", "zh-cn")],
            body.as_bytes(),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M05067"), "{}", a.text);
    assert!(a.msg().contains("配额"), "{}", a.text);

    // Raising the quota admits the next creation.
    app.set_quota(4).await;
    let a = app
        .send("POST", &path, &app.admin, &[], body.as_bytes())
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(resource(&app.quotas().await)["used"], 4);
}

#[tokio::test]
async fn a_quota_of_zero_or_below_the_count_refuses_every_creation_and_other_projects_go_on() {
    let app = app().await;
    app.seed(
        &app.p1,
        &[
            job(
                "q-1",
                "q-one",
                DbUseType::Migration,
                JobStatus::Configuration,
                1,
            ),
            job(
                "q-2",
                "q-two",
                DbUseType::Migration,
                JobStatus::Configuration,
                2,
            ),
        ],
    )
    .await;
    app.set_quota(1).await;
    let a = app
        .write(
            "POST",
            "batch-creation",
            &app.admin,
            json!([create_item("over")]),
        )
        .await;
    assert_eq!(
        items(&a),
        [("failed".to_string(), "DRS.M05067".to_string())]
    );
    assert_eq!(
        resource(&app.quotas().await)["used"],
        2,
        "jobs over a lowered quota stay"
    );
    app.set_quota(0).await;
    let a = app
        .write(
            "POST",
            "batch-creation",
            &app.admin,
            json!([create_item("zero")]),
        )
        .await;
    assert_eq!(
        items(&a),
        [("failed".to_string(), "DRS.M05067".to_string())]
    );
    // The second project keeps the default quota.
    let path = format!("/v3/{}/jobs/batch-creation", app.p2.project_id());
    let body = json!({"jobs": [create_item("elsewhere")]}).to_string();
    let a = app
        .send("POST", &path, &app.other, &[], body.as_bytes())
        .await;
    assert_eq!(
        items(&a),
        [("CREATING".to_string(), String::new())],
        "{}",
        a.text
    );
}

#[tokio::test]
async fn concurrent_creations_never_pass_the_last_slot() {
    let app = app().await;
    app.set_quota(5).await;
    let tries = 16;
    let answers = futures::future::join_all((0..tries).map(|i| {
        let app = &app;
        async move {
            app.write(
                "POST",
                "batch-creation",
                &app.admin,
                json!([create_item(&format!("race-{i}"))]),
            )
            .await
        }
    }))
    .await;
    let mut created = 0;
    for a in &answers {
        assert_eq!(a.status, 202, "{}", a.text);
        match items(a)[0] {
            (ref s, _) if s == "CREATING" => created += 1,
            (_, ref c) => assert_eq!(c, "DRS.M05067", "{}", a.text),
        }
    }
    assert_eq!(
        created, 5,
        "exactly the quota's worth of {tries} concurrent creations"
    );
    assert_eq!(resource(&app.quotas().await)["used"], 5);
}

#[tokio::test]
async fn node_types_follow_the_scenario_and_none_is_sold_out() {
    let app = TestApp::spawn().await;
    let names = |a: &Answer| -> Vec<String> {
        a.body["node_types"]
            .as_array()
            .expect("node_types")
            .iter()
            .map(|n| {
                assert_eq!(n["is_sellout"], false, "{n}");
                n["node_type"].as_str().expect("node_type").to_string()
            })
            .collect()
    };
    let a = app
        .node_types(
            "engine_type=mysql&db_use_type=migration&job_direction=up",
            "en-us",
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(names(&a), ["micro", "small", "medium", "high", "xlarge"]);
    let a = app
        .node_types(
            "engine_type=mysql&db_use_type=sync&job_direction=down&is_use_sellout_info=True",
            "en-us",
        )
        .await;
    assert_eq!(
        names(&a),
        ["micro", "small", "medium", "high", "xlarge", "2xlarge"]
    );
    let a = app
        .node_types(
            "engine_type=cloudDataGuard-mysql&db_use_type=cloudDataGuard&job_direction=non-dbs&is_multi_write=true",
            "en-us",
        )
        .await;
    assert_eq!(names(&a), ["high"]);
}

#[tokio::test]
async fn node_type_parameters_missing_or_invalid_are_named_in_the_callers_language() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("db_use_type=migration&job_direction=up", "engine_type"),
        (
            "engine_type=nosuchdb&db_use_type=migration&job_direction=up",
            "engine_type",
        ),
        ("engine_type=mysql&job_direction=up", "db_use_type"),
        (
            "engine_type=mysql&db_use_type=backup&job_direction=up",
            "db_use_type",
        ),
        ("engine_type=mysql&db_use_type=migration", "job_direction"),
        (
            "engine_type=mysql&db_use_type=migration&job_direction=sideways",
            "job_direction",
        ),
        (
            "engine_type=mysql&db_use_type=migration&job_direction=up&is_use_sellout_info=maybe",
            "is_use_sellout_info",
        ),
        (
            "engine_type=mysql&db_use_type=migration&job_direction=up&is_multi_write=true",
            "is_multi_write",
        ),
        (
            "engine_type=mysql&engine_type=mongodb&db_use_type=migration&job_direction=up",
            "engine_type",
        ),
    ] {
        let a = app.node_types(query, "en-us").await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M00202"),
            "{query}: {}",
            a.text
        );
        assert!(
            a.msg().contains(&format!("parameter {field} ")),
            "{query}: {}",
            a.text
        );
        let zh = app.node_types(query, "zh-cn").await;
        assert!(
            zh.msg().starts_with(&format!("参数{field}的值无效")),
            "{}",
            zh.text
        );
    }
}
