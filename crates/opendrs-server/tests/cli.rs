//! The `opendrs` command line, run as a user would: administration with `--json` output, the
//! generator, signing, and clear failures for bad input.

use serde_json::{json, Value};
use std::process::Command;

mod common;

use common::opendrs;

fn json(dir: &std::path::Path, args: &[&str]) -> Value {
    let out = opendrs(dir, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json output")
}

#[test]
fn an_administrator_can_set_up_an_account_with_users_roles_and_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    json(
        d,
        &["admin", "account", "create", "--name", "acme", "--json"],
    );
    let project = json(
        d,
        &[
            "admin",
            "project",
            "create",
            "--account",
            "acme",
            "--name",
            "cn-north-4",
            "--json",
        ],
    );
    let pid = project["id"].as_str().expect("id").to_string();
    assert_eq!(pid.len(), 32);
    let user = json(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            "acme",
            "--name",
            "alice",
            "--json",
        ],
    );
    assert_eq!(user["password"].as_str().map(str::len), Some(16));
    let out = opendrs(
        d,
        &[
            "admin",
            "role",
            "grant",
            "--account",
            "acme",
            "--user",
            "alice",
            "--project",
            &pid,
            "--role",
            "drs_viewer",
        ],
    );
    assert!(out.status.success());
    let key = json(
        d,
        &[
            "admin",
            "key",
            "create",
            "--account",
            "acme",
            "--user",
            "alice",
            "--json",
        ],
    );
    let ak = key["ak"].as_str().expect("ak").to_string();
    assert_eq!((ak.len(), key["sk"].as_str().map(str::len)), (20, Some(40)));

    let users = json(d, &["admin", "list", "users", "--json"]);
    assert_eq!(users[0]["name"], "alice");
    assert_eq!(users[0]["roles"][0], format!("drs_viewer@{pid}"));
    let keys = json(d, &["admin", "list", "keys", "--json"]);
    assert_eq!(keys[0]["ak"], ak.as_str());
    assert!(
        !String::from_utf8_lossy(&opendrs(d, &["admin", "list", "keys"]).stdout)
            .contains(key["sk"].as_str().unwrap_or("-"))
    );

    let rotated = json(d, &["admin", "key", "rotate", &ak, "--json"]);
    assert_ne!(rotated["ak"], ak.as_str());
    let keys = json(d, &["admin", "list", "keys", "--json"]);
    assert_eq!(keys.as_array().map(Vec::len), Some(1));
    assert!(opendrs(
        d,
        &[
            "admin",
            "user",
            "disable",
            "--account",
            "acme",
            "--name",
            "alice"
        ]
    )
    .status
    .success());
    assert_eq!(
        json(d, &["admin", "list", "users", "--json"])[0]["enabled"],
        false
    );
}

#[test]
fn bad_administrative_input_fails_with_a_message_and_a_nonzero_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let cases: [&[&str]; 4] = [
        &[
            "admin",
            "project",
            "create",
            "--account",
            "nobody",
            "--name",
            "x",
            "--id",
            "0123456789abcdef0123456789abcdef",
        ],
        &[
            "admin",
            "user",
            "create",
            "--account",
            "nobody",
            "--name",
            "x",
        ],
        &["admin", "key", "delete", "NOSUCHKEY"],
        &[
            "admin",
            "project",
            "create",
            "--account",
            "acme",
            "--name",
            "x",
            "--id",
            "NOT-HEX",
        ],
    ];
    json(
        d,
        &["admin", "account", "create", "--name", "acme", "--json"],
    );
    for args in cases {
        let out = opendrs(d, args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("opendrs: "), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Invalid parameter"),
            "{err}"
        );
    }
}

#[test]
fn creating_what_already_exists_says_so_in_plain_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    json(
        d,
        &["admin", "account", "create", "--name", "acme", "--json"],
    );
    let again = opendrs(d, &["admin", "account", "create", "--name", "acme"]);
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("an account named \"acme\" already exists") && !err.contains("UNIQUE"),
        "{err}"
    );
    json(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            "acme",
            "--name",
            "bob",
            "--json",
        ],
    );
    let again = opendrs(
        d,
        &[
            "admin",
            "user",
            "create",
            "--account",
            "acme",
            "--name",
            "bob",
        ],
    );
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("already exists") && !err.contains("UNIQUE"),
        "{err}"
    );
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let args = [
        "admin",
        "generate",
        "--jobs",
        "500",
        "--projects",
        "5",
        "--big-project-jobs",
        "300",
        "--seed",
        "9",
    ];
    let sa = json(a.path(), &args);
    let sb = json(b.path(), &args);
    assert_eq!(sa, sb);
    assert_eq!(
        (
            sa["jobs"].as_u64(),
            sa["projects"].as_u64(),
            sa["small_project_jobs"].as_u64()
        ),
        (Some(500), Some(5), Some(50))
    );
}

#[test]
fn sign_prints_headers_that_carry_a_signature() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = dir.path().join("b.json");
    std::fs::write(&body, br#"{"db_use_type":"sync"}"#).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_opendrs"))
        .args([
            "sign",
            "--ak",
            "AK",
            "--sk",
            "SK",
            "--url",
            "http://127.0.0.1:1/v3/abc/jobs",
            "--body-file",
        ])
        .arg(&body)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature="), "{text}");
    assert!(text.contains("x-project-id: abc"));
}

/// Starts `serve --demo` on a free port, reads its "try it" block, returns it with the
/// demo.json it wrote, and stops the server.
fn demo_run(dir: &std::path::Path) -> (Value, String) {
    use std::io::BufRead;
    let mut child = common::serve_command(dir, true).spawn().expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut printed = String::new();
    for line in std::io::BufReader::new(stdout).lines().take(40) {
        let line = line.expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("print(client.show_job_list") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (common::demo_json(dir), printed)
}

#[test]
fn the_demo_seeds_once_and_a_second_start_reuses_the_data_and_the_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, printed) = demo_run(dir.path());
    for key in [
        "endpoint",
        "project_id",
        "other_project_id",
        "domain",
        "user",
        "password",
        "ak",
        "sk",
        "viewer_ak",
        "viewer_sk",
    ] {
        assert!(
            first[key].as_str().is_some_and(|v| !v.is_empty()),
            "demo.json lacks {key}"
        );
    }
    assert!(
        printed.contains("Try it") && printed.contains(first["ak"].as_str().unwrap_or("-")),
        "{printed}"
    );
    let (second, _) = demo_run(dir.path());
    for key in ["project_id", "password", "ak", "sk", "viewer_ak"] {
        assert_eq!(first[key], second[key], "{key} changed between starts");
    }
    let keys = json(dir.path(), &["admin", "list", "keys", "--json"]);
    assert_eq!(
        keys.as_array().map(Vec::len),
        Some(3),
        "no new keys on the second start: {keys}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The data directory's SQLite database, as the commands open it.
async fn open_db(
    dir: &std::path::Path,
) -> opendrs_core::store::StoreResult<std::sync::Arc<dyn opendrs_core::store::Backend>> {
    let url = opendrs_store::DatabaseUrl::Sqlite(dir.join("opendrs.db"));
    opendrs_store::open(&url, opendrs_store::OpenOptions::default()).await
}

/// A store with one project and one job created (through the lifecycle write path) on a virtual
/// clock: its `CREATING` → `CONFIGURATION` step is due 5 s of virtual time later.
fn store_with_a_creating_job(dir: &std::path::Path) -> (opendrs_core::caller::Tenant, String) {
    use opendrs_core::{
        audit::Actor,
        executor::{ClockMode, ExecutorSettings},
        ops::{parse_batch, BatchKind},
        store::{Dialect, JobWrite},
    };
    let rt = runtime();
    let store = rt.block_on(open_db(dir)).expect("open");
    let tenant = rt
        .block_on(store.project_upsert("00112233445566778899aabbccddeeff", "cn-north-4", &[], 0))
        .expect("project");
    let body = serde_json::json!({"jobs": [{
        "name": "clocked-job", "db_use_type": "migration", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "subnet-1",
        "source_endpoint": {}, "target_endpoint": {}
    }]});
    let items = parse_batch(BatchKind::Create, body.to_string().as_bytes()).expect("items");
    let write = JobWrite {
        operation: "BatchCreateJobs",
        dialect: Dialect::V3,
        actor: Actor {
            user_id: "cli-test".into(),
            request_id: "req-1".into(),
        },
        now_ms: 1_700_000_000_000,
        visible_eps: None,
        settings: ExecutorSettings {
            clock: ClockMode::Virtual,
            ..ExecutorSettings::default()
        },
        reachability: Default::default(),
        default_quota: opendrs_core::quota::DEFAULT_INSTANCES,
        items,
    };
    let out = rt
        .block_on(opendrs_core::writes::job_write(&*store, &tenant, write))
        .expect("write");
    let id = out[0].job_id().expect("created").to_string();
    (tenant, id)
}

#[test]
fn the_virtual_clock_moves_on_command_and_applies_what_falls_due() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (tenant, id) = store_with_a_creating_job(dir.path());
    let out = opendrs(dir.path(), &["admin", "clock", "advance", "4s"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("0 transitions applied"), "{text}");
    let out = opendrs(dir.path(), &["admin", "clock", "advance", "1000ms"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(text.contains("1 transitions applied"), "{text}");
    let rt = runtime();
    let store = rt.block_on(open_db(dir.path())).expect("open");
    let history = rt
        .block_on(store.job_history(&tenant, &id))
        .expect("history");
    assert_eq!(
        history.last().map(|(_, to, _)| to.as_str()),
        Some("CONFIGURATION")
    );
    let bad = opendrs(dir.path(), &["admin", "clock", "advance", "soon"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expected a number"));
}

#[test]
fn the_audit_trail_is_shown_and_filtered_by_project_and_time() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (tenant, id) = store_with_a_creating_job(dir.path());
    let all = json(dir.path(), &["admin", "audit", "--json"]);
    let records = all.as_array().expect("array");
    assert_eq!(records.len(), 1, "{all}");
    assert_eq!(records[0]["action"], "BatchCreateJobs");
    assert_eq!(records[0]["user_id"], "cli-test");
    assert_eq!(records[0]["request_id"], "req-1");
    assert_eq!(records[0]["outcome"], "success");
    assert_eq!(records[0]["job_ids"][0], id.as_str());
    let mine = json(
        dir.path(),
        &["admin", "audit", "--json", "--project", tenant.project_id()],
    );
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    let other = json(
        dir.path(),
        &[
            "admin",
            "audit",
            "--json",
            "--project",
            "ffffffffffffffffffffffffffffffff",
        ],
    );
    assert_eq!(other.as_array().map(Vec::len), Some(0));
    let later = json(
        dir.path(),
        &[
            "admin",
            "audit",
            "--json",
            "--since",
            "2023-11-14T22:13:21Z",
        ],
    );
    assert_eq!(
        later.as_array().map(Vec::len),
        Some(0),
        "recorded at 22:13:20"
    );
    let human = opendrs(dir.path(), &["admin", "audit"]);
    let text = String::from_utf8_lossy(&human.stdout).to_string();
    assert!(
        text.contains("2023-11-14 22:13:20 UTC") && text.contains("BatchCreateJobs"),
        "{text}"
    );
    let bad = opendrs(dir.path(), &["admin", "audit", "--since", "yesterday"]);
    assert!(!bad.status.success());
}

#[test]
fn migrate_brings_a_database_to_this_builds_schema_and_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = opendrs(dir.path(), &["admin", "migrate"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (v, known) = (
        text.split("schema version ")
            .nth(1)
            .and_then(|t| t.split(' ').next()),
        text.split("knows ")
            .nth(1)
            .and_then(|t| t.split(')').next()),
    );
    assert!(v.is_some() && v == known, "{text}");
    assert!(text.contains("opendrs.db"), "{text}");
}

#[test]
fn list_projects_shows_generated_projects_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = opendrs(
        dir.path(),
        &[
            "admin",
            "generate",
            "--jobs",
            "30",
            "--projects",
            "3",
            "--big-project-jobs",
            "10",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = json(dir.path(), &["admin", "list", "projects", "--json"]);
    let names: Vec<&str> = listed
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["gen-project-0", "gen-project-1", "gen-project-2"]);
}

#[test]
fn an_administrator_sets_shows_and_resets_a_projects_job_quota() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    json(
        d,
        &["admin", "account", "create", "--name", "acme", "--json"],
    );
    let project = json(
        d,
        &[
            "admin",
            "project",
            "create",
            "--account",
            "acme",
            "--name",
            "p",
            "--json",
        ],
    );
    let pid = project["id"].as_str().expect("id").to_string();
    let shown = json(d, &["admin", "quota", "show", "--project", &pid, "--json"]);
    assert_eq!(
        (&shown["quota"], &shown["configured"], &shown["used"]),
        (&json!(1_000_000), &json!(false), &json!(0)),
        "{shown}"
    );
    let set = json(
        d,
        &[
            "admin",
            "quota",
            "set",
            "--project",
            &pid,
            "--instances",
            "12",
            "--json",
        ],
    );
    assert_eq!(
        (&set["quota"], &set["configured"]),
        (&json!(12), &json!(true))
    );
    let human = opendrs(d, &["admin", "quota", "show", "--project", &pid]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("quota 12 (configured), used 0"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );
    let reset = json(
        d,
        &[
            "admin",
            "quota",
            "set",
            "--project",
            &pid,
            "--default",
            "--json",
        ],
    );
    assert_eq!(reset["configured"], false);
    for bad in [
        vec![
            "admin",
            "quota",
            "set",
            "--project",
            &pid,
            "--instances",
            "10000001",
        ],
        vec!["admin", "quota", "set", "--project", &pid],
        vec!["admin", "quota", "show", "--project", "nosuchproject"],
    ] {
        let out = opendrs(d, &bad);
        assert!(!out.status.success(), "{bad:?} succeeded");
        assert!(!out.stderr.is_empty(), "{bad:?}: no message");
    }
}
