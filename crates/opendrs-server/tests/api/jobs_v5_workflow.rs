//! The v3 task workflow driven through the v5 job API: the `network`, `precheck`, `reset` and
//! `skip_precheck` actions (single and batch, on the one state machine) and the `ShowJobDetail` views
//! `type=network`, `type=precheck` and `type=progress` of what they recorded.

use crate::{
    helpers::{job, Answer, TestApp},
    jobs_v5::creation,
    lifecycle::app,
};
use opendrs_core::enums::{DbUseType, JobStatus};
use serde_json::{json, Value};

impl TestApp {
    /// `type` of the job's v5 detail, as the admin.
    async fn v5_view(&self, id: &str, kind: &str) -> Answer {
        self.v5("GET", &format!("/jobs/{id}?type={kind}"), Value::Null)
            .await
    }

    /// `action` on the job, whatever the answer.
    async fn v5_try(&self, id: &str, action: &str, params: Value) -> Answer {
        let body = json!({"job": {"action_name": action, "action_params": params}});
        self.v5("POST", &format!("/jobs/{id}/action"), body).await
    }

    /// A job created through v5 (with `source_ip`) and settled in `CONFIGURATION`.
    async fn v5_configured(&self, name: &str, source_ip: &str) -> String {
        let mut body = creation(name);
        body["job"]["source_endpoint"][0]["endpoint"]["ip"] = source_ip.into();
        let a = self.v5("POST", "/jobs", body).await;
        assert_eq!(a.status, 200, "{}", a.text);
        let id = a.body["id"].as_str().expect("an id").to_string();
        self.advance(5_000).await;
        assert_eq!(self.status_of(&id).await, "CONFIGURATION");
        id
    }

    /// Seeds a job of the first project in `status` whose endpoints have addresses.
    async fn seed_addressed(&self, id: &str, status: JobStatus) {
        let mut j = job(id, &format!("seeded-{id}"), DbUseType::Sync, status, 1);
        j.source_endpoint.ip = Some("10.3.0.1".into());
        j.source_endpoint.db_port = Some(3306);
        j.target_endpoint.ip = Some("10.3.0.2".into());
        j.target_endpoint.db_port = Some(3306);
        self.seed(&self.p1, &[j]).await;
    }
}

fn item<'a>(results: &'a Value, name: &str) -> &'a Value {
    results
        .as_array()
        .and_then(|items| items.iter().find(|i| i["item"] == name))
        .unwrap_or(&Value::Null)
}

fn percent(v: &Value) -> u32 {
    v.as_str()
        .and_then(|s| s.trim_end_matches('%').parse().ok())
        .unwrap_or(u32::MAX)
}

#[tokio::test]
async fn a_v5_client_tests_prechecks_starts_and_watches_a_job_without_v3() {
    let app = app().await;
    let id = app.v5_configured("v5-flow", "10.1.0.5").await;

    let n = app.v5_view(&id, "network").await;
    assert_eq!(n.status, 200, "{}", n.text);
    assert_eq!(
        n.body["job"]["network_results"],
        json!([]),
        "nothing tested yet"
    );
    assert_eq!(
        n.body["job"]["base_info"]["name"], "v5-flow",
        "with the overview"
    );

    let t = app.v5_try(&id, "network", json!({})).await;
    assert_eq!(
        (t.status, t.body.clone()),
        (
            200,
            json!({"id": id, "name": "v5-flow", "status": "success"})
        ),
        "{}",
        t.text
    );
    let n = app.v5_view(&id, "network").await;
    assert_eq!(
        n.body["job"]["network_results"],
        json!([
            {"ip": "10.1.0.5", "success": true, "result": "so: success", "status": "success"},
            {"ip": "rds-target-1", "success": true, "result": "ta: success", "status": "success"}
        ]),
        "{}",
        n.text
    );

    let s = app.v5_try(&id, "start", json!({})).await;
    assert_eq!((s.status, s.code()), (400, "DRS.M00304"), "not prechecked");
    let p = app.v5_view(&id, "precheck").await;
    assert_eq!((p.status, p.code()), (400, "DRS.M00304"), "{}", p.text);

    app.v5_action(&id, "precheck", json!({"precheck_mode": "forStartJob"}))
        .await;
    let p = app.v5_view(&id, "precheck").await;
    assert_eq!(p.status, 200, "{}", p.text);
    let run = &p.body["job"]["precheck_result"];
    assert_eq!(run["result"], false, "{}", p.text);
    assert!(percent(&run["process"]) < 100, "{}", p.text);
    let s = app.v5_try(&id, "start", json!({})).await;
    assert_eq!((s.status, s.code()), (400, "DRS.M01504"), "the check runs");

    app.advance(3_000).await;
    let p = app.v5_view(&id, "precheck").await;
    let run = &p.body["job"]["precheck_result"];
    assert_eq!(
        (&run["result"], &run["process"], &run["job_direction"]),
        (&json!(true), &json!("100%"), &json!("up")),
        "{}",
        p.text
    );
    assert_eq!(run["rds_instance_id"], "rds-target-1");
    let src = item(&run["precheck_results"], "srcDbConnection");
    assert_eq!(
        (&src["result"], &src["group"], &src["is_skipped"]),
        (&json!("PASSED"), &json!("network"), &json!(false)),
        "{}",
        p.text
    );

    let g = app.v5_view(&id, "progress").await;
    assert_eq!(g.status, 200, "{}", g.text);
    let info = &g.body["job"]["progress_info"];
    assert_eq!(
        (
            &info["transfer_status"],
            &info["process_time"],
            &info["progress"]
        ),
        (&json!("CONFIGURATION"), &json!("0"), &json!("0")),
        "{}",
        g.text
    );
    assert_eq!(info["incr_trans_delay"], "-1");

    app.v5_action(&id, "start", json!({})).await;
    app.advance(5_000).await;
    app.advance(5_000).await;
    let first = app.v5_view(&id, "progress").await.body["job"]["progress_info"].clone();
    app.advance(10_000).await;
    let later = app.v5_view(&id, "progress").await.body["job"]["progress_info"].clone();
    assert_eq!(later["transfer_status"], "FULL_TRANSFER_STARTED", "{later}");
    let pct = |v: &Value| v.as_str().and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    assert!(
        pct(&later["progress"]) > pct(&first["progress"]),
        "progress moves: {first} then {later}"
    );
    assert!(
        later["progress_map"]["data"]["completed"].is_string(),
        "{later}"
    );
    assert_eq!(later["task_mode"], "FULL_INCR_TRANS");

    let audited: Vec<String> = app
        .audit()
        .await
        .into_iter()
        .filter(|r| r.job_ids.contains(&id))
        .map(|r| r.action)
        .collect();
    assert_eq!(
        audited,
        vec![
            "CreateJob",
            "ExecuteJobAction",
            "ExecuteJobAction",
            "ExecuteJobAction",
            "ExecuteJobAction",
            "ExecuteJobAction",
        ],
        "network, refused start, precheck, refused start, start"
    );
}

#[tokio::test]
async fn an_unreachable_host_fails_the_v5_network_test_and_precheck_and_keeps_the_start_refused() {
    let app = app().await;
    let id = app.v5_configured("v5-down", "db.example.invalid").await;
    let t = app.v5_try(&id, "network", json!({})).await;
    assert_eq!((t.status, t.code()), (400, "DRS.M05011"), "{}", t.text);
    assert!(t.msg().contains("db.example.invalid"), "{}", t.text);
    let n = app.v5_view(&id, "network").await;
    let results = &n.body["job"]["network_results"];
    assert_eq!(results[0]["status"], "failed", "{}", n.text);
    assert_eq!(results[0]["success"], false);
    assert_eq!(results[0]["error_code"], "DRS.M05011");
    assert_eq!(results[1]["status"], "success", "the target was tested too");

    // Another address given for the source answers: only that endpoint is tested again.
    let given = json!({"endpoints": [
        {"endpoint_role": "so", "endpoint": {"ip": "10.1.0.6", "db_port": "3306"}}
    ]});
    app.v5_action(&id, "network", given).await;
    let n = app.v5_view(&id, "network").await;
    assert_eq!(n.body["job"]["network_results"][0]["ip"], "10.1.0.6");

    app.v5_action(&id, "precheck", json!({})).await;
    app.advance(3_000).await;
    let p = app.v5_view(&id, "precheck").await;
    let run = &p.body["job"]["precheck_result"];
    assert_eq!(run["result"], false, "{}", p.text);
    let src = item(&run["precheck_results"], "srcDbConnection");
    assert_eq!(
        (&src["result"], &src["failed_reason"]),
        (
            &json!("FAILED"),
            &json!("HOST_UNREACHABLE:db.example.invalid")
        ),
        "the stored endpoint is checked: {}",
        p.text
    );
    let s = app.v5_try(&id, "start", json!({})).await;
    assert_eq!((s.status, s.code()), (400, "DRS.M00304"), "{}", s.text);
    let b = app
        .v5(
            "POST",
            "/jobs/action",
            json!({"jobs": [{"job_id": id, "action_name": "start"}]}),
        )
        .await;
    assert_eq!(b.status, 200, "{}", b.text);
    assert_eq!(
        (
            &b.body["jobs"][0]["status"],
            &b.body["jobs"][0]["error_code"]
        ),
        (&json!("failed"), &json!("DRS.M00304"))
    );
    assert_eq!(app.status_of(&id).await, "CONFIGURATION");

    // Until the user skips the failed item: only a failed item of the latest run may be skipped.
    let skip = |list: Value| json!({"skip_precheck_info": {"skipped_precheck_list": list}});
    let k = app
        .v5_try(&id, "skip_precheck", skip(json!(["dstDbConnection"])))
        .await;
    assert_eq!((k.status, k.code()), (400, "DRS.M00202"), "{}", k.text);
    assert!(k.msg().contains("skipped_precheck_list"), "{}", k.text);
    app.v5_action(&id, "skip_precheck", skip(json!(["srcDbConnection"])))
        .await;
    let p = app.v5_view(&id, "precheck").await;
    let run = &p.body["job"]["precheck_result"];
    assert_eq!(run["result"], true, "{}", p.text);
    let src = item(&run["precheck_results"], "srcDbConnection");
    assert_eq!(
        (&src["result"], &src["is_support_skip"], &src["is_skipped"]),
        (&json!("FAILED"), &json!(true), &json!(true)),
        "{}",
        p.text
    );
    app.v5_action(&id, "start", json!({})).await;
    assert_eq!(app.status_of(&id).await, "STARTJOBING");
    let k = app
        .v5_try(&id, "skip_precheck", skip(json!(["srcDbConnection"])))
        .await;
    assert_eq!((k.status, k.code()), (400, "DRS.M00304"), "{}", k.text);
}

#[tokio::test]
async fn a_reset_retries_a_failed_transfer_only_after_a_passed_retry_precheck() {
    let app = app().await;
    app.seed_addressed("f", JobStatus::FullTransferFailed).await;
    app.seed_addressed("c", JobStatus::Configuration).await;
    let r = app.v5_try("f", "reset", json!({})).await;
    assert_eq!((r.status, r.code()), (400, "DRS.M00304"), "{}", r.text);
    assert!(r.msg().contains("forRetryJob"), "{}", r.text);
    let p = app.v5_try("f", "precheck", json!({})).await;
    assert_eq!(
        (p.status, p.code()),
        (400, "DRS.M00304"),
        "forStartJob (the default) is for a first start: {}",
        p.text
    );

    app.v5_action("f", "precheck", json!({"precheck_mode": "forRetryJob"}))
        .await;
    let r = app.v5_try("f", "reset", json!({})).await;
    assert_eq!((r.status, r.code()), (400, "DRS.M01504"), "{}", r.text);
    app.advance(3_000).await;
    let v = app.v5_view("f", "precheck").await;
    assert_eq!(
        v.body["job"]["precheck_result"]["result"], true,
        "{}",
        v.text
    );

    let b = app
        .v5(
            "POST",
            "/jobs/action",
            json!({"jobs": [
                {"job_id": "f", "action_name": "reset"},
                {"job_id": "c", "action_name": "reset"}
            ]}),
        )
        .await;
    assert_eq!(b.status, 200, "{}", b.text);
    let answers: Vec<(&str, &str)> = b.body["jobs"]
        .as_array()
        .map(|jobs| {
            jobs.iter()
                .map(|j| {
                    (
                        j["status"].as_str().unwrap_or(""),
                        j["error_code"].as_str().unwrap_or(""),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        answers,
        vec![("success", ""), ("failed", "DRS.M00304")],
        "{}",
        b.text
    );
    assert_eq!(app.status_of("f").await, "FULL_TRANSFER_STARTED");
    let history = app.store.job_history(&app.p1, "f").await.expect("history");
    assert_eq!(
        history.last().map(|(_, to, _)| to.as_str()),
        Some("FULL_TRANSFER_STARTED")
    );

    // A retry precheck that fails (the seeded job has no address) opens nothing.
    app.seed(
        &app.p1,
        &[job(
            "g",
            "no-address",
            DbUseType::Sync,
            JobStatus::IncreTransferFailed,
            2,
        )],
    )
    .await;
    app.v5_action("g", "precheck", json!({"precheck_mode": "forRetryJob"}))
        .await;
    app.advance(3_000).await;
    let v = app.v5_view("g", "precheck").await;
    assert_eq!(
        v.body["job"]["precheck_result"]["result"], false,
        "{}",
        v.text
    );
    let r = app.v5_try("g", "reset", json!({})).await;
    assert_eq!((r.status, r.code()), (400, "DRS.M00304"), "{}", r.text);
    assert_eq!(app.status_of("g").await, "INCRE_TRANSFER_FAILED");
}

#[tokio::test]
async fn workflow_actions_and_views_refuse_what_they_cannot_do() {
    let app = app().await;
    app.seed_addressed("run", JobStatus::IncreTransferStarted)
        .await;
    let t = app.v5_try("run", "network", json!({})).await;
    assert_eq!(
        (t.status, t.code()),
        (400, "DRS.M00304"),
        "tests are for a job being configured: {}",
        t.text
    );
    let p = app
        .v5_try("run", "precheck", json!({"precheck_mode": "sometimes"}))
        .await;
    assert_eq!((p.status, p.code()), (400, "DRS.M00202"), "{}", p.text);
    assert!(
        p.msg().contains("job.action_params.precheck_mode"),
        "{}",
        p.text
    );
    let bad_role = json!({"endpoints": [{"endpoint_role": "xx"}]});
    let n = app.v5_try("run", "network", bad_role).await;
    assert_eq!((n.status, n.code()), (400, "DRS.M00202"), "{}", n.text);
    assert!(
        n.msg()
            .contains("job.action_params.endpoints[0].endpoint_role"),
        "{}",
        n.text
    );
    app.seed_addressed("cfg", JobStatus::Configuration).await;
    let skip = json!({"skip_precheck_info": {"skipped_precheck_list": ["srcDbConnection"]}});
    let k = app.v5_try("cfg", "skip_precheck", skip).await;
    assert_eq!(
        (k.status, k.code(), k.msg()),
        (400, "DRS.M00304", "No precheck has been run for this task."),
        "{}",
        k.text
    );
    for kind in ["network", "precheck", "progress"] {
        let a = app.v5_view("nope", kind).await;
        assert_eq!((a.status, a.code()), (400, "DRS.10000010"), "{kind}");
    }
    let g = app.v5_view("run", "progress").await;
    assert_eq!(g.status, 200, "{}", g.text);
    assert_eq!(
        g.body["job"]["progress_info"]["transfer_status"], "INCRE_TRANSFER_STARTED",
        "{}",
        g.text
    );
}

#[tokio::test]
async fn a_viewer_reads_the_workflow_views_but_its_workflow_actions_are_refused() {
    let app = app().await;
    app.seed_addressed("c", JobStatus::Configuration).await;
    for kind in ["network", "progress"] {
        let a = app
            .v5_as(
                &app.viewer,
                "GET",
                &format!("/jobs/c?type={kind}"),
                Value::Null,
            )
            .await;
        assert_eq!(a.status, 200, "{kind}: {}", a.text);
    }
    let before = app.audit().await.len();
    for action in ["network", "precheck", "reset", "skip_precheck"] {
        let body = json!({"job": {"action_name": action}});
        let a = app.v5_as(&app.viewer, "POST", "/jobs/c/action", body).await;
        assert_eq!((a.status, a.code()), (403, "DRS.M00102"), "{action}");
        let batch = json!({"jobs": [{"job_id": "c", "action_name": action}]});
        let a = app.v5_as(&app.viewer, "POST", "/jobs/action", batch).await;
        assert_eq!((a.status, a.code()), (403, "DRS.M00102"), "batch {action}");
    }
    let audited = app.audit().await;
    assert_eq!(audited.len() - before, 8, "every refusal is recorded");
    let n = app.v5_view("c", "network").await;
    assert_eq!(n.body["job"]["network_results"], json!([]), "nothing ran");
}
