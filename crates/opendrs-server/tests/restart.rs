//! The executor survives `kill -9`: the real binary is killed while transitions are pending
//! and mid-chain, started again (twice, as two executors on one database), and every job's
//! history shows each transition exactly once. On SQLite, or on PostgreSQL with
//! `OPENDRS_TEST_DATABASE=postgres`.

use opendrs_store::testing::TestDatabase;
use serde_json::{json, Value};
use std::{
    path::Path,
    time::{Duration, Instant},
};

mod common;

use common::{serve_command, Client, Server};

/// `opendrs serve --demo` with short step timings on `db` (SQLite in `dir`, or PostgreSQL).
fn start(dir: &Path, db: &TestDatabase) -> Server {
    let mut cmd = serve_command(dir, true);
    cmd.env("OPENDRS_DATABASE_URL", db.url_string())
        .env("OPENDRS_STEP_CREATE_MS", "150")
        .env("OPENDRS_STEP_START_MS", "250")
        .env("OPENDRS_STEP_FULL_TRANSFER_MS", "250")
        .env("OPENDRS_STEP_RELEASE_MS", "250")
        .env("OPENDRS_STEP_PRECHECK_MS", "150")
        .env("OPENDRS_EXECUTOR_POLL_MS", "20");
    Server::start(cmd)
}

/// `POST /v3/{project}/jobs/{api}` on `server`, which must succeed: the JSON answer.
async fn call(client: &Client, server: &Server, api: &str, body: Value) -> Value {
    let (status, a) = client.call(&server.base, api, body).await;
    assert!(status < 300, "{api}: {status}");
    assert!(!a.is_null(), "{api}: the answer is not JSON");
    a
}

/// Waits (bounded) until every job is in `status`.
async fn wait_all(client: &Client, server: &Server, ids: &[String], status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = client.statuses(&server.base, ids).await;
        if now.iter().all(|s| s == status) {
            return;
        }
        assert!(Instant::now() < deadline, "not all {status}: {now:?}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

fn create_items(round: usize) -> Value {
    let items: Vec<Value> = (0..10)
        .map(|i| {
            json!({
                "name": format!("restart-{round}-{i}"),
                "db_use_type": "sync",
                "engine_type": "mysql",
                "job_direction": "up",
                "net_type": "vpc",
                "customize_sutnet_id": "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",
                "source_endpoint": {"db_type": "mysql", "ip": "10.0.0.1"},
                "target_endpoint": {"db_type": "mysql", "ip": "10.0.0.2"},
            })
        })
        .collect();
    json!({ "jobs": items })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_executor_resumes_and_applies_every_transition_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    // SQLite in the data directory, or a PostgreSQL database (OPENDRS_TEST_DATABASE=postgres).
    let db = TestDatabase::fresh().await;
    let server = start(dir.path(), &db);
    let client = Client::of_demo(dir.path());

    // Round 1: 20 jobs created, then the process dies before they are configured.
    let mut ids = Vec::new();
    for round in 0..2 {
        let a = call(&client, &server, "batch-creation", create_items(round)).await;
        for r in a["results"].as_array().expect("results") {
            ids.push(r["id"].as_str().expect("created").to_string());
        }
    }
    server.kill_9();

    let server = start(dir.path(), &db);
    wait_all(&client, &server, &ids, "CONFIGURATION").await;
    // A created job starts after a passed precheck (the executor completes the runs).
    let prechecks: Vec<Value> = ids
        .iter()
        .map(|id| json!({"job_id": id, "precheck_mode": "forStartJob"}))
        .collect();
    call(
        &client,
        &server,
        "batch-precheck",
        json!({ "jobs": prechecks }),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = call(
            &client,
            &server,
            "batch-precheck-result",
            json!({ "jobs": ids }),
        )
        .await;
        let results = r["results"].as_array().cloned().unwrap_or_default();
        if results.len() == ids.len() && results.iter().all(|r| r["result"] == true) {
            break;
        }
        assert!(Instant::now() < deadline, "prechecks not passed: {r}");
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let starts: Vec<Value> = ids.iter().map(|id| json!({"job_id": id})).collect();
    let a = call(
        &client,
        &server,
        "batch-starting",
        json!({ "jobs": starts }),
    )
    .await;
    assert!(a["results"]
        .as_array()
        .expect("results")
        .iter()
        .all(|r| r["status"] == "success"));
    // Mid-chain: some jobs are starting, some transferring.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill_9();

    // Two executors on the same database from now on.
    let first = start(dir.path(), &db);
    let second = start(dir.path(), &db);
    wait_all(&client, &first, &ids, "INCRE_TRANSFER_STARTED").await;
    first.kill_9();
    second.kill_9();

    let store = db.open().await;
    let tenant = store
        .project_find(&client.project)
        .await
        .expect("project")
        .expect("it exists");
    for id in &ids {
        let history = store.job_history(&tenant, id).await.expect("history");
        let steps: Vec<&str> = history.iter().map(|(_, to, _)| to.as_str()).collect();
        assert_eq!(
            steps,
            vec![
                "CREATING",
                "CONFIGURATION",
                "STARTJOBING",
                "FULL_TRANSFER_STARTED",
                "INCRE_TRANSFER_STARTED"
            ],
            "{id}: {history:?}"
        );
    }
}
