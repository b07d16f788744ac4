//! The executor survives `kill -9`: the real binary is killed while transitions are pending
//! and mid-chain, started again (twice, as two executors on one database), and every job's
//! history shows each transition exactly once. On SQLite, or on PostgreSQL with
//! `OPENDRS_TEST_DATABASE=postgres`.

use opendrs_core::signing::sign_request;
use opendrs_store::testing::TestDatabase;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};
use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running `opendrs serve --demo` with short step timings.
struct Server {
    child: Child,
    base: String,
}

fn start(dir: &Path, db: &TestDatabase) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_opendrs"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env("OPENDRS_DATABASE_URL", db.url_string())
        .env("OPENDRS_LOG_LEVEL", "warn")
        .env("OPENDRS_STEP_CREATE_MS", "150")
        .env("OPENDRS_STEP_START_MS", "250")
        .env("OPENDRS_STEP_FULL_TRANSFER_MS", "250")
        .env("OPENDRS_STEP_RELEASE_MS", "250")
        .env("OPENDRS_STEP_PRECHECK_MS", "150")
        .env("OPENDRS_EXECUTOR_POLL_MS", "20")
        .env("OPENDRS_THROTTLE_RATE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut child = child;
    let stdout = child.stdout.take().expect("stdout");
    // The "try it" block prints the endpoint. The pipe is drained to its end by a thread, so
    // the server never writes into a closed pipe.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(at) = line.find("http://127.0.0.1:") {
                let url = line[at..]
                    .split(|c: char| c == '"' || c == '\'' || c.is_whitespace())
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/')
                    .to_string();
                let _ = tx.send(url);
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
    assert!(!base.is_empty(), "the server printed no endpoint");
    Server { child, base }
}

impl Server {
    fn kill_9(self) {
        drop(self);
    }
}

impl Drop for Server {
    /// SIGKILL, also when a failing assertion unwinds: no server outlives the test.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Client {
    http: reqwest::Client,
    ak: String,
    sk: String,
    project: String,
}

impl Client {
    async fn call(&self, server: &Server, method: &str, api: &str, body: Value) -> Value {
        let path = format!("/v3/{}/jobs/{api}", self.project);
        let body = body.to_string();
        let mut h = HeaderMap::new();
        let host = server.base.trim_start_matches("http://").to_string();
        h.insert(
            HeaderName::from_static("host"),
            HeaderValue::from_str(&host).expect("host"),
        );
        h.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        );
        sign_request(
            &self.ak,
            self.sk.as_bytes(),
            method,
            &path,
            None,
            &mut h,
            body.as_bytes(),
            time::OffsetDateTime::now_utc(),
        )
        .expect("sign");
        let res = self
            .http
            .request(
                method.parse().expect("method"),
                format!("{}{path}", server.base),
            )
            .headers(h)
            .body(body)
            .send()
            .await
            .expect("request");
        assert!(res.status().as_u16() < 300, "{api}: {}", res.status());
        res.json().await.expect("json")
    }

    async fn statuses(&self, server: &Server, ids: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            let a = self
                .call(
                    server,
                    "POST",
                    "batch-status",
                    json!({"jobs": chunk, "page_req": {"cur_page": 0}}),
                )
                .await;
            for r in a["results"].as_array().expect("results") {
                out.push(r["status"].as_str().unwrap_or("").to_string());
            }
        }
        out
    }

    /// Waits (bounded) until every job is in `status`.
    async fn wait_all(&self, server: &Server, ids: &[String], status: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = self.statuses(server, ids).await;
            if now.iter().all(|s| s == status) {
                return;
            }
            assert!(Instant::now() < deadline, "not all {status}: {now:?}");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
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
    let demo: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("demo.json")).expect("demo.json"))
            .expect("json");
    let s = |k: &str| demo[k].as_str().expect(k).to_string();
    let client = Client {
        http: reqwest::Client::new(),
        ak: s("ak"),
        sk: s("sk"),
        project: s("project_id"),
    };

    // Round 1: 20 jobs created, then the process dies before they are configured.
    let mut ids = Vec::new();
    for round in 0..2 {
        let a = client
            .call(&server, "POST", "batch-creation", create_items(round))
            .await;
        for r in a["results"].as_array().expect("results") {
            ids.push(r["id"].as_str().expect("created").to_string());
        }
    }
    server.kill_9();

    let server = start(dir.path(), &db);
    client.wait_all(&server, &ids, "CONFIGURATION").await;
    // A created job starts after a passed precheck (the executor completes the runs).
    let prechecks: Vec<Value> = ids
        .iter()
        .map(|id| json!({"job_id": id, "precheck_mode": "forStartJob"}))
        .collect();
    client
        .call(
            &server,
            "POST",
            "batch-precheck",
            json!({ "jobs": prechecks }),
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = client
            .call(
                &server,
                "POST",
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
    let a = client
        .call(&server, "POST", "batch-starting", json!({ "jobs": starts }))
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
    client
        .wait_all(&first, &ids, "INCRE_TRANSFER_STARTED")
        .await;
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
