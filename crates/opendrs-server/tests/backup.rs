//! `opendrs admin backup` and `restore`, run as an operator would: a backup taken while a real
//! server keeps acknowledging creations, a restore refused while that server holds the database,
//! then restored into a fresh data directory where a new server shows every job acknowledged
//! before the backup began; and the refusals (foreign files, newer schemas, PostgreSQL URLs) with
//! their messages and a non-zero exit.

use opendrs_core::signing::sign_request;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};
use std::{
    path::Path,
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

fn opendrs(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opendrs"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("OPENDRS_LOG_LEVEL", "warn")
        .env_remove("OPENDRS_DATABASE_URL")
        .output()
        .expect("run opendrs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A running `opendrs serve --demo`; killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_opendrs"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("OPENDRS_DATABASE_URL")
        .env("OPENDRS_LOG_LEVEL", "warn")
        .env("OPENDRS_THROTTLE_RATE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    // Drained to its end, so the server never writes into a closed pipe.
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if let Some(at) = line.find("http://127.0.0.1:") {
                let url = line[at..]
                    .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/')
                    .to_string();
                let _ = tx.send(url);
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
    assert!(!base.is_empty(), "the server printed no endpoint");
    Server { child, base }
}

/// Signs as the SDK does, with the demo admin's AK/SK.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    ak: String,
    sk: String,
    project: String,
}

impl Client {
    fn of_demo(dir: &Path) -> Client {
        let demo: Value =
            serde_json::from_slice(&std::fs::read(dir.join("demo.json")).expect("demo.json"))
                .expect("json");
        let s = |k: &str| demo[k].as_str().expect(k).to_string();
        Client {
            http: reqwest::Client::new(),
            ak: s("ak"),
            sk: s("sk"),
            project: s("project_id"),
        }
    }

    async fn call(&self, base: &str, api: &str, body: Value) -> (u16, Value) {
        let path = format!("/v3/{}/jobs/{api}", self.project);
        let body = body.to_string();
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("host"),
            HeaderValue::from_str(base.trim_start_matches("http://")).expect("host"),
        );
        h.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        );
        sign_request(
            &self.ak,
            self.sk.as_bytes(),
            "POST",
            &path,
            None,
            &mut h,
            body.as_bytes(),
            time::OffsetDateTime::now_utc(),
        )
        .expect("sign");
        let res = self
            .http
            .post(format!("{base}{path}"))
            .headers(h)
            .body(body)
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

fn creation(n: usize) -> Value {
    json!({"jobs": [{
        "name": format!("backup-{n:05}"), "db_use_type": "sync", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc",
        "customize_sutnet_id": "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",
        "source_endpoint": {"db_type": "mysql"}, "target_endpoint": {"db_type": "mysql"}}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_every_job_acknowledged_before_it_began() {
    let root = tempfile::tempdir().expect("tempdir");
    let live = root.path().join("live");
    // Some bulk first, so that the backup takes a moment while creations go on.
    let g = opendrs(
        &["admin", "generate", "--jobs", "5000", "--projects", "3"],
        &live,
    );
    assert!(g.status.success(), "{}", stderr(&g));
    let server = serve(&live);
    let client = Client::of_demo(&live);

    // A writer creates one job per call until stopped; each acknowledged ID is kept in order.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (client, base, acked, stop) = (
            client.clone(),
            server.base.clone(),
            acked.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && Instant::now() < deadline {
                let (status, a) = client.call(&base, "batch-creation", creation(n)).await;
                assert_eq!(status, 202, "{a}");
                let id = a["results"][0]["id"].as_str().expect("created").to_string();
                acked.lock().expect("acked").push(id);
                n += 1;
            }
        })
    };
    let wait_for = |n: usize| {
        let acked = acked.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            while acked.lock().expect("acked").len() < n {
                assert!(Instant::now() < deadline, "the writer is stuck");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    wait_for(20).await;

    // Every creation acknowledged by now must be in the backup.
    let before: Vec<String> = acked.lock().expect("acked").clone();
    let file = root.path().join("opendrs-backup.db");
    let backed_up = {
        let (live, file) = (live.clone(), file.clone());
        tokio::task::spawn_blocking(move || {
            opendrs(
                &[
                    "admin",
                    "backup",
                    "--to",
                    file.to_str().expect("utf-8"),
                    "--json",
                ],
                &live,
            )
        })
        .await
        .expect("backup")
    };
    let during = acked.lock().expect("acked").len() - before.len();
    assert!(backed_up.status.success(), "{}", stderr(&backed_up));
    let report: Value = serde_json::from_slice(&backed_up.stdout).expect("json report");
    assert!(report["jobs"].as_u64().unwrap_or(0) >= 5000, "{report}");
    assert!(
        during > 0,
        "creations were acknowledged while the backup ran"
    );

    // A restore into the live data directory is refused while its server runs.
    let refused = opendrs(
        &["admin", "restore", "--from", file.to_str().expect("utf-8")],
        &live,
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("is in use"),
        "{}",
        stderr(&refused)
    );

    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.await.expect("writer");
    drop(server);

    // Restore into a fresh data directory; its secrets come from the original, as documented.
    let fresh = root.path().join("fresh");
    let restored = opendrs(
        &["admin", "restore", "--from", file.to_str().expect("utf-8")],
        &fresh,
    );
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert!(
        stderr(&restored).contains("master.key"),
        "the operator is told to bring the master key: {}",
        stderr(&restored)
    );
    let db = fresh.join("opendrs.db");
    let check: String = rusqlite::Connection::open(&db)
        .expect("open")
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    for secret in ["master.key", "demo.json"] {
        std::fs::copy(live.join(secret), fresh.join(secret)).expect("copy secret");
    }

    let server = serve(&fresh);
    let mut missing = Vec::new();
    for chunk in before.chunks(100) {
        let (status, a) = client
            .call(
                &server.base,
                "batch-status",
                json!({"jobs": chunk, "page_req": {"cur_page": 0}}),
            )
            .await;
        assert_eq!(status, 200, "{a}");
        for (id, r) in chunk.iter().zip(a["results"].as_array().expect("results")) {
            if r["status"].as_str().unwrap_or("").is_empty() || r.get("error_code").is_some() {
                missing.push((id.clone(), r.clone()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged jobs are missing: {missing:?}",
        missing.len(),
        before.len()
    );
}

#[test]
fn a_restore_refuses_foreign_files_and_newer_schemas_and_a_backup_an_existing_file() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("data");
    let junk = root.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("write");
    let o = opendrs(
        &["admin", "restore", "--from", junk.to_str().expect("utf-8")],
        &dir,
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is not an SQLite database"),
        "{}",
        stderr(&o)
    );

    let foreign = root.path().join("foreign.db");
    rusqlite::Connection::open(&foreign)
        .expect("open")
        .execute_batch("CREATE TABLE notes (x)")
        .expect("create");
    let o = opendrs(
        &[
            "admin",
            "restore",
            "--from",
            foreign.to_str().expect("utf-8"),
        ],
        &dir,
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is not an OpenDRS database"),
        "{}",
        stderr(&o)
    );

    // A real database, backed up, then marked as made by a newer build.
    let source = root.path().join("source");
    let m = opendrs(&["admin", "migrate"], &source);
    assert!(m.status.success(), "{}", stderr(&m));
    let file = root.path().join("b.db");
    let f = file.to_str().expect("utf-8");
    let b = opendrs(&["admin", "backup", "--to", f], &source);
    assert!(b.status.success(), "{}", stderr(&b));
    let again = opendrs(&["admin", "backup", "--to", f], &source);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert!(opendrs(&["admin", "backup", "--to", f, "--force"], &source)
        .status
        .success());
    rusqlite::Connection::open(&file)
        .expect("open")
        .pragma_update(None, "user_version", 999)
        .expect("bump");
    let o = opendrs(&["admin", "restore", "--from", f], &dir);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("newer than this build"),
        "{}",
        stderr(&o)
    );
    assert!(
        !dir.join("opendrs.db").exists(),
        "a refused restore writes nothing"
    );
}

#[test]
fn on_postgresql_backup_and_restore_name_pg_dump_and_pg_restore() {
    let root = tempfile::tempdir().expect("tempdir");
    let url = "postgres://drs:hunter2@127.0.0.1:1/drs";
    for (args, tool) in [
        (["admin", "backup", "--to", "x.dump"], "pg_dump"),
        (["admin", "restore", "--from", "x.dump"], "pg_restore"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_opendrs"))
            .args(args)
            .args(["--database-url", url, "--data-dir"])
            .arg(root.path())
            .output()
            .expect("run");
        assert!(!o.status.success());
        let e = stderr(&o);
        assert!(e.contains(tool) && e.contains("PostgreSQL"), "{e}");
        assert!(!e.contains("hunter2"), "the password is never shown: {e}");
    }
}
