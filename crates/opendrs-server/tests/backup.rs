//! `opendrs admin backup` and `restore`, run as an operator would: a backup taken while a real
//! server keeps acknowledging creations, a restore refused while that server holds the database,
//! then restored into a fresh data directory where a new server shows every job acknowledged
//! before the backup began; and the refusals (foreign files, newer schemas, PostgreSQL URLs) with
//! their messages and a non-zero exit.

use serde_json::{json, Value};
use std::{
    path::Path,
    process::{Command, Output},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

mod common;

use common::{opendrs, serve_command, Client, Server};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn serve(dir: &Path) -> Server {
    Server::start(serve_command(dir, true))
}

fn creation(n: usize) -> Value {
    json!({"jobs": [common::sync_job(&format!("backup-{n:05}"))]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_every_job_acknowledged_before_it_began() {
    let root = tempfile::tempdir().expect("tempdir");
    let live = root.path().join("live");
    // Some bulk first, so that the backup takes a moment while creations go on.
    let g = opendrs(
        &live,
        &["admin", "generate", "--jobs", "5000", "--projects", "3"],
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
                &live,
                &[
                    "admin",
                    "backup",
                    "--to",
                    file.to_str().expect("utf-8"),
                    "--json",
                ],
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
        &live,
        &["admin", "restore", "--from", file.to_str().expect("utf-8")],
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
        &fresh,
        &["admin", "restore", "--from", file.to_str().expect("utf-8")],
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
        &dir,
        &["admin", "restore", "--from", junk.to_str().expect("utf-8")],
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
        &dir,
        &[
            "admin",
            "restore",
            "--from",
            foreign.to_str().expect("utf-8"),
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("is not an OpenDRS database"),
        "{}",
        stderr(&o)
    );

    // A real database, backed up, then marked as made by a newer build.
    let source = root.path().join("source");
    let m = opendrs(&source, &["admin", "migrate"]);
    assert!(m.status.success(), "{}", stderr(&m));
    let file = root.path().join("b.db");
    let f = file.to_str().expect("utf-8");
    let b = opendrs(&source, &["admin", "backup", "--to", f]);
    assert!(b.status.success(), "{}", stderr(&b));
    let again = opendrs(&source, &["admin", "backup", "--to", f]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert!(opendrs(&source, &["admin", "backup", "--to", f, "--force"])
        .status
        .success());
    rusqlite::Connection::open(&file)
        .expect("open")
        .pragma_update(None, "user_version", 999)
        .expect("bump");
    let o = opendrs(&dir, &["admin", "restore", "--from", f]);
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
