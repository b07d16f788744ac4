//! The v3 task workflow over HTTP: connection tests, object selection, flow control, prechecks
//! and their results, progress, DR switchover and RPO/RTO — answers, errors per item and per
//! call, and how they move with the executor's (virtual) clock.

use crate::{
    helpers::{Answer, TestApp},
    lifecycle::{app, create_item},
};
use opendrs_server::config::ExecutorClock;
use serde_json::{json, Value};

impl TestApp {
    /// `body` to `/v3/{p1}/jobs/{api}` as the admin.
    async fn call(&self, method: &str, api: &str, body: Value) -> Answer {
        self.call_lang(method, api, body, "en-us").await
    }

    async fn call_lang(&self, method: &str, api: &str, body: Value, lang: &str) -> Answer {
        let path = format!("/v3/{}/jobs/{api}", self.p1.project_id());
        self.send(
            method,
            &path,
            &self.admin,
            &[("X-Language", lang)],
            body.to_string().as_bytes(),
        )
        .await
    }

    /// A job created through the API and settled in `CONFIGURATION`.
    async fn configured(&self, item: Value) -> String {
        let a = self
            .write("POST", "batch-creation", &self.admin, json!([item]))
            .await;
        assert_eq!(a.status, 202, "{}", a.text);
        let id = a.body["results"][0]["id"]
            .as_str()
            .expect("created")
            .to_string();
        self.advance(5_000).await;
        assert_eq!(self.status_of(&id).await, "CONFIGURATION");
        id
    }

    /// A DR job prechecked, started and in incremental replication.
    async fn replicating_dr_job(&self, name: &str) -> String {
        let id = self.configured(dr_item(name)).await;
        self.prechecked(&[&id]).await;
        self.op("POST", "batch-starting", json!({"job_id": id}))
            .await;
        self.advance(5_000 + 30_000).await;
        assert_eq!(self.status_of(&id).await, "INCRE_TRANSFER_STARTED");
        id
    }
}

fn dr_item(name: &str) -> Value {
    let mut item = create_item(name);
    item["db_use_type"] = "cloudDataGuard".into();
    item["engine_type"] = "cloudDataGuard-mysql".into();
    item["target_endpoint"] = json!({"db_type": "mysql", "ip": "10.2.0.9", "db_port": 3306});
    item["is_target_readonly"] = true.into();
    item
}

fn first(a: &Answer) -> &Value {
    &a.body["results"][0]
}

#[tokio::test]
async fn a_connection_test_answers_per_endpoint_and_never_connects_to_an_unreachable_host() {
    let app = app().await;
    let id = app.configured(create_item("tested-job")).await;
    let a = app
        .call(
            "POST",
            "batch-connection",
            json!({"jobs": [
                {"id": id, "end_point_type": "so", "net_type": "vpc", "db_type": "mysql",
                 "db_user": "root", "db_password": "pw"},
                {"id": id, "end_point_type": "ta", "ip": "rds.gone.invalid", "db_port": 3306,
                 "db_password": "pw"},
                {"id": "no-such-job", "ip": "10.0.0.1"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["count"], 3);
    let r = &a.body["results"];
    assert_eq!(
        r[0],
        json!({"id": id, "status": "success", "success": true})
    );
    assert_eq!(
        (r[1]["status"].as_str(), r[1]["success"].as_bool()),
        (Some("failed"), Some(false))
    );
    assert_eq!(r[1]["error_code"], "DRS.M05011");
    assert!(r[1]["error_msg"]
        .as_str()
        .is_some_and(|m| m.contains("rds.gone.invalid")));
    assert_eq!(r[2]["error_code"], "DRS.M05003");
    assert!(!a.text.contains("\"pw\""), "no password is echoed");
    let zh = app
        .call_lang(
            "POST",
            "batch-connection",
            json!({"jobs": [{"id": id, "end_point_type": "ta", "ip": "x.invalid"}]}),
            "zh-cn",
        )
        .await;
    assert!(first(&zh)["error_msg"]
        .as_str()
        .is_some_and(|m| m.contains("无法连接")));
    let twice = app
        .call(
            "POST",
            "batch-connection",
            json!({"jobs": [{"id": id, "ip": "10.0.0.1"}, {"id": id, "end_point_type": "so"}]}),
        )
        .await;
    assert_eq!((twice.status, twice.code()), (400, "DRS.M00202"));
    let bad = app
        .call(
            "POST",
            "batch-connection",
            json!({"jobs": [{"ip": "10.0.0.1"}, {"id": id, "db_port": "x"}]}),
        )
        .await;
    assert_eq!(first(&bad)["error_code"], "DRS.M00201");
    assert_eq!(bad.body["results"][1]["error_code"], "DRS.M00202");
}

#[tokio::test]
async fn a_connection_test_or_objects_outside_configuration_are_m00304() {
    let app = app().await;
    let id = app.replicating_dr_job("running-dr").await;
    let a = app
        .call(
            "POST",
            "batch-connection",
            json!({"jobs": [{"id": id, "ip": "10.0.0.1"}]}),
        )
        .await;
    assert_eq!(first(&a)["error_code"], "DRS.M00304");
    let objects = app
        .call(
            "PUT",
            "batch-select-objects",
            json!({"jobs": [{"job_id": id, "selected": false}]}),
        )
        .await;
    assert_eq!(first(&objects)["status"], false);
    assert_eq!(first(&objects)["error_code"], "DRS.M00304");
}

#[tokio::test]
async fn chosen_objects_show_in_the_detail_and_dr_tasks_have_none() {
    let app = app().await;
    let id = app.configured(create_item("object-job")).await;
    let a = app
        .call(
            "PUT",
            "batch-select-objects",
            json!({"jobs": [{"job_id": id, "selected": true, "sync_database": false, "job": [
                {"id": "shop", "object_type": "database", "object_name": "shop", "select": "partial"},
                {"id": "shop-*-*-orders", "parent_id": "shop", "object_type": "table",
                 "object_name": "orders", "object_alias_name": "orders_v2", "select": "true"},
                {"id": "shop-*-*-tmp", "parent_id": "shop", "object_type": "table", "select": "false"}
            ]}]}),
        )
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"all_counts": 1, "results": [{"job_id": id, "status": true}]})
    );
    let d = app.read_one("batch-detail", &app.admin, &id).await;
    assert_eq!(
        d["object_infos"],
        json!([
            {"id": "shop", "type": "database", "name": "shop"},
            {"id": "shop-*-*-orders", "parent_id": "shop", "type": "table", "name": "orders",
             "alias_name": "orders_v2"}
        ])
    );
    assert_eq!(d["sync_database"], false);
    let empty = app
        .call(
            "PUT",
            "batch-select-objects",
            json!({"jobs": [{"job_id": id, "selected": true, "job": []}]}),
        )
        .await;
    assert_eq!(first(&empty)["error_code"], "DRS.M00201");
    let dr = app.configured(dr_item("dr-objects")).await;
    let a = app
        .call(
            "PUT",
            "batch-select-objects",
            json!({"jobs": [{"job_id": dr, "selected": false}]}),
        )
        .await;
    assert_eq!(
        (
            first(&a)["status"].as_bool(),
            first(&a)["error_code"].as_str()
        ),
        (Some(false), Some("DRS.M00304"))
    );
}

#[tokio::test]
async fn flow_control_is_stored_shown_and_checked() {
    let app = app().await;
    let id = app.configured(create_item("speed-job")).await;
    let d = app.read_one("batch-detail", &app.admin, &id).await;
    assert_eq!(d["speed_limit"], json!([]), "unlimited after creation");
    let a = app
        .call(
            "PUT",
            "batch-limit-speed",
            json!({"speed_limits": [{"job_id": id, "speed_limit": [
                {"begin": "16:30", "end": "15:59", "speed": "15", "is_utc": true}]}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"results": [{"id": id, "status": "success"}], "count": 1})
    );
    let d = app.read_one("batch-detail", &app.admin, &id).await;
    assert_eq!(
        d["speed_limit"],
        json!([{"begin": "16:00", "end": "15:59", "speed": "15", "is_utc": true}])
    );
    let cases = [
        (
            json!([{"begin": "01:00", "end": "01:00", "speed": "1"}]),
            "DRS.M00306",
        ),
        (
            json!([{"begin": "01:00", "end": "02:59", "speed": "1"},
                   {"begin": "02:00", "end": "03:59", "speed": "1"}]),
            "DRS.M00202",
        ),
        (
            json!([{"begin": "01:00", "end": "01:59", "speed": "0"}]),
            "DRS.M00202",
        ),
        (
            json!([{"begin": "25:00", "end": "01:59", "speed": "5"}]),
            "DRS.M00202",
        ),
    ];
    for (ranges, code) in cases {
        let a = app
            .call(
                "PUT",
                "batch-limit-speed",
                json!({"speed_limits": [{"job_id": id, "speed_limit": ranges}]}),
            )
            .await;
        assert_eq!(first(&a)["error_code"], code, "{ranges}");
    }
    let mut incr = create_item("incremental-only");
    incr["task_type"] = "INCR_TRANS".into();
    let incr = app.configured(incr).await;
    let a = app
        .call(
            "PUT",
            "batch-limit-speed",
            json!({"speed_limits": [{"job_id": incr, "speed_limit": []}]}),
        )
        .await;
    assert_eq!(first(&a)["error_code"], "DRS.M00403");
    let none = app
        .call("PUT", "batch-limit-speed", json!({"jobs": []}))
        .await;
    assert_eq!((none.status, none.code()), (400, "DRS.M00201"));
}

#[tokio::test]
async fn a_precheck_runs_with_the_executor_and_only_then_may_the_job_start() {
    let app = app().await;
    let id = app.configured(create_item("prechecked-job")).await;
    let never = app
        .call("POST", "batch-precheck-result", json!({"jobs": [id]}))
        .await;
    assert_eq!(never.status, 200);
    assert_eq!(first(&never)["error_code"], "DRS.M00304");
    let start = app
        .call("POST", "batch-starting", json!({"jobs": [{"job_id": id}]}))
        .await;
    assert_eq!(first(&start)["error_code"], "DRS.M00304");
    assert!(first(&start)["error_msg"]
        .as_str()
        .is_some_and(|m| m.contains("precheck")));
    let a = app
        .call(
            "POST",
            "batch-precheck",
            json!({"jobs": [{"job_id": id, "precheck_mode": "forStartJob"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body,
        json!({"results": [{"id": id, "precheck_id": id, "status": "success"}], "count": 1})
    );
    app.advance(1_500).await;
    let half = app
        .call("POST", "batch-precheck-result", json!({"jobs": [id]}))
        .await;
    assert_eq!(first(&half)["process"], "50%");
    assert_eq!(first(&half)["result"], false);
    let start = app
        .call("POST", "batch-starting", json!({"jobs": [{"job_id": id}]}))
        .await;
    assert_eq!(
        first(&start)["error_code"],
        "DRS.M01504",
        "not while it runs"
    );
    app.advance(1_500).await;
    let done = app
        .call(
            "POST",
            "batch-precheck-result",
            json!({"jobs": [id, "no-such-job"]}),
        )
        .await;
    let r = first(&done);
    assert_eq!(
        (r["process"].as_str(), r["result"].as_bool()),
        (Some("100%"), Some(true))
    );
    assert_eq!(r["total_passed_rate"], "100%");
    assert_eq!(r["precheck_id"], id.as_str());
    let items = r["precheck_result"].as_array().expect("items");
    assert!(items
        .iter()
        .any(|i| i["item"] == "srcDbConnection" && i["result"] == "PASSED"));
    assert!(
        items.iter().any(|i| i["result"] == "ALARM"),
        "a source without SSL is an alarm"
    );
    assert_eq!(done.body["results"][1]["error_code"], "DRS.M05003");
    let start = app
        .call("POST", "batch-starting", json!({"jobs": [{"job_id": id}]}))
        .await;
    assert_eq!(first(&start)["status"], "success", "{}", start.text);
}

#[tokio::test]
async fn an_unreachable_database_fails_the_precheck_and_the_start_stays_refused() {
    let app = TestApp::spawn_with(|c| {
        c.executor_clock = ExecutorClock::Virtual;
        c.executor_poll_ms = 3_600_000;
        c.executor_enabled = false;
        c.simulated_unreachable_hosts = vec!["10.1.0.5".into()];
    })
    .await;
    let id = app.configured(create_item("unreachable-job")).await;
    let a = app
        .call(
            "POST",
            "batch-connection",
            json!({"jobs": [{"id": id, "end_point_type": "so"}]}),
        )
        .await;
    assert_eq!(
        first(&a)["error_code"],
        "DRS.M05011",
        "the job's own source is listed"
    );
    app.prechecked(&[&id]).await;
    let r = app
        .call("POST", "batch-precheck-result", json!({"jobs": [id]}))
        .await;
    let r = first(&r);
    assert_eq!(
        (r["process"].as_str(), r["result"].as_bool()),
        (Some("100%"), Some(false))
    );
    assert_ne!(r["total_passed_rate"], "100%");
    let failed: Vec<&str> = r["precheck_result"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["result"] == "FAILED")
        .filter_map(|i| i["item"].as_str())
        .collect();
    assert_eq!(failed, vec!["srcDbConnection"]);
    let start = app
        .call("POST", "batch-starting", json!({"jobs": [{"job_id": id}]}))
        .await;
    assert_eq!(first(&start)["error_code"], "DRS.M00304");
    assert_eq!(app.status_of(&id).await, "CONFIGURATION");
}

#[tokio::test]
async fn a_precheck_item_with_a_wrong_mode_or_status_is_refused() {
    let app = app().await;
    let id = app.configured(create_item("mode-job")).await;
    let a = app
        .call(
            "POST",
            "batch-precheck",
            json!({"jobs": [{"job_id": id, "precheck_mode": "forRetryJob"},
                            {"job_id": "x", "precheck_mode": "later"},
                            {"job_id": "y"}]}),
        )
        .await;
    let codes: Vec<&str> = a.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["error_code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, vec!["DRS.M00304", "DRS.M00202", "DRS.M00201"]);
    let none = app.call("POST", "batch-precheck-result", json!({})).await;
    assert_eq!((none.status, none.code()), (400, "DRS.M00201"));
    let dup = app
        .call("POST", "batch-progress", json!({"jobs": [id, id]}))
        .await;
    assert_eq!((dup.status, dup.code()), (400, "DRS.M00202"));
}

#[tokio::test]
async fn progress_moves_with_the_executor_clock() {
    let app = app().await;
    let id = app.configured(create_item("progress-job")).await;
    let before = app
        .call("POST", "batch-progress", json!({"jobs": [id]}))
        .await;
    assert_eq!(before.status, 202);
    let p = first(&before);
    assert_eq!(
        (
            p["progress"].as_str(),
            p["transfer_status"].as_str(),
            p["incre_trans_delay"].as_str()
        ),
        (Some("0"), Some("CONFIGURATION"), Some("-1"))
    );
    assert_eq!(p["process_time"], "0");
    app.prechecked(&[&id]).await;
    app.op("POST", "batch-starting", json!({"job_id": id}))
        .await;
    app.advance(5_000 + 15_000).await;
    let mid = app
        .call("POST", "batch-progress", json!({"jobs": [id]}))
        .await;
    let p = first(&mid);
    assert_eq!(p["transfer_status"], "FULL_TRANSFER_STARTED");
    assert_eq!(p["progress"], "50");
    assert_eq!(p["remaining_time"], "15");
    assert_eq!(p["progress_map"]["data"]["completed"], "50%");
    assert_eq!(p["progress_map"]["struct"]["completed"], "100%");
    app.advance(15_000).await;
    let after = app
        .call(
            "POST",
            "batch-progress",
            json!({"jobs": [id, "no-such-job"]}),
        )
        .await;
    let p = first(&after);
    assert_eq!(
        (p["progress"].as_str(), p["transfer_status"].as_str()),
        (Some("100"), Some("INCRE_TRANSFER_STARTED"))
    );
    assert_ne!(p["incre_trans_delay"], "-1");
    assert!(p["apply_rows_rate"].as_i64().is_some_and(|n| n > 0));
    assert_eq!(after.body["results"][1]["error_code"], "DRS.M05003");
}

#[tokio::test]
async fn a_dr_switchover_shows_while_it_runs_then_swaps_the_roles() {
    let app = app().await;
    let id = app.replicating_dr_job("switched-dr").await;
    let listed = app.list(json!({"db_use_type": "cloudDataGuard"})).await;
    let actions = &listed.body["jobs"][0]["job_action"];
    assert!(actions["available_actions"]
        .as_array()
        .expect("actions")
        .contains(&json!("SWITCH_OVER")));
    let a = app
        .call("POST", "batch-switchover", json!({"jobs": [id]}))
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let r = first(&a);
    assert_eq!(r["job_id"], id.as_str());
    assert_eq!(r["source_db"]["ip"], "10.2.0.9", "the roles it will have");
    assert_eq!(r["target_db"]["ip"], "10.1.0.5");
    assert_eq!(r["job_direction"], "down");
    assert_eq!(r["is_target_readonly"], true);
    assert!(r["updated_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z') && t.contains('T')));
    let listed = app.list(json!({"db_use_type": "cloudDataGuard"})).await;
    assert_eq!(
        listed.body["jobs"][0]["job_action"]["current_action"],
        "SWITCH_OVER"
    );
    let again = app
        .call("POST", "batch-switchover", json!({"jobs": [id]}))
        .await;
    assert_eq!(first(&again)["error_code"], "DRS.M01504");
    app.advance(5_000).await;
    let listed = app.list(json!({"db_use_type": "cloudDataGuard"})).await;
    assert!(listed.body["jobs"][0]["job_action"]
        .get("current_action")
        .is_none());
    let d = app.read_one("batch-detail", &app.admin, &id).await;
    assert_eq!(d["source_endpoint"]["ip"], "10.2.0.9");
    assert_eq!(d["job_direction"], "down");
    assert_eq!(d["status"], "INCRE_TRANSFER_STARTED");
    let paused = app
        .call(
            "POST",
            "batch-switchover",
            json!({"jobs": [id], "is_pause_job": true}),
        )
        .await;
    assert!(
        first(&paused).get("error_code").is_none(),
        "{}",
        paused.text
    );
    app.advance(5_000).await;
    assert_eq!(
        app.status_of(&id).await,
        "PAUSING",
        "is_pause_job pauses it after"
    );
}

#[tokio::test]
async fn a_switchover_or_rpo_of_a_task_that_is_not_replicating_dr_is_refused_per_item() {
    let app = app().await;
    let m = app.configured(create_item("not-dr")).await;
    let dr = app.configured(dr_item("dr-not-started")).await;
    let a = app
        .call(
            "POST",
            "batch-switchover",
            json!({"jobs": [m, dr, "no-such-job", 5]}),
        )
        .await;
    let codes: Vec<&str> = a.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["error_code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        codes,
        vec!["DRS.M00304", "DRS.M00304", "DRS.M05003", "DRS.M00202"]
    );
    let bad = app
        .call(
            "POST",
            "batch-switchover",
            json!({"jobs": [m], "is_pause_job": "yes"}),
        )
        .await;
    assert_eq!((bad.status, bad.code()), (400, "DRS.M00202"));
    let r = app
        .call("POST", "batch-rpo-and-rto", json!({"jobs": [m, dr]}))
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.body["results"][0]["error_code"], "DRS.M00304");
    assert_eq!(r.body["results"][1]["error_code"], "DRS.M00304");
}

#[tokio::test]
async fn rpo_and_rto_of_a_replicating_dr_task_move_with_the_clock() {
    let app = app().await;
    let id = app.replicating_dr_job("measured-dr").await;
    let a = app
        .call("POST", "batch-rpo-and-rto", json!({"jobs": [id]}))
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    let r = first(&a);
    assert_eq!(r["job_id"], id.as_str());
    for key in ["rpo_info", "rto_info"] {
        let info = &r[key];
        assert!(
            info["check_point"]
                .as_str()
                .is_some_and(|c| c.starts_with("mysql-bin.")),
            "{info}"
        );
        assert!(info["delay"]
            .as_str()
            .is_some_and(|d| d.parse::<i64>().is_ok()));
        assert_eq!(info["gtid_set"], "NA");
        assert_eq!(info["time"].as_str().map(str::len), Some(19));
    }
    app.op(
        "POST",
        "batch-pause-task",
        json!({"job_id": id, "pause_mode": "all"}),
    )
    .await;
    app.advance(60_000).await;
    let a = app
        .call("POST", "batch-rpo-and-rto", json!({"jobs": [id]}))
        .await;
    assert_eq!(
        first(&a)["rpo_info"]["delay"],
        "60000",
        "a paused task falls behind"
    );
}

#[tokio::test]
async fn workflow_writes_are_audited_under_their_sdk_names() {
    let app = app().await;
    let id = app.configured(create_item("audited-job")).await;
    app.prechecked(&[&id]).await;
    app.call(
        "PUT",
        "batch-limit-speed",
        json!({"speed_limits": [{"job_id": id, "speed_limit": []}]}),
    )
    .await;
    let records = app
        .store
        .audit_list(&opendrs_core::audit::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    let actions: Vec<&str> = records.iter().map(|(r, _)| r.action.as_str()).collect();
    assert!(actions.contains(&"BatchCheckJobs"), "{actions:?}");
    assert!(actions.contains(&"BatchSetSpeed"), "{actions:?}");
}

#[tokio::test]
async fn job_action_offers_the_workflow_operations_a_configured_job_accepts() {
    let app = app().await;
    app.configured(create_item("offered-job")).await;
    let listed = app.list(json!({"db_use_type": "migration"})).await;
    let available = listed.body["jobs"][0]["job_action"]["available_actions"]
        .as_array()
        .expect("actions")
        .clone();
    for action in ["START", "CHOOSE_OBJECT", "PRE_CHECK", "MODIFY_DB_CONFIG"] {
        assert!(
            available.contains(&json!(action)),
            "{action}: {available:?}"
        );
    }
    let unavailable = &listed.body["jobs"][0]["job_action"]["unavailable_actions"];
    assert!(unavailable
        .as_array()
        .expect("actions")
        .contains(&json!("SWITCH_OVER")));
}
