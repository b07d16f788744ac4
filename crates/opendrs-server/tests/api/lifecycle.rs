//! The job lifecycle over HTTP: batch writes answered per item, the executor moving jobs on a
//! virtual clock, deleted jobs, the audit trail, and the refusal of read-only callers.

use crate::helpers::{Answer, Cred, TestApp};
use opendrs_core::{audit::AuditFilter, executor::settle};
use opendrs_server::config::ExecutorClock;
use serde_json::{json, Value};

/// A server on a virtual clock whose steps the test applies itself (`advance`): nothing moves
/// until the test says so. The server's own executor is off: woken by a write, it could hold a
/// due transition (its claim skips locked rows) while the test's settle passes it by.
pub(crate) async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.executor_clock = ExecutorClock::Virtual;
        c.executor_poll_ms = 3_600_000;
        c.executor_enabled = false;
    })
    .await
}

pub(crate) fn create_item(name: &str) -> Value {
    json!({
        "name": name,
        "db_use_type": "migration",
        "engine_type": "mysql",
        "job_direction": "up",
        "net_type": "vpc",
        "node_type": "high",
        "task_type": "FULL_INCR_TRANS",
        "customize_sutnet_id": "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",
        "source_endpoint": {"db_type": "mysql", "ip": "10.1.0.5", "db_port": 3306,
                            "db_user": "root", "db_password": "hunter2"},
        "target_endpoint": {"db_type": "mysql", "inst_id": "rds-target-1", "db_password": "hunter2"},
        "description": "nightly copy",
        "tags": [{"key": "team", "value": "data"}]
    })
}

impl TestApp {
    pub(crate) async fn write(&self, method: &str, api: &str, cred: &Cred, jobs: Value) -> Answer {
        let path = format!("/v3/{}/jobs/{api}", self.p1.project_id());
        let body = json!({ "jobs": jobs }).to_string();
        self.send(method, &path, cred, &[], body.as_bytes()).await
    }

    pub(crate) async fn create(&self, names: &[&str]) -> Vec<String> {
        let items: Vec<Value> = names.iter().map(|n| create_item(n)).collect();
        let a = self
            .write("POST", "batch-creation", &self.admin, Value::Array(items))
            .await;
        assert_eq!(a.status, 202, "{}", a.text);
        a.body["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["id"].as_str().expect("created").to_string())
            .collect()
    }

    /// The first item of `batch-status` or `batch-detail` (`api`) for one job, as `cred`.
    pub(crate) async fn read_one(&self, api: &str, cred: &Cred, id: &str) -> Value {
        let path = format!("/v3/{}/jobs/{api}", self.p1.project_id());
        let body = json!({ "jobs": [id] }).to_string();
        let a = self.send("POST", &path, cred, &[], body.as_bytes()).await;
        a.body["results"][0].clone()
    }

    pub(crate) async fn status_of(&self, id: &str) -> String {
        self.read_one("batch-status", &self.admin, id).await["status"]
            .as_str()
            .unwrap_or("<none>")
            .to_string()
    }

    /// Moves the virtual clock and applies everything that fell due.
    pub(crate) async fn advance(&self, ms: u64) {
        opendrs_core::writes::clock_advance(&*self.store, ms)
            .await
            .expect("advance");
        let settings = opendrs_server::Config {
            executor_clock: ExecutorClock::Virtual,
            ..opendrs_server::Config::default()
        }
        .executor_settings();
        settle(&*self.store, &settings).await.expect("settle");
    }

    /// Prechecks jobs (`forStartJob`) and lets the executor complete the runs: a job created
    /// through the API starts only after a passed precheck.
    pub(crate) async fn prechecked(&self, ids: &[&str]) {
        let items: Vec<Value> = ids
            .iter()
            .map(|id| json!({"job_id": id, "precheck_mode": "forStartJob"}))
            .collect();
        let a = self
            .write("POST", "batch-precheck", &self.admin, Value::Array(items))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        for r in a.body["results"].as_array().expect("results") {
            assert_eq!(r["status"], "success", "{r}");
        }
        self.advance(3_000).await;
    }

    pub(crate) async fn op(&self, method: &str, api: &str, item: Value) -> Answer {
        let a = self.write(method, api, &self.admin, json!([item])).await;
        assert!(a.status < 300, "{api}: {}", a.text);
        a
    }
}

fn item_status(a: &Answer) -> (&str, &str) {
    let r = &a.body["results"][0];
    (
        r["status"].as_str().unwrap_or(""),
        r["error_code"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn a_job_walks_its_whole_life_and_the_list_shows_each_step() {
    let app = app().await;
    let id = app.create(&["walk-the-line"]).await.remove(0);
    assert_eq!(app.status_of(&id).await, "CREATING");
    let listed = app.list(json!({"db_use_type": "migration"})).await;
    assert_eq!(listed.ids(), vec![id.clone()]);
    assert_eq!(listed.body["jobs"][0]["status"], "CREATING");

    app.advance(5_000).await;
    assert_eq!(app.status_of(&id).await, "CONFIGURATION");

    app.prechecked(&[&id]).await;
    let a = app
        .op("POST", "batch-starting", json!({"job_id": id}))
        .await;
    assert_eq!(a.status, 202);
    assert_eq!(item_status(&a), ("success", ""));
    assert_eq!(app.status_of(&id).await, "STARTJOBING");
    app.advance(5_000).await;
    assert_eq!(app.status_of(&id).await, "FULL_TRANSFER_STARTED");
    app.advance(30_000).await;
    assert_eq!(app.status_of(&id).await, "INCRE_TRANSFER_STARTED");
    let listed = app.list(json!({"db_use_type": "migration"})).await;
    assert_eq!(listed.body["jobs"][0]["status"], "INCRE_TRANSFER_STARTED");
    let available = &listed.body["jobs"][0]["job_action"]["available_actions"];
    assert!(available
        .as_array()
        .is_some_and(|a| a.contains(&json!("PAUSE"))));
    let d = &app.read_one("batch-detail", &app.admin, &id).await;
    for time in [
        "actual_start_time",
        "full_transfer_complete_time",
        "create_time",
    ] {
        assert!(
            d[time].as_str().is_some_and(|t| t.parse::<i64>().is_ok()),
            "{time}: {d}"
        );
    }

    let a = app
        .op(
            "POST",
            "batch-pause-task",
            json!({"job_id": id, "pause_mode": "all"}),
        )
        .await;
    assert_eq!((a.status, item_status(&a)), (200, ("success", "")));
    assert_eq!(app.status_of(&id).await, "PAUSING");
    app.op("POST", "batch-retry-task", json!({"job_id": id}))
        .await;
    assert_eq!(app.status_of(&id).await, "STARTJOBING");
    app.advance(5_000).await;
    assert_eq!(
        app.status_of(&id).await,
        "INCRE_TRANSFER_STARTED",
        "a resumed job returns to where it was paused"
    );

    let a = app
        .op(
            "DELETE",
            "batch-jobs",
            json!({"job_id": id, "delete_type": "terminate"}),
        )
        .await;
    assert_eq!((a.status, item_status(&a)), (202, ("success", "")));
    assert_eq!(app.status_of(&id).await, "RELEASE_RESOURCE_STARTED");
    app.advance(5_000).await;
    assert_eq!(app.status_of(&id).await, "RELEASE_RESOURCE_COMPLETE");
    app.op(
        "DELETE",
        "batch-jobs",
        json!({"job_id": id, "delete_type": "delete"}),
    )
    .await;
    assert_eq!(app.status_of(&id).await, "DELETED");
    let listed = app.list(json!({"db_use_type": "migration"})).await;
    assert_eq!(listed.total(), 0, "deleted jobs leave the list");
    let deleted = app
        .list(json!({"db_use_type": "migration", "status": "DELETED"}))
        .await;
    assert_eq!(deleted.ids(), vec![id.clone()], "unless asked for");

    let history = app.store.job_history(&app.p1, &id).await.expect("history");
    let steps: Vec<&str> = history.iter().map(|(_, to, _)| to.as_str()).collect();
    assert_eq!(
        steps,
        vec![
            "CREATING",
            "CONFIGURATION",
            "STARTJOBING",
            "FULL_TRANSFER_STARTED",
            "INCRE_TRANSFER_STARTED",
            "PAUSING",
            "STARTJOBING",
            "INCRE_TRANSFER_STARTED",
            "RELEASE_RESOURCE_STARTED",
            "RELEASE_RESOURCE_COMPLETE",
            "DELETED"
        ]
    );
}

#[tokio::test]
async fn creation_answers_per_item_and_refuses_a_name_already_used() {
    let app = app().await;
    app.create(&["taken-name"]).await;
    let a = app
        .write(
            "POST",
            "batch-creation",
            &app.admin,
            json!([create_item("fresh-name"), create_item("taken-name"), {"name": "x"}]),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let r = &a.body["results"];
    assert_eq!(a.body["count"], 3);
    assert_eq!(r[0]["status"], "CREATING");
    assert!(r[0]["create_time"]
        .as_str()
        .is_some_and(|t| t.parse::<i64>().is_ok()));
    assert_eq!(r[1]["error_code"], "DRS.M00277");
    assert_eq!(r[1]["name"], "taken-name");
    assert_eq!(r[2]["error_code"], "DRS.M00202");
    assert_eq!(
        app.list(json!({"db_use_type": "migration"})).await.total(),
        2,
        "the good items were created"
    );
}

#[tokio::test]
async fn an_operation_the_status_does_not_allow_is_that_items_m00304() {
    let app = app().await;
    let ids = app.create(&["still-creating", "configured"]).await;
    let a = app
        .write(
            "POST",
            "batch-pause-task",
            &app.admin,
            json!([{"job_id": ids[0], "pause_mode": "target"},
                   {"job_id": "no-such-job", "pause_mode": "target"}]),
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["results"][0]["error_code"], "DRS.M00304");
    assert_eq!(a.body["results"][1]["error_code"], "DRS.M05003");
    let zh = app
        .send(
            "POST",
            &format!("/v3/{}/jobs/batch-starting", app.p1.project_id()),
            &app.admin,
            &[("X-Language", "zh-cn")],
            json!({"jobs": [{"job_id": ids[0]}]}).to_string().as_bytes(),
        )
        .await;
    assert_eq!(zh.body["results"][0]["error_code"], "DRS.M00304");
    assert!(zh.body["results"][0]["error_msg"]
        .as_str()
        .is_some_and(|m| m.contains("状态")));
}

#[tokio::test]
async fn a_scheduled_start_waits_for_its_time() {
    let app = app().await;
    let id = app.create(&["later-start"]).await.remove(0);
    app.advance(5_000).await;
    app.prechecked(&[&id]).await;
    let at = opendrs_core::writes::clock_advance(&*app.store, 0)
        .await
        .expect("now")
        + 60_000;
    app.op(
        "POST",
        "batch-starting",
        json!({"job_id": id, "start_time": at.to_string()}),
    )
    .await;
    assert_eq!(app.status_of(&id).await, "WAITING_FOR_START");
    app.advance(59_000).await;
    assert_eq!(app.status_of(&id).await, "WAITING_FOR_START");
    app.advance(1_000).await;
    assert_eq!(app.status_of(&id).await, "STARTJOBING");
}

#[tokio::test]
async fn modification_renames_and_retags_and_a_taken_name_is_refused() {
    let app = app().await;
    let ids = app.create(&["first-job", "second-job"]).await;
    let a = app
        .write(
            "PUT",
            "batch-modification",
            &app.admin,
            json!([{"job_id": ids[0], "name": "renamed-job", "description": "moved",
                    "tags": [{"key": "env", "value": "prod"}]},
                   {"job_id": ids[1], "name": "renamed-job"}]),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["results"][0]["status"], "success");
    assert_eq!(a.body["results"][1]["error_code"], "DRS.M00277");
    let found = app
        .list(json!({"db_use_type": "migration", "name": "renamed"}))
        .await;
    assert_eq!(found.ids(), vec![ids[0].clone()], "the name index follows");
    let tagged = app
        .list(json!({"db_use_type": "migration", "tags": {"env": "prod", "team": "data"}}))
        .await;
    assert_eq!(tagged.ids(), vec![ids[0].clone()]);
    let d = &app.read_one("batch-detail", &app.admin, &ids[0]).await;
    assert_eq!(d["description"], "moved");
    assert_eq!(d["subnet_id"], "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001");
    assert_eq!(d["multi_write"], false);
    assert!(d.get("actual_start_time").is_none(), "never started");
    assert!(
        !d.to_string().contains("hunter2"),
        "no password is ever stored"
    );
}

#[tokio::test]
async fn a_viewer_is_refused_every_write_and_the_refusal_is_audited() {
    let app = app().await;
    let id = app.create(&["viewer-target"]).await.remove(0);
    for (method, api, item) in [
        ("POST", "batch-creation", create_item("viewer-made")),
        ("POST", "batch-starting", json!({"job_id": id})),
        (
            "POST",
            "batch-pause-task",
            json!({"job_id": id, "pause_mode": "all"}),
        ),
        ("POST", "batch-retry-task", json!({"job_id": id})),
        (
            "PUT",
            "batch-modification",
            json!({"job_id": id, "name": "viewer-name"}),
        ),
        (
            "DELETE",
            "batch-jobs",
            json!({"job_id": id, "delete_type": "delete"}),
        ),
    ] {
        let a = app.write(method, api, &app.viewer, json!([item])).await;
        assert_eq!((a.status, a.code()), (403, "DRS.M00102"), "{api}");
    }
    let audit = app
        .store
        .audit_list(&AuditFilter {
            project_id: Some(app.p1.project_id().to_string()),
            limit: 100,
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let refused: Vec<_> = audit
        .iter()
        .filter(|(r, _)| r.outcome == opendrs_core::audit::Outcome::Refused)
        .collect();
    assert_eq!(refused.len(), 6);
    assert!(
        refused
            .iter()
            .all(|(r, user)| r.detail.contains("DRS.M00102")
                && user.as_deref() == Some("acme/viewer"))
    );
    let (created, user) = &audit[0];
    assert_eq!(user.as_deref(), Some("acme/admin"), "who, by name");
    assert_eq!(created.action, "BatchCreateJobs");
    assert_eq!(created.job_ids, vec![id]);
    assert_eq!(created.outcome, opendrs_core::audit::Outcome::Success);
    assert!(!created.request_id.is_empty());
}

#[tokio::test]
async fn a_job_outside_the_callers_enterprise_projects_is_unknown_to_it() {
    let app = app().await;
    let mut item = create_item("finance-job");
    item["sys_tags"] = json!([{"key": "_sys_enterprise_project_id", "value": "e2"}]);
    let a = app
        .write("POST", "batch-creation", &app.admin, json!([item]))
        .await;
    let id = a.body["results"][0]["id"].as_str().expect("id").to_string();
    let mut other = create_item("unknown-ep-job");
    other["sys_tags"] = json!([{"key": "_sys_enterprise_project_id", "value": "nope"}]);
    let a = app
        .write("POST", "batch-creation", &app.admin, json!([other]))
        .await;
    assert_eq!(a.body["results"][0]["error_code"], "DRS.M00202");
    // `limited` reads only e1: the e2 job does not exist for it.
    let seen = app.read_one("batch-status", &app.limited, &id).await;
    assert_eq!(seen["error_code"], "DRS.M05003");
}

#[tokio::test]
async fn injected_failures_leave_an_error_message_and_a_retry_recovers() {
    let app = TestApp::spawn_with(|c| {
        c.executor_clock = ExecutorClock::Virtual;
        c.executor_poll_ms = 3_600_000;
        c.fail_start_fraction = 1.0;
        // The test settles every step itself: the server's executor, woken by the retry, could
        // hold the transition (its claim skips locked rows) while the test's settle passes it.
        c.executor_enabled = false;
    })
    .await;
    let id = app.create(&["doomed-start"]).await.remove(0);
    app.advance(5_000).await;
    app.prechecked(&[&id]).await;
    app.op("POST", "batch-starting", json!({"job_id": id}))
        .await;
    // `advance` settles with the default settings (no failures): settle this step with the
    // server's own failing settings instead.
    opendrs_core::writes::clock_advance(&*app.store, 5_000)
        .await
        .expect("advance");
    let failing = opendrs_server::Config {
        executor_clock: ExecutorClock::Virtual,
        fail_start_fraction: 1.0,
        ..opendrs_server::Config::default()
    }
    .executor_settings();
    settle(&*app.store, &failing).await.expect("settle");
    assert_eq!(app.status_of(&id).await, "START_JOB_FAILED");
    let seen = app.read_one("batch-status", &app.admin, &id).await;
    assert!(seen["error_message"]
        .as_str()
        .is_some_and(|m| m.contains("Injected failure")));
    app.op("POST", "batch-retry-task", json!({"job_id": id}))
        .await;
    assert_eq!(app.status_of(&id).await, "STARTJOBING");
    app.advance(5_000).await;
    assert_eq!(app.status_of(&id).await, "FULL_TRANSFER_STARTED");
}

#[tokio::test]
async fn deleted_jobs_stay_readable_until_their_retention_ends() {
    let app = app().await;
    let id = app.create(&["short-lived"]).await.remove(0);
    app.advance(5_000).await;
    app.op(
        "DELETE",
        "batch-jobs",
        json!({"job_id": id, "delete_type": "delete"}),
    )
    .await;
    assert_eq!(app.status_of(&id).await, "DELETED");
    let again = app
        .op(
            "DELETE",
            "batch-jobs",
            json!({"job_id": id, "delete_type": "delete"}),
        )
        .await;
    assert_eq!(item_status(&again), ("failed", "DRS.M05004"));
    app.advance(7 * 24 * 3600 * 1000 + 1).await;
    assert_eq!(app.status_of(&id).await, "<none>", "purged");
}

#[tokio::test]
async fn a_job_with_wall_clock_instant_timings_settles_by_itself() {
    let app = TestApp::spawn_with(|c| {
        c.step_create_ms = 0;
        c.step_start_ms = 0;
        c.step_full_transfer_ms = 0;
        c.step_release_ms = 0;
        c.executor_poll_ms = 50;
    })
    .await;
    let id = app.create(&["instant-job"]).await.remove(0);
    let mut status = String::new();
    for _ in 0..100 {
        status = app.status_of(&id).await;
        if status == "CONFIGURATION" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "CONFIGURATION");
}

#[tokio::test]
async fn changing_the_task_type_mid_transfer_changes_where_the_transfer_ends() {
    let app = app().await;
    let id = app.create(&["retyped-job"]).await.remove(0);
    app.advance(5_000).await;
    app.prechecked(&[&id]).await;
    app.op("POST", "batch-starting", json!({"job_id": id}))
        .await;
    app.advance(5_000).await;
    assert_eq!(app.status_of(&id).await, "FULL_TRANSFER_STARTED");
    let a = app
        .op(
            "PUT",
            "batch-modification",
            json!({"job_id": id, "task_type": "FULL_TRANS"}),
        )
        .await;
    assert_eq!(item_status(&a), ("success", ""));
    app.advance(30_000).await;
    assert_eq!(app.status_of(&id).await, "FULL_TRANSFER_COMPLETE");
}

#[tokio::test]
async fn a_job_of_another_project_cannot_be_touched_through_this_one() {
    let app = app().await;
    let path = format!("/v3/{}/jobs/batch-creation", app.p2.project_id());
    let body = json!({"jobs": [create_item("p2-owned-job")]}).to_string();
    let a = app
        .send("POST", &path, &app.other, &[], body.as_bytes())
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let p2_job = a.body["results"][0]["id"].as_str().expect("id").to_string();
    for (method, api, item) in [
        ("POST", "batch-starting", json!({"job_id": p2_job})),
        (
            "DELETE",
            "batch-jobs",
            json!({"job_id": p2_job, "delete_type": "force_terminate"}),
        ),
        (
            "PUT",
            "batch-modification",
            json!({"job_id": p2_job, "description": "hijacked"}),
        ),
    ] {
        let a = app.write(method, api, &app.admin, json!([item])).await;
        assert_eq!(item_status(&a), ("failed", "DRS.M05003"), "{api}");
    }
    let same_name = app.create(&["p2-owned-job"]).await;
    assert_eq!(
        same_name.len(),
        1,
        "names are unique per project, not across projects"
    );
}

#[tokio::test]
async fn subtasks_move_with_their_parent_and_cannot_be_driven_alone() {
    use crate::helpers::job;
    use opendrs_core::enums::{DbUseType, JobStatus};
    let app = app().await;
    let mut parent = job(
        "dr-parent",
        "dr-parent",
        DbUseType::Sync,
        JobStatus::Configuration,
        1,
    );
    parent.children = vec![
        job(
            "dr-child-1",
            "dr-child-1",
            DbUseType::Sync,
            JobStatus::Configuration,
            2,
        ),
        job(
            "dr-child-2",
            "dr-child-2",
            DbUseType::Sync,
            JobStatus::Configuration,
            3,
        ),
    ];
    app.seed(&app.p1, &[parent]).await;
    let a = app
        .op("POST", "batch-starting", json!({"job_id": "dr-child-1"}))
        .await;
    assert_eq!(item_status(&a), ("failed", "DRS.M00308"));
    app.op("POST", "batch-starting", json!({"job_id": "dr-parent"}))
        .await;
    for id in ["dr-parent", "dr-child-1", "dr-child-2"] {
        assert_eq!(app.status_of(id).await, "STARTJOBING", "{id}");
    }
    app.advance(5_000).await;
    for id in ["dr-parent", "dr-child-1", "dr-child-2"] {
        assert_eq!(app.status_of(id).await, "FULL_TRANSFER_STARTED", "{id}");
    }
    let listed = app.list(json!({"db_use_type": "sync"})).await;
    assert_eq!(listed.ids(), vec!["dr-parent".to_string()]);
    assert_eq!(
        listed.body["jobs"][0]["children"][0]["status"],
        "FULL_TRANSFER_STARTED"
    );
}

#[tokio::test]
async fn a_batch_write_that_cannot_be_read_fails_as_a_whole_with_a_clear_error() {
    let app = app().await;
    let path = format!("/v3/{}/jobs/batch-starting", app.p1.project_id());
    for (body, code) in [
        (&b"{not json"[..], "DRS.M00300"),
        (&b"{}"[..], "DRS.M00201"),
        (&br#"{"jobs": "all of them"}"#[..], "DRS.M00202"),
        (
            &br#"{"jobs": [{"job_id": "a"}, {"job_id": "a"}]}"#[..],
            "DRS.M00202",
        ),
    ] {
        let a = app.send("POST", &path, &app.admin, &[], body).await;
        assert_eq!((a.status, a.code()), (400, code), "{}", a.text);
    }
    let zh = app
        .send("POST", &path, &app.admin, &[("X-Language", "zh-cn")], b"{}")
        .await;
    assert_eq!(zh.msg(), "参数jobs为空。");
}

#[tokio::test]
async fn hostile_batch_writes_get_clear_errors_never_a_server_error() {
    let app = app().await;
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let long_name = "a".repeat(100_000);
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"null".to_vec(),
        b"[]".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        format!(r#"{{"jobs": {deep}}}"#).into_bytes(),
        br#"{"jobs": [null, 1, "x", [], {}]}"#.to_vec(),
        format!(r#"{{"jobs": [{{"job_id": "{long_name}", "name": "{long_name}"}}]}}"#).into_bytes(),
        br#"{"jobs": [{"job_id": "a", "start_time": "99999999999999999999999"}]}"#.to_vec(),
        br#"{"jobs": [{"job_id": "a", "start_time": "-5"}]}"#.to_vec(),
        br#"{"jobs": [{"job_id": "a", "source_endpoint": {"db_port": 70000}}]}"#.to_vec(),
        br#"{"jobs": [{"job_id": "a", "tags": {"k": "v"}}]}"#.to_vec(),
        br#"{"jobs": [{"job_id": "'; DROP TABLE jobs; --", "delete_type": "delete"}]}"#.to_vec(),
        br#"{"jobs": [{"job_id": "a\u0000b", "pause_mode": "all"}]}"#.to_vec(),
    ];
    for (method, api) in [
        ("POST", "batch-creation"),
        ("POST", "batch-starting"),
        ("POST", "batch-pause-task"),
        ("POST", "batch-retry-task"),
        ("PUT", "batch-modification"),
        ("DELETE", "batch-jobs"),
    ] {
        let path = format!("/v3/{}/jobs/{api}", app.p1.project_id());
        for body in &bodies {
            let a = app.send(method, &path, &app.admin, &[], body).await;
            assert!(a.status < 500, "{api} {}: {}", a.status, a.text);
            let answered =
                a.body["results"].is_array() || a.code().starts_with("DRS.") && !a.msg().is_empty();
            assert!(answered, "{api}: {}", a.text);
        }
    }
    let big = vec![b' '; 2 * 1024 * 1024];
    let path = format!("/v3/{}/jobs/batch-creation", app.p1.project_id());
    let a = app.send("POST", &path, &app.admin, &[], &big).await;
    assert_eq!((a.status, a.code()), (413, "APIGW.0201"));
    assert_eq!(
        app.list(json!({"db_use_type": "migration"})).await.total(),
        0,
        "nothing was created or dropped"
    );
}
