//! The command-line client, run as a user would: the real `opendrs` binary talking to a real
//! `opendrs serve --demo` on 127.0.0.1 (fast step timings), credentials from flags, environment or a
//! profile. Every run checks that the secret key appears in no output.

use serde_json::{json, Value};
use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

mod common;

/// A running `opendrs serve --demo` (killed when dropped, before its data directory goes) and
/// the `demo.json` it wrote.
struct Server {
    _server: common::Server,
    _dir: tempfile::TempDir,
    demo: Value,
}

fn start() -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = common::serve_command(dir.path(), true);
    cmd.env("OPENDRS_STEP_CREATE_MS", "150")
        .env("OPENDRS_STEP_START_MS", "250")
        .env("OPENDRS_STEP_FULL_TRANSFER_MS", "250")
        .env("OPENDRS_STEP_RELEASE_MS", "250")
        .env("OPENDRS_STEP_PRECHECK_MS", "250")
        .env("OPENDRS_EXECUTOR_POLL_MS", "20");
    // demo.json is written (with the endpoint) before the "try it" block is printed.
    let server = common::Server::start(cmd);
    let demo = common::demo_json(dir.path());
    Server {
        _server: server,
        _dir: dir,
        demo,
    }
}

impl Server {
    fn get(&self, key: &str) -> String {
        self.demo[key].as_str().expect(key).to_string()
    }

    /// The credentials as environment variables.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OPENDRS_ENDPOINT", self.get("endpoint")),
            ("OPENDRS_AK", self.get("ak")),
            ("OPENDRS_SK", self.get("sk")),
            ("OPENDRS_PROJECT_ID", self.get("project_id")),
        ]
    }

    /// The list API called directly (signed here), to compare the client's numbers with.
    async fn list_api(&self, body: Value) -> Value {
        let (_, answer) = common::Client::of_demo_json(&self.demo)
            .call(&self.get("endpoint"), "", body)
            .await;
        assert!(!answer.is_null(), "the list answered no JSON");
        answer
    }
}

/// A client run: no credentials inherited from the test's environment, the profile file in `home`.
struct Run {
    home: PathBuf,
    secrets: Vec<String>,
}

impl Run {
    fn new(home: &Path, server: Option<&Server>) -> Run {
        let mut secrets = vec!["exampleSecretKey-not-real".to_string()];
        if let Some(s) = server {
            secrets.extend(["sk", "viewer_sk", "other_sk"].map(|k| s.get(k)));
        }
        Run {
            home: home.to_path_buf(),
            secrets,
        }
    }

    fn config(&self) -> PathBuf {
        self.home.join("credentials.toml")
    }

    fn run(&self, args: &[&str], env: &[(&str, String)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_opendrs"));
        cmd.args(args);
        for k in [
            "OPENDRS_ENDPOINT",
            "OPENDRS_AK",
            "OPENDRS_SK",
            "OPENDRS_PROJECT_ID",
            "OPENDRS_PROFILE",
            "HTTP_PROXY",
            "http_proxy",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("HOME", &self.home)
            .env("OPENDRS_CLIENT_CONFIG", self.config())
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run opendrs");
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        for sk in &self.secrets {
            assert!(
                !stdout.contains(sk.as_str()) && !stderr.contains(sk.as_str()),
                "{args:?} printed a secret key"
            );
        }
        out
    }

    /// Runs and expects success; the stdout.
    fn ok(&self, args: &[&str], env: &[(&str, String)]) -> String {
        let out = self.run(args, env);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn json(&self, args: &[&str], env: &[(&str, String)]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all, env)).expect("JSON output")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| j["id"].as_str().expect("id").to_string())
        .collect()
}

#[tokio::test]
async fn listing_with_filters_shows_the_apis_numbers_as_a_table_and_as_json_and_all_reads_every_page(
) {
    let server = start();
    let home = tempfile::tempdir().expect("home");
    let run = Run::new(home.path(), Some(&server));
    let env = server.env();

    let api = server
        .list_api(json!({"db_use_type": "migration", "per_page": 10, "cur_page": 1}))
        .await;
    let total = api["total_record"].as_u64().expect("total");
    assert!(total > 30, "the demo has many migration jobs");
    let table = run.ok(&["jobs", "list"], &env);
    assert!(table.starts_with("ID "), "{table}");
    assert!(
        table.contains(&format!("page 1: 10 of {total} jobs")),
        "{table}"
    );
    let first = ids(&api);
    assert!(
        table.contains(&first[0]),
        "the newest job is on the first line"
    );

    let listed = run.json(&["jobs", "list", "--per-page", "10"], &env);
    assert_eq!(listed["total_record"], api["total_record"]);
    assert_eq!(ids(&listed), first);

    // Every filter reaches the query: the numbers are the API's for the same body.
    let filtered = run.json(
        &[
            "jobs",
            "list",
            "--type",
            "sync",
            "--status",
            "CONFIGURATION",
            "--engine",
            "mysql",
            "--net-type",
            "vpc",
            "--name",
            "a",
            "--tag",
            "env=prod",
            "--instance-ip",
            "10.0.0.1",
            "--instance-id",
            "i-1",
            "--enterprise-project",
            "0",
            "--page",
            "2",
            "--per-page",
            "3",
        ],
        &env,
    );
    let same = server
        .list_api(
            json!({"db_use_type": "sync", "status": "CONFIGURATION", "engine_type": "mysql",
            "net_type": "vpc", "name": "a", "tags": {"env": "prod"}, "instance_ip": "10.0.0.1",
            "instance_ids": ["i-1"], "enterprise_project_id": "0", "cur_page": 2, "per_page": 3}),
        )
        .await;
    assert_eq!(filtered["total_record"], same["total_record"]);
    assert_eq!(filtered["jobs"], same["jobs"]);

    let by_status = run.json(
        &["jobs", "list", "--status", "CONFIGURATION", "--all"],
        &env,
    );
    let api_status = server
        .list_api(json!({"db_use_type": "migration", "status": "CONFIGURATION"}))
        .await;
    assert_eq!(by_status["total_record"], api_status["total_record"]);
    assert!(by_status["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .all(|j| j["status"] == "CONFIGURATION"));

    // --all follows pages (of 7 here) until total_record jobs are read, each once.
    let all = run.json(&["jobs", "list", "--all", "--per-page", "7"], &env);
    let all_ids = ids(&all);
    assert_eq!(all_ids.len() as u64, total);
    assert_eq!(all_ids.iter().collect::<HashSet<_>>().len(), all_ids.len());
    let yaml = run.ok(&["jobs", "list", "--per-page", "1", "-o", "yaml"], &env);
    assert!(yaml.contains(&format!("total_record: {total}")), "{yaml}");
    let table_all = run.ok(&["jobs", "list", "--all"], &env);
    assert!(
        table_all.ends_with(&format!("{total} of {total} jobs\n")),
        "{table_all}"
    );
}

#[test]
fn a_precheck_that_fails_is_reported_and_the_command_fails() {
    let server = start();
    let home = tempfile::tempdir().expect("home");
    let run = Run::new(home.path(), Some(&server));
    let env = server.env();
    let created = run.json(
        &[
            "jobs",
            "create",
            "--name",
            "cli-unreachable",
            "--subnet-id",
            "subnet-1",
            "--source-ip",
            "db.gone.invalid",
            "--target-instance",
            "rds-1",
        ],
        &env,
    );
    let id = created["results"][0]["id"]
        .as_str()
        .expect("created")
        .to_string();
    let watch = ["--watch", "--interval", "100ms", "--timeout", "60s"];
    run.ok(&[&["jobs", "status", &id][..], &watch].concat(), &env);
    let checked = run.run(&[&["jobs", "precheck", &id][..], &watch].concat(), &env);
    assert!(
        !checked.status.success(),
        "a failed precheck fails the command"
    );
    let stderr = text(&checked.stderr);
    assert!(
        stderr.contains("srcDbConnection") && stderr.contains("HOST_UNREACHABLE"),
        "{stderr}"
    );
}

#[test]
fn a_created_job_started_with_watch_settles_and_its_tags_can_be_added_and_removed() {
    let server = start();
    let home = tempfile::tempdir().expect("home");
    let run = Run::new(home.path(), Some(&server));
    let env = server.env();
    let created = run.json(
        &[
            "jobs",
            "create",
            "--name",
            "cli-orders",
            "--subnet-id",
            "subnet-1",
            "--source-ip",
            "10.0.0.8",
            "--source-port",
            "3306",
            "--source-user",
            "root",
            "--target-instance",
            "rds-1",
            "--tag",
            "team=data",
        ],
        &env,
    );
    let id = created["results"][0]["id"]
        .as_str()
        .expect("created")
        .to_string();
    let watch = ["--watch", "--interval", "100ms", "--timeout", "60s"];

    // CREATING settles in CONFIGURATION; the start moves on to incremental transfer.
    let settled = run.ok(&[&["jobs", "status", &id][..], &watch].concat(), &env);
    assert!(settled.contains("CONFIGURATION"), "{settled}");
    // A created job starts after a passed precheck: refused before, accepted after.
    let early = run.run(&["jobs", "start", &id], &env);
    assert!(!early.status.success());
    assert!(
        text(&early.stderr).contains("DRS.M00304"),
        "{}",
        text(&early.stderr)
    );
    let checked = run.ok(&[&["jobs", "precheck", &id][..], &watch].concat(), &env);
    assert!(
        checked.contains("100%") && checked.contains("true"),
        "{checked}"
    );
    let started = run.run(&[&["jobs", "start", &id][..], &watch].concat(), &env);
    assert!(started.status.success(), "{}", text(&started.stderr));
    let (stdout, stderr) = (text(&started.stdout), text(&started.stderr));
    assert!(stdout.contains("INCRE_TRANSFER_STARTED"), "{stdout}");
    assert!(
        stderr.contains("STARTJOBING"),
        "each change is shown: {stderr}"
    );
    let status = run.json(&["jobs", "status", &id], &env);
    assert_eq!(status["results"][0]["status"], "INCRE_TRANSFER_STARTED");

    let tags = run.json(
        &[
            "jobs", "tag", &id, "--add", "env=prod", "--add", "tier=1", "--remove", "team",
        ],
        &env,
    );
    assert_eq!(
        tags["tags"],
        json!([{"key": "env", "value": "prod"}, {"key": "tier", "value": "1"}])
    );
    let tags = run.ok(
        &[
            "jobs",
            "tag",
            &id,
            "--type",
            "migration",
            "--remove",
            "tier",
        ],
        &env,
    );
    assert!(
        tags.contains("env  prod") && !tags.contains("tier"),
        "{tags}"
    );

    run.ok(
        &["jobs", "modify", &id, "--name", "cli-orders-renamed"],
        &env,
    );
    let shown = run.json(&["jobs", "show", &id], &env);
    assert_eq!(shown["results"][0]["name"], "cli-orders-renamed");
    let stopped = run.json(&[&["jobs", "terminate", &id][..], &watch].concat(), &env);
    assert_eq!(
        stopped["statuses"][0]["status"],
        "RELEASE_RESOURCE_COMPLETE"
    );
    run.ok(&["jobs", "delete", &id], &env);
    let status = run.json(&["jobs", "status", &id], &env);
    assert_eq!(status["results"][0]["status"], "DELETED");
}

#[test]
fn a_refused_item_or_a_bad_secret_key_prints_the_error_code_and_exits_non_zero() {
    let server = start();
    let home = tempfile::tempdir().expect("home");
    let run = Run::new(home.path(), Some(&server));
    let env = server.env();
    let known = ids(&run.json(&["jobs", "list", "--per-page", "1"], &env)).remove(0);

    let out = run.run(&["jobs", "status", &known, "no-such-job"], &env);
    assert!(!out.status.success());
    assert!(
        text(&out.stdout).contains(&known),
        "the other item is shown"
    );
    let err = text(&out.stderr);
    assert!(err.contains("no-such-job: DRS.M05003"), "{err}");
    assert!(err.contains("1 of 2 jobs failed"), "{err}");

    let out = run.run(&["jobs", "start", "no-such-job"], &env);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("DRS.M05003"));

    let out = run.run(&["jobs", "create", "--name", "no-subnet"], &env);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("DRS.M00201"),
        "{}",
        text(&out.stderr)
    );

    let mut bad = env.clone();
    bad.retain(|(k, _)| *k != "OPENDRS_SK");
    bad.push(("OPENDRS_SK", "exampleSecretKey-not-real".to_string()));
    let out = run.run(&["jobs", "list"], &bad);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("APIGW.0301") && err.contains("HTTP 401"),
        "{err}"
    );
    assert!(text(&out.stdout).is_empty());

    let out = run.run(&["jobs", "list"], &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("OPENDRS_ENDPOINT"),
        "what is missing is named"
    );
}

#[test]
fn configure_writes_a_private_profile_and_environment_then_flags_override_it() {
    let server = start();
    let home = tempfile::tempdir().expect("home");
    let run = Run::new(home.path(), Some(&server));
    let (endpoint, ak, sk, project) = (
        server.get("endpoint"),
        server.get("ak"),
        server.get("sk"),
        server.get("project_id"),
    );
    let written = run.ok(
        &[
            "configure",
            "--profile",
            "demo",
            "--endpoint",
            &endpoint,
            "--ak",
            &ak,
            "--sk",
            &sk,
            "--project-id",
            &project,
        ],
        &[],
    );
    assert!(written.contains("profile demo written"), "{written}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(run.config())
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stored = std::fs::read_to_string(run.config()).expect("file");
    assert!(stored.contains("[demo]"), "{stored}");

    // The profile alone works, by flag or by OPENDRS_PROFILE.
    let total = run.json(&["jobs", "list", "--profile", "demo"], &[])["total_record"].clone();
    assert!(total.as_u64().is_some_and(|t| t > 0));
    let by_env = run.json(&["jobs", "list"], &[("OPENDRS_PROFILE", "demo".into())]);
    assert_eq!(by_env["total_record"], total);
    // A named profile that does not exist is an error.
    let out = run.run(&["jobs", "list", "--profile", "nope"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no profile \"nope\""));

    // The environment overrides the profile: the other project's key and project.
    let other = [
        ("OPENDRS_PROFILE", "demo".to_string()),
        ("OPENDRS_AK", server.get("other_ak")),
        ("OPENDRS_SK", server.get("other_sk")),
        ("OPENDRS_PROJECT_ID", server.get("other_project_id")),
    ];
    let other_total = run.json(&["jobs", "list"], &other)["total_record"].clone();
    assert_ne!(other_total, total, "the other project's jobs");
    // Flags override the environment: a bad endpoint from the environment, the right one by flag.
    let mut flagged = other.to_vec();
    flagged.push(("OPENDRS_ENDPOINT", "http://127.0.0.1:1".to_string()));
    let out = run.run(&["jobs", "list"], &flagged);
    assert!(!out.status.success(), "the environment's endpoint is used");
    let by_flag = run.json(
        &[
            "jobs",
            "list",
            "--endpoint",
            &endpoint,
            "--project-id",
            &project,
            "--ak",
            &ak,
        ],
        &[
            ("OPENDRS_PROFILE", "demo".to_string()),
            ("OPENDRS_ENDPOINT", "http://127.0.0.1:1".into()),
        ],
    );
    assert_eq!(by_flag["total_record"], total);

    // Without a terminal, configure needs every value; it never echoes the SK.
    let out = run.run(
        &["configure", "--profile", "half", "--endpoint", &endpoint],
        &[],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--sk"));
}

#[test]
fn completions_print_a_script_for_each_shell() {
    let home = tempfile::tempdir().expect("home");
    let run = Run::new(home.path(), None);
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef opendrs"),
        ("fish", "complete -c opendrs"),
    ] {
        let script = run.ok(&["completions", shell], &[]);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("jobs"),
            "{shell} completes the jobs commands"
        );
    }
}
