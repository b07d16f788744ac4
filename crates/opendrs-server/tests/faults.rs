//! Faults the real binary must survive or refuse clearly: a database file that is garbage or
//! cannot be opened at start (a non-zero exit with a message, within seconds); SIGTERM under
//! load (accepted requests answered, exit 0, every acknowledged creation kept); a full disk (writes
//! refused with 503 `DRS.M00004`, reads served, writes resumed once space returns, nothing
//! acknowledged lost). SQLite only: these are faults of the data directory's file system.

use serde_json::{json, Value};
use std::{
    io::{Read, Write},
    path::{Path, PathBuf},
    process::Command,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

mod common;

use common::{serve_command, spawn, stderr_log, wait_exit, Client, Server};

/// `opendrs serve` on loopback port 0 with its data in `dir` and short step timings.
fn command(dir: &Path, demo: bool) -> Command {
    let mut cmd = serve_command(dir, demo);
    cmd.env("OPENDRS_STEP_CREATE_MS", "50")
        .env("OPENDRS_STEP_START_MS", "80")
        .env("OPENDRS_STEP_FULL_TRANSFER_MS", "80")
        .env("OPENDRS_STEP_RELEASE_MS", "80")
        .env("OPENDRS_EXECUTOR_POLL_MS", "20")
        .env("OPENDRS_REQUEST_TIMEOUT_SECS", "60");
    cmd
}

/// The demo server on `dir`; its stderr goes to a temporary file outside `dir` (whose file
/// system may be full).
fn serve(dir: &Path) -> Server {
    Server::start_logged(command(dir, true))
}

/// Every ID in `ids` is a job the server knows.
async fn assert_all_known(client: &Client, base: &str, ids: &[String]) {
    let statuses = client.statuses(base, ids).await;
    assert_eq!(statuses.len(), ids.len());
    let lost: Vec<&String> = ids
        .iter()
        .zip(&statuses)
        .filter(|(_, s)| s.is_empty())
        .map(|(id, _)| id)
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}

fn creation(tag: &str, n: usize) -> Value {
    json!({"jobs": [common::sync_job(&format!("{tag}-{n:05}"))]})
}

fn created_id(a: &Value) -> String {
    a["results"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {a}"))
        .to_string()
}

fn list_body() -> Value {
    json!({"db_use_type": "sync", "cur_page": 1, "per_page": 10})
}

// --- (a) a database that cannot be used at start ----------------------------------------------

/// Runs `opendrs serve` on `dir` and expects it to give up: non-zero, within seconds, with a
/// message on stderr. Returns stderr.
fn refused_start(dir: &Path) -> String {
    let started = Instant::now();
    let (stderr, file) = stderr_log();
    let mut cmd = command(dir, false);
    cmd.stderr(file);
    let (mut child, _rx) = spawn(cmd);
    let status = wait_exit(&mut child, Duration::from_secs(15));
    let text = std::fs::read_to_string(&stderr).unwrap_or_default();
    assert!(
        !status.success(),
        "serve started on a broken database; stderr: {text}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?} to give up",
        started.elapsed()
    );
    text
}

#[test]
fn a_database_file_of_garbage_bytes_stops_the_start_with_a_message() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("data");
    std::fs::create_dir(&dir).expect("data dir");
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(dir.join("opendrs.db"), garbage).expect("garbage");
    let text = refused_start(&dir);
    assert!(text.contains("opendrs:"), "no message: {text}");
    assert!(
        text.contains("opendrs.db") && text.to_lowercase().contains("not a database"),
        "the message does not name the file and the fault: {text}"
    );
}

#[test]
fn a_database_path_that_is_a_directory_stops_the_start_with_a_message() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("data");
    std::fs::create_dir_all(dir.join("opendrs.db")).expect("a directory where the file goes");
    let text = refused_start(&dir);
    assert!(
        text.contains("opendrs:") && text.contains("opendrs.db"),
        "the message does not name the file: {text}"
    );
}

#[test]
fn a_database_file_without_read_permission_stops_the_start_with_a_message() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("data");
    std::fs::create_dir(&dir).expect("data dir");
    // A real database first, so that only the permission is wrong.
    let mut ok = serve(&dir);
    ok.sigterm();
    assert!(ok.wait_exit(Duration::from_secs(20)).success());
    drop(ok);
    let db = dir.join("opendrs.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::File::open(&db).is_ok() {
        // Root (CAP_DAC_OVERRIDE) reads it anyway: the directory case above covers a file
        // that cannot be opened.
        eprintln!("NOTE: running with CAP_DAC_OVERRIDE: a mode-000 file is readable; case skipped");
        return;
    }
    let text = refused_start(&dir);
    assert!(text.contains("opendrs.db"), "{text}");
}

/// Reads one HTTP/1.1 response with a `content-length` from `stream`: the status and the JSON
/// body. A reset or an early close fails the test.
fn read_response(stream: &mut std::net::TcpStream) -> (u16, Value) {
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no content-length: {head}"));
            if got.len() >= end + 4 + length {
                let status = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let body =
                    serde_json::from_slice(&got[end + 4..end + 4 + length]).unwrap_or(Value::Null);
                return (status, body);
            }
        }
        let n = stream
            .read(&mut buf)
            .expect("an answer, not a reset or a timeout");
        assert!(n > 0, "closed early: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
}

// --- (b) SIGTERM under load ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_under_load_answers_accepted_requests_exits_zero_and_keeps_every_acknowledged_job()
{
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("data");
    let mut server = serve(&dir);
    let client = Client::of_demo(&dir);
    let base = server.base.clone();

    // One request accepted and half-received when the signal comes: its headers (and half its
    // body) went out on a connection that has already been served once, so the server holds it.
    let path = format!("/v3/{}/jobs/batch-creation", client.project);
    let mut raw = std::net::TcpStream::connect(base.trim_start_matches("http://")).expect("tcp");
    raw.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let request = |body: &str, close: bool| {
        let h = client.headers(&base, &path, body);
        let mut head = format!("POST {path} HTTP/1.1\r\n");
        for (k, v) in &h {
            head.push_str(&format!("{k}: {}\r\n", v.to_str().expect("ascii")));
        }
        head.push_str(&format!("content-length: {}\r\n", body.len()));
        if close {
            head.push_str("connection: close\r\n");
        }
        head.push_str("\r\n");
        head
    };
    let first = creation("held", 0).to_string();
    raw.write_all(format!("{}{first}", request(&first, false)).as_bytes())
        .expect("first request");
    let (status, first_answer) = read_response(&mut raw);
    assert_eq!(status, 202, "{first_answer}");
    let mut acked_first = vec![created_id(&first_answer)];

    // Load: writers create one job per call; every acknowledged ID is kept.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let signalled = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..6 {
        let (client, base, acked, signalled) = (
            client.clone(),
            base.clone(),
            acked.clone(),
            signalled.clone(),
        );
        writers.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut n = 0;
            while Instant::now() < deadline {
                let sent_after_signal = signalled.load(Ordering::SeqCst);
                match client
                    .try_call(
                        &base,
                        "POST",
                        "batch-creation",
                        creation(&format!("load{w}"), n),
                    )
                    .await
                {
                    Ok((202, a)) => acked.lock().expect("acked").push(created_id(&a)),
                    Ok((status, a)) => panic!("writer {w}: {status} {a}"),
                    // Refused or closed once shutting down: never acknowledged, never expected.
                    Err(_) if signalled.load(Ordering::SeqCst) => return sent_after_signal,
                    Err(e) => panic!("writer {w} failed before the signal: {e}"),
                }
                n += 1;
            }
            panic!("writer {w} never saw the server stop");
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().expect("acked").len() < 60 {
        assert!(Instant::now() < deadline, "the writers are stuck");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let held_body = creation("held", 1).to_string();
    let (front, back) = held_body.split_at(held_body.len() / 2);
    raw.write_all(format!("{}{front}", request(&held_body, true)).as_bytes())
        .expect("held request: headers and half the body");
    tokio::time::sleep(Duration::from_millis(200)).await;
    signalled.store(true, Ordering::SeqCst);
    server.sigterm();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The held request is finished after the signal and still answered in full.
    raw.write_all(back.as_bytes())
        .expect("the rest of the held body");
    let (status, held) = read_response(&mut raw);
    assert_eq!(status, 202, "{held}");
    acked_first.push(created_id(&held));

    for w in writers {
        w.await.expect("writer");
    }
    let exit = tokio::task::block_in_place(|| server.wait_exit(Duration::from_secs(30)));
    assert!(
        exit.success(),
        "exit {exit:?}; stderr: {}",
        server.stderr_text()
    );

    // A transaction boundary: the file is whole, and every acknowledged creation is in it.
    {
        let db = rusqlite::Connection::open(dir.join("opendrs.db")).expect("open");
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity_check");
        assert_eq!(check, "ok");
    }
    let mut acked = acked.lock().expect("acked").clone();
    acked.extend(acked_first);
    let again = serve(&dir);
    assert_all_known(&client, &again.base, &acked).await;
}

// --- (c) a full disk ----------------------------------------------------------------------------

/// A tmpfs of `size` mounted on a fresh directory; unmounted (and the directory removed) when
/// dropped. `None` when this machine does not let the test mount one.
struct SmallFs {
    mountpoint: PathBuf,
    _root: tempfile::TempDir,
}

impl SmallFs {
    fn mount(size: &str) -> Result<SmallFs, String> {
        let root = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mountpoint = root.path().join("fs");
        std::fs::create_dir(&mountpoint).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&mountpoint)
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(SmallFs {
            mountpoint,
            _root: root,
        })
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.mountpoint)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            let _ = Command::new("umount")
                .arg("-l")
                .arg(&self.mountpoint)
                .status();
        }
    }
}

/// Writes zeros into `path` until the file system refuses; returns the bytes written.
fn fill(path: &Path) -> u64 {
    let mut f = std::fs::File::create(path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    // Bounded: the file system is a few MiB.
    for _ in 0..100_000 {
        match f.write(&block) {
            Ok(0) | Err(_) => break,
            Ok(n) => written += n as u64,
        }
    }
    let _ = f.sync_all();
    written
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_serves_reads_and_resumes_when_space_returns() {
    let fs = match SmallFs::mount("24m") {
        Ok(fs) => fs,
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must be able to run the full-disk test: {why}"
            );
            eprintln!();
            eprintln!("!!!!!!!! SKIPPED a_full_disk_…: cannot mount a small file system: {why}");
            eprintln!("!!!!!!!! (run as root on Linux to test a full disk)");
            eprintln!();
            return;
        }
    };
    let dir = fs.mountpoint.join("data");
    let mut server = serve(&dir);
    let client = Client::of_demo(&dir);
    let base = server.base.clone();
    let mut acked = Vec::new();
    for n in 0..5 {
        let (status, a) = client
            .call(&base, "batch-creation", creation("disk", n))
            .await;
        assert_eq!(status, 202, "{a}");
        acked.push(created_id(&a));
    }

    // Fill the disk; creations are refused once what SQLite had reserved is used up.
    let filler = fs.mountpoint.join("filler");
    assert!(fill(&filler) > 0, "nothing could be written");
    let mut refused = None;
    for n in 5..2_000 {
        let (status, a) = client
            .call(&base, "batch-creation", creation("disk", n))
            .await;
        match status {
            202 => acked.push(created_id(&a)),
            _ => {
                refused = Some((status, a));
                break;
            }
        }
    }
    let (status, a) = refused.expect("no creation was refused on a full disk");
    assert_eq!(status, 503, "{a}");
    assert_eq!(a["error_code"], "DRS.M00004", "{a}");
    assert!(
        a["error_msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{a}"
    );

    // Reads go on, and the server neither crashed nor hangs.
    for _ in 0..3 {
        let (status, a) = client.call(&base, "", list_body()).await;
        assert_eq!(status, 200, "{a}");
        let (status, a) = client
            .call(&base, "batch-creation", creation("full", 0))
            .await;
        assert_eq!(status, 503, "{a}");
    }
    assert_all_known(&client, &base, &acked).await;
    assert!(server.alive(), "stderr: {}", server.stderr_text());

    // Space returns: writes resume (bounded retries), and nothing acknowledged is lost.
    std::fs::remove_file(&filler).expect("remove filler");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut n = 0;
    loop {
        let (status, a) = client
            .call(&base, "batch-creation", creation("back", n))
            .await;
        if status == 202 {
            acked.push(created_id(&a));
            break;
        }
        assert_eq!(status, 503, "{a}");
        assert!(Instant::now() < deadline, "writes did not resume: {a}");
        n += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for n in 0..5 {
        let (status, a) = client
            .call(&base, "batch-creation", creation("after", n))
            .await;
        assert_eq!(status, 202, "{a}");
        acked.push(created_id(&a));
    }
    assert_all_known(&client, &base, &acked).await;

    // And after a clean stop and a new start too.
    server.sigterm();
    let exit = tokio::task::block_in_place(|| server.wait_exit(Duration::from_secs(30)));
    assert!(
        exit.success(),
        "exit {exit:?}; stderr: {}",
        server.stderr_text()
    );
    drop(server);
    let again = serve(&dir);
    assert_all_known(&client, &again.base, &acked).await;
    drop(again);
    drop(fs);
}
