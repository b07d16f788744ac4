//! `POST /v3/{project_id}/jobs/batch-status` and `…/batch-detail`.

use crate::helpers::{job, TestApp};
use opendrs_core::{
    enums::{DbUseType::*, JobStatus::*},
    job::Endpoint,
};
use serde_json::json;

async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    let mut a = job("a1", "alpha", Migration, IncreTransferFailed, 1);
    a.tags = vec![("env".into(), "prod".into()), ("team".into(), "db".into())];
    a.source_endpoint = Endpoint {
        inst_id: Some("src-1".into()),
        ip: Some("10.0.0.1".into()),
        ..Default::default()
    };
    a.enterprise_project_id = "e1".into();
    let mut parent = job("p1", "parent", Sync, ChildTransferStarted, 2);
    parent.children = vec![job("c1", "child", Sync, ChildTransferComplete, 3)];
    let gone = job("d1", "deleted", Migration, Deleted, 4);
    app.seed(&app.p1, &[a, parent, gone]).await;
    app.seed(
        &app.p2,
        &[job("x1", "other project", Migration, Configuration, 5)],
    )
    .await;
    app
}

async fn post(
    app: &TestApp,
    route: &str,
    body: serde_json::Value,
    lang: &str,
) -> crate::helpers::Answer {
    let path = format!("/v3/{}/jobs/{route}", app.p1.project_id());
    app.send(
        "POST",
        &path,
        &app.admin,
        &[("x-language", lang)],
        body.to_string().as_bytes(),
    )
    .await
}

#[tokio::test]
async fn batch_status_answers_per_item_in_the_order_asked() {
    let app = seeded().await;
    let a = post(&app, "batch-status", json!({"jobs": ["c1", "nope", "a1", "d1", "x1"], "page_req": {"cur_page": 1, "per_page": 10}}), "en-us").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["count"], 5);
    let r = &a.body["results"];
    assert_eq!(
        (r[0]["id"].as_str(), r[0]["status"].as_str()),
        (Some("c1"), Some("CHILD_TRANSFER_COMPLETE"))
    );
    assert_eq!(r[1]["error_code"], "DRS.M05003");
    assert_eq!(r[1]["error_message"], "Task information not found.");
    assert!(r[1].get("status").is_none());
    assert_eq!(
        (r[2]["status"].as_str(), r[2]["error_message"].as_str()),
        (Some("INCRE_TRANSFER_FAILED"), Some("it failed"))
    );
    assert_eq!(r[3]["status"], "DELETED", "deleted jobs stay readable");
    assert_eq!(
        r[4]["error_code"], "DRS.M05003",
        "another project's job is unknown here"
    );
}

#[tokio::test]
async fn batch_detail_shows_the_main_fields_with_times_in_milliseconds() {
    let app = seeded().await;
    let a = post(&app, "batch-detail", json!({"jobs": ["a1", "c1"]}), "en-us").await;
    assert_eq!(a.status, 200, "{}", a.text);
    let d = &a.body["results"][0];
    assert_eq!(d["id"], "a1");
    assert_eq!(d["create_time"], "1700000001000");
    assert_eq!(d["db_use_type"], "migration");
    assert_eq!(d["inst_info"]["engine_type"], "mysql");
    assert_eq!(d["failed_reason"], "it failed");
    assert_eq!(d["source_endpoint"]["inst_id"], "src-1");
    assert_eq!(
        d["tags"],
        json!([{"key": "env", "value": "prod"}, {"key": "team", "value": "db"}])
    );
    assert!(!a.text.contains("password"));
    assert_eq!(a.body["results"][1]["parent_id"], "p1");
}

#[tokio::test]
async fn batch_pages_select_ids_and_count_them_all() {
    let app = seeded().await;
    let a = post(
        &app,
        "batch-status",
        json!({"jobs": ["a1", "p1", "c1"], "page_req": {"cur_page": 2, "per_page": 2}}),
        "en-us",
    )
    .await;
    assert_eq!(a.body["count"], 3);
    assert_eq!(a.body["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(a.body["results"][0]["id"], "c1");
    let past = post(
        &app,
        "batch-status",
        json!({"jobs": ["a1"], "page_req": {"cur_page": 3, "per_page": 2}}),
        "en-us",
    )
    .await;
    assert_eq!((past.status, past.code()), (400, "DRS.M00210"));
}

#[tokio::test]
async fn bad_batch_bodies_get_clear_errors_in_both_languages() {
    let app = seeded().await;
    for (body, code) in [
        (json!({}), "DRS.M00201"),
        (json!({"jobs": []}), "DRS.M00201"),
        (json!({"jobs": ["a1", "a1"]}), "DRS.M00202"),
        (json!({"jobs": "a1"}), "DRS.M00202"),
    ] {
        for lang in ["en-us", "zh-cn"] {
            let a = post(&app, "batch-detail", body.clone(), lang).await;
            assert_eq!(
                (a.status, a.code()),
                (400, code),
                "{body} {lang}: {}",
                a.text
            );
        }
    }
    let zh = post(&app, "batch-status", json!({"jobs": ["nope"]}), "zh-cn").await;
    assert!(zh.body["results"][0]["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("任务")));
}

#[tokio::test]
async fn a_limited_user_cannot_see_jobs_outside_its_enterprise_projects() {
    let app = seeded().await;
    let path = format!("/v3/{}/jobs/batch-status", app.p1.project_id());
    let a = app
        .send("POST", &path, &app.limited, &[], br#"{"jobs":["a1","p1"]}"#)
        .await;
    assert_eq!(a.body["results"][0]["status"], "INCRE_TRANSFER_FAILED");
    assert_eq!(a.body["results"][1]["error_code"], "DRS.M05003");
}
