//! Holding up under abuse: login floods and guessing, idle and slow connections, malformed
//! HTTP, unbounded input, and secrets on disk.

use crate::helpers::{Cred, TestApp, ACCOUNT};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn login_body(user: &str, password: &str, project_id: &str) -> Vec<u8> {
    json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": user, "password": password, "domain": {"name": ACCOUNT}}}},
        "scope": {"project": {"id": project_id}}}})
    .to_string()
    .into_bytes()
}

async fn login(app: &TestApp, user: &str, password: &str) -> crate::helpers::Answer {
    let body = login_body(user, password, app.p1.project_id());
    app.send("POST", "/v3/auth/tokens", &Cred::None, &[], &body)
        .await
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_user_and_the_answer_is_that_of_a_wrong_password() {
    let app = TestApp::spawn().await;
    let wrong = login(&app, "admin", "wrong").await;
    assert_eq!((wrong.status, wrong.code()), (401, "APIGW.0301"));
    for _ in 0..4 {
        assert_eq!(login(&app, "admin", "wrong").await.status, 401);
    }
    let locked = login(&app, "admin", "pw-secret-1").await;
    assert_eq!(locked.status, 401, "the right password of a locked user");
    assert_eq!(locked.body["error_msg"], wrong.body["error_msg"]);
    let unknown = login(&app, "nobody", "pw-secret-1").await;
    assert_eq!(
        (unknown.status, unknown.body["error_msg"].clone()),
        (401, wrong.body["error_msg"].clone())
    );
    let other = login(&app, "viewer", "pw-secret-1").await;
    assert_eq!(
        other.status, 201,
        "another user is not locked: {}",
        other.text
    );
}

#[tokio::test]
async fn a_lock_ends_after_the_lockout_time() {
    let app = TestApp::spawn_with(|c| {
        c.login_max_failures = 2;
        c.login_lockout_secs = 1;
    })
    .await;
    for _ in 0..2 {
        assert_eq!(login(&app, "admin", "wrong").await.status, 401);
    }
    assert_eq!(login(&app, "admin", "pw-secret-1").await.status, 401);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(login(&app, "admin", "pw-secret-1").await.status, 201);
}

#[tokio::test]
async fn many_failures_from_one_address_lock_the_address_for_every_user() {
    let app = TestApp::spawn_with(|c| c.login_address_max_failures = 3).await;
    for user in ["a1", "a2", "a3"] {
        assert_eq!(login(&app, user, "wrong").await.status, 401);
    }
    assert_eq!(login(&app, "viewer", "pw-secret-1").await.status, 401);
}

#[tokio::test]
async fn logins_beyond_the_password_check_capacity_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.login_concurrency = 1;
        c.login_queue_ms = 1;
        c.login_max_failures = 0;
        c.login_address_max_failures = 0;
    })
    .await;
    let answers = futures::future::join_all((0..24).map(|_| login(&app, "admin", "wrong"))).await;
    let throttled: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(
        !throttled.is_empty(),
        "24 logins at once, one check at a time"
    );
    for a in &throttled {
        assert_eq!(a.code(), "APIGW.0308");
        assert!(a.headers.get("retry-after").is_some());
    }
    assert!(answers.iter().all(|a| matches!(a.status, 401 | 429)));
}

/// Reads until the peer closes (true) or `limit` passes (false).
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read_all).await.is_ok()
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = TestApp::spawn_with(|c| {
        c.idle_timeout_secs = 1;
        c.header_read_timeout_secs = 300;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 1024];
    let n = s.read(&mut buf).await.expect("answer");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(
        closed_within(&mut s, Duration::from_secs(30)).await,
        "an idle connection stays open"
    );
}

#[tokio::test]
async fn a_connection_that_sends_its_headers_slowly_is_closed() {
    let app = TestApp::spawn_with(|c| {
        c.header_read_timeout_secs = 1;
        c.idle_timeout_secs = 300;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    assert!(
        closed_within(&mut s, Duration::from_secs(30)).await,
        "a slow-header connection stays open"
    );
}

#[tokio::test]
async fn an_over_long_uri_and_over_large_headers_get_an_error_body() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let res = client
        .get(format!("{}/health?x={}", app.base, "a".repeat(20_000)))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 414);
    let body: Value = res.json().await.expect("json body");
    assert_eq!(body["error_code"], "APIGW.0201");
    assert!(body["request_id"].is_string());
    let res = client
        .get(format!("{}/health", app.base))
        .header("x-filler", "b".repeat(20_000))
        .header("x-language", "zh-cn")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 431);
    let body: Value = res.json().await.expect("json body");
    assert_eq!(body["error_code"], "APIGW.0201");
    assert!(body["error_msg"]
        .as_str()
        .is_some_and(|m| m.contains("请求头")));
}

#[tokio::test]
async fn conflicting_content_lengths_are_refused_without_a_server_error() {
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    s.write_all(
        b"POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
    )
    .await
    .expect("write");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
}

#[tokio::test]
async fn an_over_long_name_filter_is_refused_and_a_hundred_ids_are_not() {
    let app = TestApp::spawn().await;
    let a = app
        .list(json!({"db_use_type": "migration", "name": "x".repeat(900_000)}))
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"), "{}", a.text);
    assert!(a.msg().contains("name"));
    let ids: Vec<String> = (0..100)
        .map(|i| format!("00000000-0000-0000-0000-00000{i:03}jb00"))
        .collect();
    let a = app
        .list(json!({"db_use_type": "migration", "name": ids.join(", ")}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let a = app
        .list(json!({"db_use_type": "migration", "name": "a\u{0}b"}))
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
}

fn creation(overrides: Value) -> Value {
    let mut item = json!({
        "name": "bounded-job", "db_use_type": "migration", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "subnet-1",
        "source_endpoint": {"db_type": "mysql", "ip": "10.0.0.1"},
        "target_endpoint": {"db_type": "mysql"}
    });
    if let (Some(item), Some(o)) = (item.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            item.insert(k.clone(), v.clone());
        }
    }
    json!({"jobs": [item]})
}

#[tokio::test]
async fn creation_refuses_unbounded_strings_control_characters_and_huge_numbers() {
    let app = TestApp::spawn().await;
    let path = format!("/v3/{}/jobs/batch-creation", app.p1.project_id());
    let cases = [
        (
            json!({"customize_sutnet_id": "s".repeat(100_000)}),
            "jobs[0].customize_sutnet_id",
        ),
        (
            json!({"source_endpoint": {"db_type": "mysql", "ip": "1".repeat(100_000)}}),
            "jobs[0].source_endpoint.ip",
        ),
        (json!({"description": "a\u{0}b"}), "jobs[0].description"),
        (
            json!({"charging_mode": "period",
                   "period_order": {"period_type": 2, "period_num": 1_000_000_000_000_000i64}}),
            "jobs[0].period_order.period_num",
        ),
    ];
    for (overrides, field) in cases {
        let body = creation(overrides).to_string();
        let a = app
            .send("POST", &path, &app.admin, &[], body.as_bytes())
            .await;
        assert_eq!(a.status, 202, "{}", a.text);
        let item = &a.body["results"][0];
        assert_eq!(item["error_code"], "DRS.M00202", "{field}: {}", a.text);
        assert!(
            item["error_msg"]
                .as_str()
                .is_some_and(|m| m.contains(field)),
            "{field}: {}",
            a.text
        );
    }
    let body = creation(json!({})).to_string();
    let a = app
        .send("POST", &path, &app.admin, &[], body.as_bytes())
        .await;
    assert_eq!(a.body["results"][0]["status"], "CREATING", "{}", a.text);
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
}

#[tokio::test]
async fn the_master_key_and_demo_json_are_readable_by_the_owner_only() {
    let app = TestApp::spawn().await;
    #[cfg(unix)]
    assert_eq!(mode(&app.store_dir().join("master.key")), 0o600);
    let dir = tempfile::tempdir().expect("tempdir");
    let info: opendrs_server::demo::DemoInfo = serde_json::from_value(json!({
        "endpoint": "http://127.0.0.1:1", "auth": true, "domain": "d", "project_id": "p",
        "project_name": "n", "other_project_id": "o", "other_project_name": "m", "user": "u",
        "password": "secret", "ak": "a", "sk": "s", "viewer_user": "v", "viewer_password": "w",
        "viewer_ak": "b", "viewer_sk": "t", "other_ak": "c", "other_sk": "r", "jobs": 1,
        "other_jobs": 1}))
    .expect("demo info");
    opendrs_server::demo::write_file(dir.path(), &info).expect("write");
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("demo.json")), 0o600);
}

#[test]
fn processes_starting_together_on_a_new_data_dir_end_with_one_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = opendrs_server::Config {
        data_dir: dir.path().join("new"),
        ..Default::default()
    };
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let keys: Vec<String> = (0..8)
        .map(|_| {
            let (config, barrier) = (config.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                opendrs_server::authn::master_key::load(&config)
                    .expect("key")
                    .to_hex()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "one key for all");
    let on_disk = std::fs::read_to_string(dir.path().join("new/master.key")).expect("file");
    assert_eq!(on_disk.trim(), keys[0]);
}

#[tokio::test]
async fn a_master_key_that_does_not_match_the_database_stops_the_start() {
    let app = TestApp::spawn().await;
    // The same database (SQLite file or PostgreSQL URL), another master key.
    let config = opendrs_server::Config {
        listen: "127.0.0.1:0".parse().expect("addr"),
        master_key: Some("ab".repeat(32)),
        ..app.config.clone()
    };
    let database = config.database().expect("url").display();
    let err = match opendrs_server::Application::build(config).await {
        Ok(_) => panic!("started with a foreign master key"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("master key") && err.contains(&database),
        "{err}"
    );
}

#[tokio::test]
async fn twenty_slow_stream_readers_do_not_slow_another_tenants_requests() {
    use opendrs_core::enums::{DbUseType::Migration, JobStatus::Configuration};
    // Twenty streams, more than the pool's connections (4): a stream that held a connection
    // or a read transaction while its client does not read would starve everyone else.
    let app = TestApp::spawn_with(|c| {
        c.db_connections = 4;
        c.max_streams_per_project = 32;
        c.stream_write_timeout_secs = 60;
    })
    .await;
    let jobs: Vec<_> = (0..3_000)
        .map(|i| {
            let mut j = crate::helpers::job(
                &format!("slow-{i:05}"),
                &format!("a job with a long enough name to fill the socket buffers {i}"),
                Migration,
                Configuration,
                i,
            );
            // About 12 MB a stream: more than the socket buffers hold, so the server must wait.
            j.description = "x".repeat(4_000);
            j
        })
        .collect();
    app.seed(&app.p1, &jobs).await;
    let body = json!({"db_use_type": "migration", "cur_page": 0});
    let mut readers = Vec::new();
    for _ in 0..20 {
        // A raw connection that sends the request and then reads nothing.
        let path = format!("/v3/{}/jobs", app.p1.project_id());
        let text = body.to_string();
        let mut headers = reqwest::header::HeaderMap::new();
        let host = app.base.trim_start_matches("http://").to_string();
        headers.insert("host", host.parse().expect("host"));
        headers.insert("content-type", "application/json".parse().expect("ct"));
        let Cred::Key { ak, sk } = &app.admin else {
            panic!("the admin signs with a key")
        };
        opendrs_core::signing::sign_request(
            ak,
            sk.as_bytes(),
            "POST",
            &path,
            None,
            &mut headers,
            text.as_bytes(),
            time::OffsetDateTime::now_utc(),
        )
        .expect("sign");
        let mut raw = format!("POST {path} HTTP/1.1\r\ncontent-length: {}\r\n", text.len());
        for (k, v) in &headers {
            raw.push_str(&format!("{k}: {}\r\n", v.to_str().expect("ascii")));
        }
        raw.push_str("\r\n");
        raw.push_str(&text);
        let mut s = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        s.write_all(raw.as_bytes()).await.expect("send");
        let mut first = [0u8; 12];
        s.read_exact(&mut first).await.expect("the answer starts");
        assert_eq!(&first, b"HTTP/1.1 200", "a stream was refused");
        readers.push(s);
    }
    // Another tenant's requests answer as usual meanwhile.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let started = std::time::Instant::now();
        let a = app
            .list_as(&app.p2, &app.other, json!({"db_use_type": "migration"}))
            .await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(a.status, 200, "{}", a.text);
    }
    assert!(
        slowest < Duration::from_secs(2),
        "another tenant waited {slowest:?} behind the slow readers"
    );
    eprintln!("slowest request of another tenant: {slowest:?}");
    drop(readers);
}
