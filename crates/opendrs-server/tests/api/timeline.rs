//! `GET /v5/{project_id}/jobs/{job_id}/timelines`: a job's status changes, newest first, paged,
//! with who made them; the errors of a bad page or a job the caller cannot see.

use crate::{
    helpers::{Answer, Cred, TestApp},
    lifecycle::{app, create_item},
};
use serde_json::json;

impl TestApp {
    /// The timeline of `id` in project 1, as `cred`, with `query` (without the `?`).
    async fn timeline(&self, cred: &Cred, id: &str, query: &str) -> Answer {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let path = format!("/v5/{}/jobs/{id}/timelines{q}", self.p1.project_id());
        self.send("GET", &path, cred, &[], b"").await
    }
}

/// (name, status, user_name) of each entry.
fn entries(a: &Answer) -> Vec<(String, String, Option<String>)> {
    a.body["timelines"]
        .as_array()
        .expect("timelines")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or("").to_string(),
                t["status"].as_str().unwrap_or("").to_string(),
                t["user_name"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn entry(name: &str, user: Option<&str>) -> (String, String, Option<String>) {
    (name.into(), "success".into(), user.map(str::to_string))
}

/// A job created and started by `admin`, now in full transfer: four changes.
async fn started(app: &TestApp) -> String {
    let id = app.create(&["timeline-job"]).await.remove(0);
    app.advance(5_000).await;
    app.prechecked(&[&id]).await;
    app.op("POST", "batch-starting", json!({"job_id": id}))
        .await;
    app.advance(5_000).await;
    id
}

#[tokio::test]
async fn a_viewer_reads_a_jobs_status_changes_newest_first_with_the_user_who_made_each() {
    let app = app().await;
    let id = started(&app).await;
    let a = app.timeline(&app.viewer, &id, "").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["count"], 4);
    assert_eq!(
        entries(&a),
        vec![
            entry("FULL_TRANSFER_STARTED", None),
            entry("STARTJOBING", Some("admin")),
            entry("CONFIGURATION", None),
            entry("CREATING", Some("admin")),
        ]
    );
    for t in a.body["timelines"].as_array().expect("timelines") {
        let at = t["operation_time"].as_str().expect("operation_time");
        let parsed =
            time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339);
        assert!(
            parsed.is_ok() && at.len() == 20 && at.ends_with('Z'),
            "{at}"
        );
        let age = time::OffsetDateTime::now_utc() - parsed.expect("parsed");
        assert!(age.whole_minutes().abs() < 5, "wall-clock time: {at}");
    }
    assert!(
        !a.text.contains("null"),
        "user_name is absent, not null: {}",
        a.text
    );
}

#[tokio::test]
async fn the_timeline_pages_by_offset_and_limit_and_counts_every_entry() {
    let app = app().await;
    let id = started(&app).await;
    let a = app.timeline(&app.admin, &id, "offset=1&limit=2").await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["count"], 4);
    assert_eq!(
        entries(&a),
        vec![
            entry("STARTJOBING", Some("admin")),
            entry("CONFIGURATION", None)
        ]
    );
    let past = app.timeline(&app.admin, &id, "offset=4").await;
    assert_eq!(
        (
            past.status,
            past.body["count"].as_u64(),
            entries(&past).len()
        ),
        (200, Some(4), 0)
    );
    let huge = app
        .timeline(&app.admin, &id, "offset=18446744073709551615&limit=1000")
        .await;
    assert_eq!(
        (huge.status, entries(&huge).len()),
        (200, 0),
        "{}",
        huge.text
    );
    // Default: ten entries. Pause and resume until the job has more than ten.
    for _ in 0..4 {
        app.op(
            "POST",
            "batch-pause-task",
            json!({"job_id": id, "pause_mode": "all"}),
        )
        .await;
        app.op("POST", "batch-retry-task", json!({"job_id": id}))
            .await;
        app.advance(5_000).await;
    }
    let a = app.timeline(&app.admin, &id, "").await;
    assert_eq!(a.body["count"], 16, "{}", a.text);
    assert_eq!(entries(&a).len(), 10);
    assert_eq!(entries(&a)[0].0, "FULL_TRANSFER_STARTED");
}

#[tokio::test]
async fn a_bad_offset_or_limit_is_m00202_naming_it_in_the_callers_language() {
    let app = app().await;
    let id = app.create(&["paged-badly"]).await.remove(0);
    for (query, name) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("limit=-5", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ] {
        let a = app.timeline(&app.admin, &id, query).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M00202"),
            "{query}: {}",
            a.text
        );
        assert!(a.msg().contains(name), "{query}: {}", a.msg());
    }
    let path = format!("/v5/{}/jobs/{id}/timelines?limit=0", app.p1.project_id());
    let zh = app
        .send("GET", &path, &app.admin, &[("x-language", "zh-cn")], b"")
        .await;
    assert_eq!(zh.code(), "DRS.M00202");
    assert!(zh.msg().contains("取值范围为1到1000"), "{}", zh.msg());
}

#[tokio::test]
async fn an_unknown_job_another_projects_job_or_one_outside_the_callers_enterprise_projects_is_m05003(
) {
    let app = app().await;
    let path = format!("/v3/{}/jobs/batch-creation", app.p2.project_id());
    let body = json!({"jobs": [create_item("p2-history")]}).to_string();
    let a = app
        .send("POST", &path, &app.other, &[], body.as_bytes())
        .await;
    let p2_job = a.body["results"][0]["id"].as_str().expect("id").to_string();
    let mut item = create_item("finance-history");
    item["sys_tags"] = json!([{"key": "_sys_enterprise_project_id", "value": "e2"}]);
    let a = app
        .write("POST", "batch-creation", &app.admin, json!([item]))
        .await;
    let e2_job = a.body["results"][0]["id"].as_str().expect("id").to_string();
    for (who, cred, id) in [
        ("unknown", &app.admin, "no-such-job"),
        ("a NUL in the ID", &app.admin, "job%00id"),
        ("another project's", &app.admin, p2_job.as_str()),
        ("outside e1", &app.limited, e2_job.as_str()),
    ] {
        let a = app.timeline(cred, id, "").await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.10000010"),
            "{who}: {}",
            a.text
        );
        assert!(!a.text.contains("p2-history") && !a.text.contains("CREATING"));
    }
    let own = app.timeline(&app.admin, &e2_job, "").await;
    assert_eq!(own.body["count"], 1, "{}", own.text);
    let other = app
        .send(
            "GET",
            &format!("/v5/{}/jobs/{p2_job}/timelines", app.p2.project_id()),
            &app.other,
            &[],
            b"",
        )
        .await;
    assert_eq!(
        other.body["count"], 1,
        "its own project reads it: {}",
        other.text
    );
}

#[tokio::test]
async fn a_failed_step_is_a_failed_entry() {
    let app = TestApp::spawn_with(|c| {
        c.executor_clock = opendrs_server::config::ExecutorClock::Virtual;
        c.executor_poll_ms = 3_600_000;
        c.fail_start_fraction = 1.0;
    })
    .await;
    let id = app.create(&["doomed-history"]).await.remove(0);
    app.advance(5_000).await;
    app.prechecked(&[&id]).await;
    app.op("POST", "batch-starting", json!({"job_id": id}))
        .await;
    opendrs_core::writes::clock_advance(&*app.store, 5_000)
        .await
        .expect("advance");
    let failing = opendrs_server::Config {
        executor_clock: opendrs_server::config::ExecutorClock::Virtual,
        fail_start_fraction: 1.0,
        ..opendrs_server::Config::default()
    }
    .executor_settings();
    opendrs_core::executor::settle(&*app.store, &failing)
        .await
        .expect("settle");
    let a = app.timeline(&app.admin, &id, "limit=1").await;
    assert_eq!(
        a.body["timelines"],
        json!([{
            "name": "START_JOB_FAILED",
            "status": "failed",
            "operation_time": a.body["timelines"][0]["operation_time"].clone(),
        }]),
        "{}",
        a.text
    );
}
