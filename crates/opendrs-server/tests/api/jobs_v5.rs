//! The v5 job API over HTTP: a job's whole life through v5 calls (on the same state machine and
//! store the v3 calls use), the sorted and filtered list, name checks, enterprise projects, and
//! every operation's errors.

use crate::{
    helpers::{job, Answer, Cred, TestApp},
    lifecycle::app,
};
use opendrs_core::enums::{DbUseType, JobStatus};
use serde_json::{json, Value};

/// A valid v5 creation body.
pub(crate) fn creation(name: &str) -> Value {
    json!({"job": {
        "base_info": {
            "name": name, "job_type": "migration", "engine_type": "mysql",
            "job_direction": "up", "net_type": "vpc", "task_type": "FULL_INCR_TRANS",
            "description": "made through v5", "tags": [{"key": "team", "value": "data"}]
        },
        "source_endpoint": [{
            "db_type": "mysql", "endpoint_type": "offline", "endpoint_role": "so",
            "endpoint": {"endpoint_name": "mysql", "ip": "10.1.0.5", "db_port": "3306",
                         "db_user": "root", "db_password": "hunter2"}
        }],
        "target_endpoint": [{
            "db_type": "mysql", "endpoint_type": "cloud", "endpoint_role": "ta",
            "endpoint": {"endpoint_name": "cloud_mysql", "instance_id": "rds-target-1",
                         "db_user": "root", "db_password": "hunter2"},
            "cloud": {"region": "cn-north-4", "project_id": "p-1"}
        }],
        "node_info": {
            "spec": {"node_type": "high"},
            "vpc": {"vpc_id": "vpc-1", "subnet_id": "subnet-1"},
            "base_info": {"instance_type": "single", "arch": "x86", "availability_zone": "cn-north-4a"}
        }
    }})
}

impl TestApp {
    /// A v5 call on the first project as `cred`: `path` follows `/v5/{project_id}`.
    pub(crate) async fn v5_as(&self, cred: &Cred, method: &str, path: &str, body: Value) -> Answer {
        let path = format!("/v5/{}{path}", self.p1.project_id());
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        self.send(method, &path, cred, &[], &bytes).await
    }

    /// A v5 call as the administrator.
    pub(crate) async fn v5(&self, method: &str, path: &str, body: Value) -> Answer {
        self.v5_as(&self.admin, method, path, body).await
    }

    /// The job's status as the v5 detail shows it.
    async fn v5_status(&self, id: &str) -> String {
        let a = self
            .v5("GET", &format!("/jobs/{id}?type=overview"), Value::Null)
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.body["job"]["status"].as_str().unwrap_or("").to_string()
    }

    /// `action_name` on the job, expecting success.
    pub(crate) async fn v5_action(&self, id: &str, action: &str, params: Value) -> Answer {
        let body = json!({"job": {"action_name": action, "action_params": params}});
        let a = self.v5("POST", &format!("/jobs/{id}/action"), body).await;
        assert_eq!(a.status, 200, "{action}: {}", a.text);
        assert_eq!(a.body["status"], "success", "{action}: {}", a.text);
        a
    }
}

/// A migration in `CONFIGURATION` (`conf`) and one replicating (`run`), as [`seeded`] takes them.
const CONFIGURING: SeedJob = (
    "conf",
    "configuring",
    DbUseType::Migration,
    JobStatus::Configuration,
);
const RUNNING: SeedJob = (
    "run",
    "running",
    DbUseType::Migration,
    JobStatus::IncreTransferStarted,
);

/// `(id, name, scenario, status)` of a job to seed.
type SeedJob = (&'static str, &'static str, DbUseType, JobStatus);

/// A fresh app whose first project has these jobs `(id, name, scenario, status)`, created one
/// second apart in this order.
async fn seeded(jobs: &[SeedJob]) -> TestApp {
    let app = TestApp::spawn().await;
    let jobs: Vec<_> = (1..)
        .zip(jobs)
        .map(|(at, (id, name, db, status))| job(id, name, *db, *status, at))
        .collect();
    app.seed(&app.p1, &jobs).await;
    app
}

fn ids(a: &Answer) -> Vec<String> {
    a.body["jobs"]
        .as_array()
        .map(|jobs| {
            jobs.iter()
                .filter_map(|j| j["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_job_walks_its_whole_life_through_the_v5_api() {
    let app = app().await;
    let a = app.v5("POST", "/jobs", creation("v5-walker")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["name"], "v5-walker");
    assert_eq!(a.body["status"], "CREATING");
    let created = a.body["create_time"].as_str().unwrap_or("");
    assert!(
        created.len() == 20 && created.ends_with('Z') && created.contains('T'),
        "{created}"
    );
    let id = a.body["id"].as_str().expect("an id").to_string();
    assert_eq!(app.v5_status(&id).await, "CREATING");
    app.advance(5_000).await;
    assert_eq!(app.v5_status(&id).await, "CONFIGURATION");

    let d = app
        .v5("GET", &format!("/jobs/{id}?type=detail"), Value::Null)
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    let job = &d.body["job"];
    assert_eq!(job["base_info"]["name"], "v5-walker");
    assert_eq!(job["base_info"]["job_type"], "migration");
    assert_eq!(job["base_info"]["charging_mode"], "on_demand");
    assert_eq!(job["base_info"]["expired_days"], "14");
    assert_eq!(
        job["base_info"]["tags"],
        json!([{"key": "team", "value": "data"}])
    );
    assert_eq!(job["source_endpoint"][0]["endpoint"]["db_port"], "3306");
    assert_eq!(job["source_endpoint"][0]["endpoint_type"], "offline");
    assert_eq!(
        job["target_endpoint"][0]["endpoint"]["instance_id"],
        "rds-target-1"
    );
    assert_eq!(job["target_endpoint"][0]["cloud"]["region"], "cn-north-4");
    assert_eq!(job["node_info"]["spec"]["node_type"], "high");
    assert_eq!(
        job["node_info"]["base_info"]["availability_zone"],
        "cn-north-4a"
    );
    assert!(!d.text.contains("hunter2"), "no password is ever shown");
    let o = app
        .v5("GET", &format!("/jobs/{id}?type=overview"), Value::Null)
        .await;
    assert!(o.body["job"]["source_endpoint"].is_null(), "{}", o.text);
    assert_eq!(o.body["job"]["base_info"]["description"], "made through v5");

    let renamed = json!({"job": {"type": "name", "params": {"base_info": {"name": "v5-renamed"}}}});
    let u = app.v5("PUT", &format!("/jobs/{id}"), renamed).await;
    assert_eq!(u.status, 200, "{}", u.text);
    assert_eq!(
        u.body,
        json!({"id": id, "name": "v5-renamed", "status": "success"})
    );

    // A created job starts after a passed precheck (here the v3 call; `jobs_v5_workflow` runs it
    // through v5).
    app.prechecked(&[&id]).await;
    app.v5_action(&id, "start", json!({})).await;
    assert_eq!(app.v5_status(&id).await, "STARTJOBING");
    app.advance(5_000).await;
    app.advance(30_000).await;
    assert_eq!(app.v5_status(&id).await, "INCRE_TRANSFER_STARTED");
    let actions = app
        .v5("GET", &format!("/jobs/{id}/actions"), Value::Null)
        .await;
    assert_eq!(actions.status, 200, "{}", actions.text);
    let available = &actions.body["job_action"]["available_actions"];
    assert!(
        available
            .as_array()
            .is_some_and(|a| a.contains(&json!("PAUSE"))),
        "{}",
        actions.text
    );

    app.v5_action(&id, "stop", json!({"pause_mode": "target"}))
        .await;
    assert_eq!(app.v5_status(&id).await, "PAUSING");
    app.v5_action(&id, "restart", json!({})).await;
    assert_eq!(app.v5_status(&id).await, "STARTJOBING");
    app.advance(5_000).await;
    assert_eq!(app.v5_status(&id).await, "INCRE_TRANSFER_STARTED");

    let s = app
        .v5(
            "POST",
            &format!("/jobs/{id}/stop"),
            json!({"is_force_stop": false}),
        )
        .await;
    assert_eq!(
        (s.status, s.body.clone()),
        (
            200,
            json!({"id": id, "name": "v5-renamed", "status": "success"})
        )
    );
    assert_eq!(app.v5_status(&id).await, "RELEASE_RESOURCE_STARTED");
    app.advance(5_000).await;
    assert_eq!(app.v5_status(&id).await, "RELEASE_RESOURCE_COMPLETE");
    let del = app.v5("DELETE", &format!("/jobs/{id}"), Value::Null).await;
    assert_eq!(
        (del.status, del.body.clone()),
        (200, json!({})),
        "{}",
        del.text
    );
    let gone = app
        .v5("GET", &format!("/jobs/{id}?type=detail"), Value::Null)
        .await;
    assert_eq!((gone.status, gone.code()), (400, "DRS.10000010"));

    // The v3 API sees the very same job and history.
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
            "UpdateJob",
            "BatchCheckJobs",
            "ExecuteJobAction",
            "ExecuteJobAction",
            "ExecuteJobAction",
            "StopJobAction",
            "DeleteJob"
        ]
    );
}

#[tokio::test]
async fn a_job_started_through_v3_is_driven_through_v5_and_back() {
    let app = app().await;
    let id = app.create(&["mixed-apis"]).await.remove(0);
    app.advance(5_000).await;
    app.prechecked(&[&id]).await;
    app.v5_action(&id, "start", json!({})).await;
    app.advance(5_000).await;
    app.advance(30_000).await;
    let a = app
        .write(
            "POST",
            "batch-pause-task",
            &app.admin,
            json!([{"job_id": id, "pause_mode": "all"}]),
        )
        .await;
    assert_eq!(a.body["results"][0]["status"], "success", "{}", a.text);
    assert_eq!(app.v5_status(&id).await, "PAUSING");
    app.v5_action(&id, "terminate", json!({"force_delete": true}))
        .await;
    assert_eq!(app.v5_status(&id).await, "RELEASE_RESOURCE_STARTED");
}

#[tokio::test]
async fn unknown_hidden_and_deleted_jobs_do_not_exist_for_v5() {
    let app = TestApp::spawn().await;
    let mut hidden = job(
        "in-e2",
        "hidden-job",
        DbUseType::Migration,
        JobStatus::Configuration,
        1,
    );
    hidden.enterprise_project_id = "e2".into();
    app.seed(
        &app.p1,
        &[
            hidden,
            job(
                "was-here",
                "deleted-job",
                DbUseType::Migration,
                JobStatus::Deleted,
                2,
            ),
        ],
    )
    .await;
    app.seed(
        &app.p2,
        &[job(
            "p2-job",
            "other-project",
            DbUseType::Migration,
            JobStatus::Configuration,
            3,
        )],
    )
    .await;
    let start = json!({"job": {"action_name": "start"}});
    let rename = json!({"job": {"type": "name", "params": {"base_info": {"name": "abcd"}}}});
    for id in ["nope", "was-here", "p2-job"] {
        for (method, path, body) in [
            ("GET", format!("/jobs/{id}?type=detail"), Value::Null),
            ("GET", format!("/jobs/{id}/actions"), Value::Null),
            ("PUT", format!("/jobs/{id}"), rename.clone()),
            ("DELETE", format!("/jobs/{id}"), Value::Null),
            ("POST", format!("/jobs/{id}/action"), start.clone()),
            ("POST", format!("/jobs/{id}/stop"), json!({})),
        ] {
            let a = app.v5(method, &path, body).await;
            assert_eq!(
                (a.status, a.code()),
                (400, "DRS.10000010"),
                "{method} {path}: {}",
                a.text
            );
            assert_eq!(a.msg(), "Job does not exist, please check job ID.");
        }
    }
    let a = app
        .v5_as(
            &app.limited,
            "GET",
            "/jobs/in-e2?type=overview",
            Value::Null,
        )
        .await;
    assert_eq!(
        (a.status, a.code()),
        (400, "DRS.10000010"),
        "outside the caller's enterprise projects"
    );
    let a = app
        .v5("GET", "/jobs/in-e2?type=overview", Value::Null)
        .await;
    assert_eq!(a.status, 200, "the unlimited caller sees it: {}", a.text);
}

#[tokio::test]
async fn an_action_the_status_does_not_allow_is_refused_with_the_status_named() {
    let app = seeded(&[CONFIGURING, RUNNING]).await;
    let pause = json!({"job": {"action_name": "stop"}});
    let a = app.v5("POST", "/jobs/conf/action", pause).await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00304"), "{}", a.text);
    assert!(a.msg().contains("CONFIGURATION"), "{}", a.text);
    let a = app.v5("DELETE", "/jobs/run", Value::Null).await;
    assert_eq!(
        (a.status, a.code()),
        (400, "DRS.M00304"),
        "a running job is not deleted"
    );
    let zh = app
        .send(
            "DELETE",
            &format!("/v5/{}/jobs/run", app.p1.project_id()),
            &app.admin,
            &[("x-language", "zh-cn")],
            b"",
        )
        .await;
    assert_eq!(zh.code(), "DRS.M00304");
    assert!(
        zh.msg().contains("INCRE_TRANSFER_STARTED") && zh.msg().contains("状态"),
        "{}",
        zh.text
    );
}

#[tokio::test]
async fn actions_and_detail_types_not_supported_yet_say_so_clearly() {
    let app = seeded(&[("j", "a-job", DbUseType::Sync, JobStatus::Configuration)]).await;
    for t in ["log", "compare", "file"] {
        let a = app
            .v5("GET", &format!("/jobs/j?type={t}"), Value::Null)
            .await;
        assert_eq!((a.status, a.code()), (400, "DRS.M00202"), "{t}");
        assert_eq!(
            a.msg(),
            "The value of parameter type is invalid: this value is not supported by this service yet.",
            "{t}"
        );
    }
    for action in ["create_compare", "set_readonly", "diagnosis"] {
        let body = json!({"job": {"action_name": action, "action_params": {"precheck_mode": "forStartJob"}}});
        let a = app.v5("POST", "/jobs/j/action", body).await;
        assert_eq!((a.status, a.code()), (400, "DRS.M00202"), "{action}");
        assert!(
            a.msg().contains("job.action_name") && a.msg().contains("not supported"),
            "{}",
            a.text
        );
    }
    let a = app
        .v5(
            "PUT",
            "/jobs/j",
            json!({"job": {"type": "db_object", "params": {"db_object": {"object_scope": "all"}}}}),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
    let a = app.v5("GET", "/jobs/j?type=everything", Value::Null).await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
    assert!(
        a.msg().contains("overview"),
        "the allowed values are named: {}",
        a.text
    );
    let a = app.v5("GET", "/jobs/j", Value::Null).await;
    assert_eq!(
        (a.status, a.code()),
        (400, "DRS.M00201"),
        "type is required"
    );
}

#[tokio::test]
async fn v5_creations_and_updates_are_validated_and_a_taken_name_is_422() {
    let app = app().await;
    assert_eq!(
        app.v5("POST", "/jobs", creation("first-one")).await.status,
        200
    );
    let again = app.v5("POST", "/jobs", creation("first-one")).await;
    assert_eq!(
        (again.status, again.code()),
        (422, "DRS.M00277"),
        "{}",
        again.text
    );
    let mut bad = creation("ok-name");
    bad["job"]["source_endpoint"][0]["endpoint"]["db_port"] = json!("0");
    let a = app.v5("POST", "/jobs", bad).await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
    assert!(
        a.msg().contains("job.source_endpoint[0].endpoint.db_port"),
        "{}",
        a.text
    );
    let mut bad = creation("ok-name");
    bad["job"]["base_info"]["enterprise_project_id"] = json!("no-such-ep");
    let a = app.v5("POST", "/jobs", bad).await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
    assert!(
        a.msg().contains("job.base_info.enterprise_project_id"),
        "{}",
        a.text
    );
    for body in [&b"{"[..], b"[]", b"{\"job\": 5}"] {
        let path = format!("/v5/{}/jobs", app.p1.project_id());
        let a = app.send("POST", &path, &app.admin, &[], body).await;
        assert!(
            matches!(a.code(), "DRS.M00300" | "DRS.M00202"),
            "{}",
            a.text
        );
        assert_eq!(a.status, 400);
    }
    let id = app.v5("POST", "/jobs", creation("second-one")).await.body["id"]
        .as_str()
        .expect("id")
        .to_string();
    let taken = json!({"job": {"type": "name", "params": {"base_info": {"name": "first-one"}}}});
    let a = app.v5("PUT", &format!("/jobs/{id}"), taken).await;
    assert_eq!((a.status, a.code()), (422, "DRS.M00277"));
    let notify = json!({"job": {"type": "notify", "params": {"alarm_notify": {"alarm_to_user": true, "delay_time": 60}}}});
    assert_eq!(
        app.v5("PUT", &format!("/jobs/{id}"), notify).await.status,
        200
    );
    let days =
        json!({"job": {"type": "expired_days", "params": {"base_info": {"expired_days": "30"}}}});
    assert_eq!(
        app.v5("PUT", &format!("/jobs/{id}"), days).await.status,
        200
    );
    let d = app
        .v5("GET", &format!("/jobs/{id}?type=detail"), Value::Null)
        .await;
    assert_eq!(d.body["job"]["base_info"]["expired_days"], "30");
    assert_eq!(
        d.body["job"]["alarm_notify"],
        json!({"alarm_to_user": true, "delay_time": 60})
    );
}

#[tokio::test]
async fn v5_batches_answer_per_item_and_fail_only_as_a_whole_envelope() {
    let app = seeded(&[
        CONFIGURING,
        RUNNING,
        (
            "done",
            "finished",
            DbUseType::Migration,
            JobStatus::ReleaseResourceComplete,
        ),
    ])
    .await;
    let a = app
        .v5(
            "POST",
            "/jobs/action",
            json!({"jobs": [
                {"job_id": "run", "action_name": "stop"},
                {"job_id": "conf", "action_name": "stop"},
                {"job_id": "ghost", "action_name": "start"},
                {"job_id": "done", "action_name": "create_compare"}
            ]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let items: Vec<(String, String, String)> = a.body["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| {
            (
                j["id"].as_str().unwrap_or("").to_string(),
                j["status"].as_str().unwrap_or("").to_string(),
                j["error_code"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let owned = |v: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        v.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    };
    assert_eq!(
        items,
        owned(&[
            ("run", "success", ""),
            ("conf", "failed", "DRS.M00304"),
            ("ghost", "failed", "DRS.10000010"),
            ("done", "failed", "DRS.M00202"),
        ])
    );
    assert_eq!(a.body["jobs"][0]["name"], "running");

    let stop = app
        .v5(
            "POST",
            "/jobs/batch-stop",
            json!({"jobs": [{"job_id": "run", "is_force_stop": true}, {"job_id": "done"}]}),
        )
        .await;
    assert_eq!(stop.status, 200, "{}", stop.text);
    assert_eq!(
        stop.body["jobs"][0]["status"], "success",
        "a paused job is stopped"
    );
    assert_eq!(stop.body["jobs"][1]["error_code"], "DRS.M00304");

    let del = app
        .v5(
            "DELETE",
            "/jobs",
            json!({"jobs": ["done", "conf", "ghost"]}),
        )
        .await;
    assert_eq!(del.status, 200, "{}", del.text);
    let statuses: Vec<&str> = del.body["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, vec!["success", "success", "failed"]);

    for (path, body, code) in [
        ("/jobs/action", json!({}), "DRS.M00201"),
        ("/jobs/action", json!({"jobs": []}), "DRS.M00201"),
        (
            "/jobs/action",
            json!({"jobs": [{"job_id": "a", "action_name": "start"}, {"job_id": "a", "action_name": "stop"}]}),
            "DRS.M00202",
        ),
        ("/jobs/batch-stop", json!({"jobs": "all"}), "DRS.M00202"),
    ] {
        let a = app.v5("POST", path, body).await;
        assert_eq!((a.status, a.code()), (400, code), "{path}: {}", a.text);
    }
}

async fn listing_app() -> TestApp {
    let app = TestApp::spawn().await;
    let mut jobs = Vec::new();
    for (i, name) in ["delta", "Alpha", "charlie", "Bravo", "echo"]
        .iter()
        .enumerate()
    {
        let mut j = job(
            &format!("job-{i}"),
            name,
            DbUseType::Sync,
            JobStatus::Configuration,
            i as i64,
        );
        j.net_type = [
            opendrs_core::enums::NetType::Eip,
            opendrs_core::enums::NetType::Vpc,
        ][i % 2];
        j.enterprise_project_id = if i == 4 { "e1".into() } else { "0".into() };
        j.source_endpoint.inst_id = Some(format!("inst-{}", i % 3));
        jobs.push(j);
    }
    app.seed(&app.p1, &jobs).await;
    app
}

#[tokio::test]
async fn the_v5_list_filters_like_the_v3_list_and_orders_pages_by_any_key() {
    let app = listing_app().await;
    let a = app.v5("GET", "/jobs?job_type=sync", Value::Null).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["total_count"], 5);
    assert_eq!(
        ids(&a),
        vec!["job-4", "job-3", "job-2", "job-1", "job-0"],
        "newest first by default"
    );
    let first = &a.body["jobs"][0];
    for field in [
        "id",
        "name",
        "status",
        "description",
        "create_time",
        "engine_type",
        "net_type",
        "charging_mode",
        "billing_tag",
        "job_direction",
        "job_type",
        "task_type",
        "enterprise_project_id",
        "job_mode",
        "job_mode_role",
        "is_multi_az",
        "node_role",
        "node_new_framework",
        "job_action",
        "children",
    ] {
        assert!(!first[field].is_null(), "{field}: {first}");
    }
    assert_eq!(first["job_type"], "sync");
    assert_eq!(first["job_mode"], "single");

    let by_name = app
        .v5(
            "GET",
            "/jobs?job_type=sync&sort_key=name&sort_dir=asc",
            Value::Null,
        )
        .await;
    assert_eq!(
        ids(&by_name),
        vec!["job-1", "job-3", "job-2", "job-0", "job-4"],
        "case-insensitive"
    );
    let mut paged = Vec::new();
    for offset in [0, 2, 4, 6] {
        let a = app
            .v5(
                "GET",
                &format!("/jobs?job_type=sync&sort_key=name&sort_dir=desc&offset={offset}&limit=2"),
                Value::Null,
            )
            .await;
        assert_eq!(a.body["total_count"], 5);
        paged.extend(ids(&a));
    }
    assert_eq!(paged, vec!["job-4", "job-0", "job-2", "job-3", "job-1"]);
    let by_net = app
        .v5(
            "GET",
            "/jobs?job_type=sync&sort_key=net_type&sort_dir=asc",
            Value::Null,
        )
        .await;
    assert_eq!(
        ids(&by_net),
        vec!["job-0", "job-2", "job-4", "job-1", "job-3"],
        "eip before vpc, then oldest first"
    );

    // The same filters as the v3 body, the same jobs.
    let v5 = app
        .v5(
            "GET",
            "/jobs?job_type=sync&net_type=eip&instance_ids=inst-1&instance_ids=inst-2,inst-9",
            Value::Null,
        )
        .await;
    let v3 = app
        .list(json!({"db_use_type": "sync", "net_type": "eip", "instance_ids": ["inst-1", "inst-2", "inst-9"]}))
        .await;
    assert_eq!(ids(&v5), v3.ids());
    assert_eq!(ids(&v5), vec!["job-4", "job-2"]);
    let named = app
        .v5("GET", "/jobs?job_type=sync&name=ALP", Value::Null)
        .await;
    assert_eq!(ids(&named), vec!["job-1"]);
    let limited = app
        .v5_as(&app.limited, "GET", "/jobs?job_type=sync", Value::Null)
        .await;
    assert_eq!(
        ids(&limited),
        vec!["job-4"],
        "a limited caller sees its enterprise projects"
    );
    let past = app
        .v5("GET", "/jobs?job_type=sync&offset=99", Value::Null)
        .await;
    assert_eq!(
        (past.body["total_count"].clone(), ids(&past)),
        (json!(5), vec![])
    );
    let replay = app.v5("GET", "/jobs?job_type=replay", Value::Null).await;
    assert_eq!(replay.body, json!({"total_count": 0, "jobs": []}));

    for (q, field) in [
        ("", "job_type"),
        ("job_type=all", "job_type"),
        ("job_type=sync&sort_key=engine_type", "sort_key"),
        ("job_type=sync&sort_dir=sideways", "sort_dir"),
        ("job_type=sync&limit=1001", "limit"),
        ("job_type=sync&offset=x", "offset"),
        ("job_type=sync&status=BUSY", "status"),
    ] {
        let a = app.v5("GET", &format!("/jobs?{q}"), Value::Null).await;
        assert_eq!(a.status, 400, "{q}");
        assert!(a.msg().contains(field), "{q}: {}", a.text);
    }
}

#[tokio::test]
async fn a_name_is_checked_against_the_rules_and_the_project_s_live_jobs() {
    let app = seeded(&[("j", "taken-name", DbUseType::Sync, JobStatus::Configuration)]).await;
    let check = |name: &str, kind: &str| json!({"name": name, "type": kind});
    let a = app
        .v5("POST", "/jobs/name-validation", check("free-name", "trans"))
        .await;
    assert_eq!((a.status, a.body.clone()), (200, json!({"is_valid": true})));
    let a = app
        .v5_as(
            &app.viewer,
            "POST",
            "/jobs/name-validation",
            check("taken-name", "trans"),
        )
        .await;
    assert_eq!((a.status, a.code()), (422, "DRS.M00277"));
    let a = app
        .v5(
            "POST",
            "/jobs/name-validation",
            check("taken-name", "offline"),
        )
        .await;
    assert_eq!(a.status, 200, "backup migrations are not kept here");
    let a = app
        .v5("POST", "/jobs/name-validation", check("9lives", "trans"))
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
    let a = app
        .v5(
            "POST",
            "/jobs/name-validation",
            json!({"name": "free-name"}),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00201"));
}

#[tokio::test]
async fn enterprise_projects_are_listed_as_the_caller_may_use_them() {
    let app = TestApp::spawn().await;
    let a = app.v5("GET", "/enterprise-projects", Value::Null).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["count"], 3);
    let listed: Vec<&str> = a.body["enterprise_project_list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(listed, vec!["0", "e1", "e2"]);
    assert_eq!(a.body["enterprise_project_list"][1]["status"], "1");
    let a = app
        .v5(
            "GET",
            "/enterprise-projects?name=E2&limit=5&offset=0",
            Value::Null,
        )
        .await;
    assert_eq!(a.body["count"], 1);
    let a = app
        .v5_as(&app.limited, "GET", "/enterprise-projects", Value::Null)
        .await;
    assert_eq!(a.body["count"], 1);
    assert_eq!(a.body["enterprise_project_list"][0]["id"], "e1");
    let a = app
        .v5("GET", "/enterprise-projects?limit=0", Value::Null)
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
}

#[tokio::test]
async fn a_viewer_reads_through_v5_but_every_v5_write_is_refused_and_audited() {
    let app = seeded(&[("j", "a-job", DbUseType::Sync, JobStatus::Configuration)]).await;
    let a = app
        .v5_as(&app.viewer, "GET", "/jobs/j?type=detail", Value::Null)
        .await;
    assert_eq!(a.status, 200);
    let before = app.audit().await.len();
    for (method, path, body) in [
        ("POST", "/jobs", creation("viewer-job")),
        (
            "PUT",
            "/jobs/j",
            json!({"job": {"type": "name", "params": {"base_info": {"name": "abcd"}}}}),
        ),
        ("DELETE", "/jobs/j", Value::Null),
        (
            "POST",
            "/jobs/j/action",
            json!({"job": {"action_name": "start"}}),
        ),
        ("POST", "/jobs/j/stop", json!({})),
        (
            "POST",
            "/jobs/action",
            json!({"jobs": [{"job_id": "j", "action_name": "start"}]}),
        ),
        (
            "POST",
            "/jobs/batch-stop",
            json!({"jobs": [{"job_id": "j"}]}),
        ),
        ("DELETE", "/jobs", json!({"jobs": ["j"]})),
    ] {
        let a = app.v5_as(&app.viewer, method, path, body).await;
        assert_eq!((a.status, a.code()), (403, "DRS.M00102"), "{method} {path}");
    }
    let refused: Vec<(String, String)> = app.audit().await[before..]
        .iter()
        .map(|r| (r.action.clone(), r.outcome.as_str().to_string()))
        .collect();
    let names: Vec<&str> = refused.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "CreateJob",
            "UpdateJob",
            "DeleteJob",
            "ExecuteJobAction",
            "StopJobAction",
            "BatchExecuteJobActions",
            "BatchStopJobsAction",
            "BatchDeleteJobsById"
        ]
    );
    assert!(refused.iter().all(|(_, o)| o == "refused"), "{refused:?}");
    assert_eq!(app.v5_status("j").await, "CONFIGURATION", "nothing moved");
}
