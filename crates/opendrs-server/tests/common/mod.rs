//! What the tests that run the real binary share (`backup`, `cli`, `client`, `demo`, `faults`,
//! `restart`): the `opendrs` command run to its end; `opendrs serve` on loopback port 0, its endpoint read from what it prints, killed
//! when dropped; a client signing as the SDK does with the demo admin's AK/SK; a job's creation.
// Each test crate uses its part of this module.
#![allow(dead_code)]

use opendrs_core::signing::sign_request;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};
use std::{
    path::Path,
    process::{Child, Command, ExitStatus, Output, Stdio},
    sync::mpsc::Receiver,
    time::{Duration, Instant},
};

/// `opendrs <args> --data-dir <dir>` run to its end (warnings only; SQLite in `dir`: an inherited
/// `OPENDRS_DATABASE_URL` is dropped).
pub fn opendrs(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opendrs"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env("OPENDRS_LOG_LEVEL", "warn")
        .env_remove("OPENDRS_DATABASE_URL")
        .output()
        .expect("run opendrs")
}

/// How long a server may take to print its endpoint.
pub const START_WITHIN: Duration = Duration::from_secs(60);

/// `opendrs serve [--demo] --listen 127.0.0.1:0 --data-dir <dir>`: SQLite in `dir` (an
/// inherited `OPENDRS_DATABASE_URL` is dropped), warnings only, no throttling, no colours; stdout
/// piped (the endpoint is read from it), stdin and stderr null. Add environment (step timings, a
/// database URL) or send stderr elsewhere before passing it to [`Server::start`] or [`spawn`].
pub fn serve_command(dir: &Path, demo: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_opendrs"));
    cmd.arg("serve");
    if demo {
        cmd.arg("--demo");
    }
    cmd.args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("OPENDRS_DATABASE_URL")
        .env("NO_COLOR", "1")
        .env("OPENDRS_LOG_LEVEL", "warn")
        .env("OPENDRS_THROTTLE_RATE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd
}

/// Starts `cmd`; the receiver gets each `http://127.0.0.1:…` URL the process prints (the "try
/// it" block, printed once `demo.json` is written). Stdout is drained to its end by a thread, so
/// the server never writes into a closed pipe.
pub fn spawn(mut cmd: Command) -> (Child, Receiver<String>) {
    let mut child = cmd.spawn().expect("spawn opendrs");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
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
    (child, rx)
}

/// A running server: SIGKILLed when dropped, also when a failing assertion unwinds, so no server
/// outlives its test.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Where its stderr goes, when the test keeps it ([`Server::start_logged`]).
    pub stderr: Option<tempfile::TempPath>,
}

impl Server {
    /// Starts `cmd` and waits (bounded) for its endpoint.
    pub fn start(cmd: Command) -> Server {
        let (child, rx) = spawn(cmd);
        let base = rx.recv_timeout(START_WITHIN).unwrap_or_default();
        let server = Server {
            child,
            base,
            stderr: None,
        };
        assert!(!server.base.is_empty(), "the server printed no endpoint");
        server
    }

    /// [`Server::start`] with stderr in a temporary file outside the data directory (whose file
    /// system may be full), shown when the server does not come up.
    pub fn start_logged(mut cmd: Command) -> Server {
        let (stderr, file) = stderr_log();
        cmd.stderr(file);
        let (child, rx) = spawn(cmd);
        let base = rx.recv_timeout(START_WITHIN).unwrap_or_default();
        let server = Server {
            child,
            base,
            stderr: Some(stderr),
        };
        assert!(
            !server.base.is_empty(),
            "the server printed no endpoint; stderr: {}",
            server.stderr_text()
        );
        server
    }

    /// What it wrote to stderr so far (with [`Server::start_logged`]; else empty).
    pub fn stderr_text(&self) -> String {
        self.stderr
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM (a graceful stop).
    pub fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -TERM failed");
    }

    /// Waits (bounded) for the process to end.
    pub fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        wait_exit(&mut self.child, within)
    }

    /// SIGKILL, now.
    pub fn kill_9(self) {
        drop(self);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary file for a process's stderr: its path, and the file to hand to the process.
pub fn stderr_log() -> (tempfile::TempPath, std::fs::File) {
    let path = tempfile::Builder::new()
        .prefix("opendrs-test-stderr")
        .tempfile()
        .expect("stderr log")
        .into_temp_path();
    let file = std::fs::File::create(&path).expect("stderr log");
    (path, file)
}

/// Waits (bounded) for `child` to end; kills it and fails if it does not.
pub fn wait_exit(child: &mut Child, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the process did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `demo.json` the demo server writes into its data directory (endpoint, keys, project).
pub fn demo_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("demo.json")).expect("demo.json"))
        .expect("demo.json is JSON")
}

/// The headers of a signed request, as the SDK signs it: `Host`, `Content-Type` and the
/// signature of `method path` with `body` under `ak`/`sk`.
pub fn signed_headers(
    ak: &str,
    sk: &str,
    method: &str,
    base: &str,
    path: &str,
    body: &str,
) -> HeaderMap {
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
        ak,
        sk.as_bytes(),
        method,
        path,
        None,
        &mut h,
        body.as_bytes(),
        time::OffsetDateTime::now_utc(),
    )
    .expect("sign");
    h
}

/// Signs as the SDK does, with the demo admin's AK/SK.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub ak: String,
    pub sk: String,
    pub project: String,
}

impl Client {
    /// The demo admin of the server whose data directory is `dir`.
    pub fn of_demo(dir: &Path) -> Client {
        Client::of_demo_json(&demo_json(dir))
    }

    /// The demo admin named in `demo` (a `demo.json`).
    pub fn of_demo_json(demo: &Value) -> Client {
        let s = |k: &str| demo[k].as_str().expect(k).to_string();
        Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
            ak: s("ak"),
            sk: s("sk"),
            project: s("project_id"),
        }
    }

    /// The signed headers of `POST path` with `body`.
    pub fn headers(&self, base: &str, path: &str, body: &str) -> HeaderMap {
        signed_headers(&self.ak, &self.sk, "POST", base, path, body)
    }

    /// `method /v3/{project}/jobs/{api}` (`""`: the list itself, `POST /v3/{project}/jobs`):
    /// the status and the JSON answer (`null` when it is not JSON), or the transport error.
    pub async fn try_call(
        &self,
        base: &str,
        method: &str,
        api: &str,
        body: Value,
    ) -> Result<(u16, Value), String> {
        let path = match api {
            "" => format!("/v3/{}/jobs", self.project),
            _ => format!("/v3/{}/jobs/{api}", self.project),
        };
        let body = body.to_string();
        let h = signed_headers(&self.ak, &self.sk, method, base, &path, &body);
        let res = self
            .http
            .request(method.parse().expect("method"), format!("{base}{path}"))
            .headers(h)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{e:?}"))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| format!("{e:?}"))?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// `POST /v3/{project}/jobs/{api}`: the status and the JSON answer.
    pub async fn call(&self, base: &str, api: &str, body: Value) -> (u16, Value) {
        self.try_call(base, "POST", api, body)
            .await
            .expect("request")
    }

    /// The status of each ID (`""` for one the server does not know), by `batch-status`.
    pub async fn statuses(&self, base: &str, ids: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            let (status, a) = self
                .call(
                    base,
                    "batch-status",
                    json!({"jobs": chunk, "page_req": {"cur_page": 0}}),
                )
                .await;
            assert_eq!(status, 200, "{a}");
            for r in a["results"].as_array().expect("results") {
                out.push(r["status"].as_str().unwrap_or("").to_string());
            }
        }
        out
    }
}

/// A `batch-creation` item: a MySQL synchronization named `name` (no endpoint addresses).
pub fn sync_job(name: &str) -> Value {
    json!({
        "name": name, "db_use_type": "sync", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc",
        "customize_sutnet_id": "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",
        "source_endpoint": {"db_type": "mysql"}, "target_endpoint": {"db_type": "mysql"}})
}
