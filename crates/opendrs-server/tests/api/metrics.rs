//! `/metrics`: scraped before and after real traffic (lists, a cache hit, failed
//! authentication, throttling, a creation the executor applies), parsed as the Prometheus text
//! format, and the counters that must move did; a separate metrics address takes `/metrics` off
//! the API listener.

use crate::helpers::{Cred, TestApp};
use serde_json::json;
use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

/// One sample: metric name, labels, value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text format: `# HELP`/`# TYPE` comments, and `name{k="v",…} value` lines whose
/// label values may hold escaped `\\`, `\"` and `\n`. Panics on anything else.
fn parse(text: &str) -> Vec<Sample> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name_end = line
            .find(['{', ' '])
            .unwrap_or_else(|| panic!("no value: {line}"));
        let name = line[..name_end].to_string();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "metric name {name:?}"
        );
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices();
            loop {
                let (start, c) = chars.next().expect("a label or }");
                if c == '}' {
                    rest = &body[start + 1..];
                    break;
                }
                if c == ',' {
                    continue;
                }
                let eq = body[start..].find("=\"").expect("k=\"v\"") + start;
                let key = body[start..eq].to_string();
                for _ in start..eq + 1 {
                    chars.next();
                }
                let mut value = String::new();
                loop {
                    let (_, c) = chars.next().expect("a closing quote");
                    match c {
                        '"' => break,
                        '\\' => match chars.next().expect("an escape").1 {
                            'n' => value.push('\n'),
                            other => value.push(other),
                        },
                        other => value.push(other),
                    }
                }
                labels.insert(key, value);
            }
        }
        let value = rest.trim();
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|e| panic!("value {v:?} in {line:?}: {e}")),
        };
        out.push(Sample {
            name,
            labels,
            value,
        });
    }
    out
}

/// The sum of every sample of `name` whose labels include `with`.
fn total(samples: &[Sample], name: &str, with: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            with.iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

async fn scrape(app: &TestApp, base: &str) -> (String, Vec<Sample>) {
    let res = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(res.status(), 200);
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ctype.starts_with("text/plain; version=0.0.4"), "{ctype}");
    let text = res.text().await.expect("text");
    let samples = parse(&text);
    (text, samples)
}

#[tokio::test]
async fn requests_failed_authentication_throttling_and_the_executors_work_move_their_counters() {
    let app = TestApp::spawn_with(|c| {
        c.throttle_rate = 1;
        c.throttle_burst = 6;
        c.step_create_ms = 0;
        c.executor_poll_ms = 50;
    })
    .await;
    let (_, before) = scrape(&app, &app.base).await;
    let list_route = [
        ("route", "/v3/{project_id}/jobs"),
        ("method", "POST"),
        ("status", "200"),
        ("code", ""),
    ];
    let body = json!({"db_use_type": "migration"});

    // Two lists: the second is a page-cache hit.
    for _ in 0..2 {
        assert_eq!(app.list(body.clone()).await.status, 200);
    }
    // Failed authentication: no credential, and a signature made with the wrong secret.
    assert_eq!(
        app.list_as(&app.p1, &Cred::None, body.clone()).await.status,
        401
    );
    let forged = match &app.admin {
        Cred::Key { ak, .. } => Cred::Key {
            ak: ak.clone(),
            sk: "not-the-secret-key-of-this-access-key00".into(),
        },
        other => other.clone(),
    };
    assert_eq!(
        app.list_as(&app.p1, &forged, body.clone()).await.status,
        401
    );
    // A creation, which the executor applies (CREATING -> CONFIGURATION) at once.
    let path = format!("/v3/{}/jobs/batch-creation", app.p1.project_id());
    let item = json!({"jobs": [{
        "name": "metrics-1", "db_use_type": "migration", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc", "task_type": "FULL_INCR_TRANS",
        "customize_sutnet_id": "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",
        "source_endpoint": {"db_type": "mysql"}, "target_endpoint": {"db_type": "mysql"}}]});
    let a = app
        .send("POST", &path, &app.admin, &[], item.to_string().as_bytes())
        .await;
    assert_eq!(a.status, 202, "{}", a.text);
    // Throttling: another project's bucket of 6 runs dry within a few quick lists.
    let (mut throttled, mut answered) = (false, 0.0);
    for _ in 0..20 {
        let a = app.list_as(&app.p2, &app.other, body.clone()).await;
        if a.status == 429 {
            throttled = true;
            break;
        }
        assert_eq!(a.status, 200, "{}", a.text);
        answered += 1.0;
    }
    assert!(throttled, "the project's bucket ran dry");
    // A path that is no route.
    let odd = format!("/v3/{}/no-such-route", app.p1.project_id());
    assert_eq!(
        app.send("GET", &odd, &Cred::None, &[], b"").await.status,
        404
    );

    // The executor applies the creation's next step (bounded wait).
    let deadline = Instant::now() + Duration::from_secs(10);
    let (text, after) = loop {
        let (text, after) = scrape(&app, &app.base).await;
        let applied = total(&after, "opendrs_executor_transitions_applied_total", &[]);
        if applied > total(&before, "opendrs_executor_transitions_applied_total", &[]) {
            break (text, after);
        }
        assert!(
            Instant::now() < deadline,
            "the executor applied nothing:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let moved =
        |name: &str, with: &[(&str, &str)]| total(&after, name, with) - total(&before, name, with);

    assert_eq!(
        moved("opendrs_http_requests_total", &list_route),
        2.0 + answered,
        "{text}"
    );
    assert_eq!(
        moved(
            "opendrs_http_requests_total",
            &[
                ("route", "/v3/{project_id}/jobs"),
                ("status", "401"),
                ("code", "APIGW.0301")
            ]
        ),
        2.0
    );
    assert_eq!(
        moved(
            "opendrs_http_requests_total",
            &[
                ("route", "/v3/{project_id}/jobs/batch-creation"),
                ("status", "202")
            ]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "opendrs_http_requests_total",
            &[
                ("route", "/v3/{project_id}/jobs"),
                ("status", "429"),
                ("code", "APIGW.0308")
            ]
        ),
        1.0
    );
    assert_eq!(
        moved(
            "opendrs_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        1.0
    );
    assert!(
        moved(
            "opendrs_http_request_duration_seconds_count",
            &[("route", "/v3/{project_id}/jobs"), ("method", "POST")]
        ) >= 5.0
    );
    assert_eq!(
        moved(
            "opendrs_http_request_duration_seconds_bucket",
            &[
                ("route", "/v3/{project_id}/jobs/batch-creation"),
                ("le", "+Inf")
            ]
        ),
        1.0
    );
    assert_eq!(
        moved("opendrs_auth_failures_total", &[("reason", "missing")]),
        1.0
    );
    assert_eq!(
        moved(
            "opendrs_auth_failures_total",
            &[("reason", "bad_signature")]
        ),
        1.0
    );
    assert_eq!(
        moved("opendrs_throttled_total", &[("limit", "project_rate")]),
        1.0
    );
    assert!(moved("opendrs_page_cache_hits_total", &[]) >= 1.0, "{text}");
    assert!(moved("opendrs_page_cache_misses_total", &[]) >= 1.0);
    assert!(total(&after, "opendrs_page_cache_entries", &[]) >= 1.0);
    assert!(moved("opendrs_executor_transitions_due_total", &[]) >= 1.0);
    assert!(moved("opendrs_executor_runs_total", &[]) >= 1.0);
    assert!(moved("opendrs_executor_lag_seconds_count", &[]) >= 1.0);
    assert!(
        moved("opendrs_db_write_wait_seconds_count", &[]) >= 2.0,
        "the creation and the executor's run"
    );
    assert!(moved("opendrs_db_pool_wait_seconds_count", &[]) >= 1.0);
    assert_eq!(total(&after, "opendrs_streams_open", &[]), 0.0);
    // No raw path reaches a label: the project IDs appear nowhere.
    assert!(!text.contains(app.p1.project_id()), "{text}");
    assert!(!text.contains(app.p2.project_id()));
}

#[tokio::test]
async fn an_all_items_stream_is_counted_open_while_it_runs_and_refused_streams_as_throttled() {
    let app = TestApp::spawn_with(|c| c.max_streams_per_project = 1).await;
    let (_, before) = scrape(&app, &app.base).await;
    // Enough jobs that a client reading nothing holds the stream open.
    let jobs: Vec<_> = (0..3000)
        .map(|i| {
            crate::helpers::job(
                &format!("s-{i:05}"),
                &format!("stream-{i:05}"),
                opendrs_core::enums::DbUseType::Migration,
                opendrs_core::enums::JobStatus::Configuration,
                i,
            )
        })
        .collect();
    app.seed(&app.p1, &jobs).await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let all = json!({"db_use_type": "migration", "cur_page": 0}).to_string();
    // A raw request whose answer is not read: its stream stays open.
    let url = format!("{}{path}", app.base);
    let mut h = reqwest::header::HeaderMap::new();
    let host = app.base.trim_start_matches("http://").to_string();
    h.insert("host", host.parse().expect("host"));
    h.insert("content-type", "application/json".parse().expect("ct"));
    let Cred::Key { ak, sk } = &app.admin else {
        panic!("the admin signs")
    };
    opendrs_core::signing::sign_request(
        ak,
        sk.as_bytes(),
        "POST",
        &path,
        None,
        &mut h,
        all.as_bytes(),
        time::OffsetDateTime::now_utc(),
    )
    .expect("sign");
    let held = app
        .client
        .post(url)
        .headers(h)
        .body(all.clone())
        .send()
        .await
        .expect("stream");
    assert_eq!(held.status(), 200);
    let (_, during) = scrape(&app, &app.base).await;
    assert_eq!(total(&during, "opendrs_streams_open", &[]), 1.0);
    let second = app
        .send("POST", &path, &app.admin, &[], all.as_bytes())
        .await;
    assert_eq!(second.status, 429, "{}", second.text);
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, after) = scrape(&app, &app.base).await;
        if total(&after, "opendrs_streams_open", &[]) == 0.0 {
            assert_eq!(
                total(&after, "opendrs_throttled_total", &[("limit", "streams")])
                    - total(&before, "opendrs_throttled_total", &[("limit", "streams")]),
                1.0
            );
            break;
        }
        assert!(Instant::now() < deadline, "the stream was never closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn with_a_metrics_address_metrics_are_served_there_and_not_beside_the_api() {
    let app =
        TestApp::spawn_with(|c| c.metrics_listen = Some("127.0.0.1:0".parse().expect("addr")))
            .await;
    let metrics = app.metrics_base.clone().expect("a metrics address");
    assert_ne!(metrics, app.base);
    let a = app.send("GET", "/metrics", &Cred::None, &[], b"").await;
    assert_eq!((a.status, a.code()), (404, "APIGW.0101"));
    assert_eq!(
        app.list(json!({"db_use_type": "migration"})).await.status,
        200
    );
    let (_, samples) = scrape(&app, &metrics).await;
    assert_eq!(
        total(
            &samples,
            "opendrs_http_requests_total",
            &[("route", "/v3/{project_id}/jobs"), ("status", "200")]
        ),
        1.0
    );
    assert_eq!(
        total(&samples, "opendrs_build_info", &[]),
        1.0,
        "the build is named"
    );
}

#[test]
fn the_parser_reads_escaped_label_values_and_refuses_a_line_without_a_value() {
    let s = parse("# HELP x y\nx_total{a=\"b\\\"c\",d=\"{e}\"} 3\ny 1.5\n");
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].labels["a"], "b\"c");
    assert_eq!(s[0].labels["d"], "{e}");
    assert_eq!(s[1].value, 1.5);
    assert!(std::panic::catch_unwind(|| parse("novalue")).is_err());
}

#[tokio::test]
async fn each_kind_of_refusal_is_counted_under_its_reason() {
    let app = TestApp::spawn().await;
    let (_, before) = scrape(&app, &app.base).await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let body = json!({"db_use_type": "migration"}).to_string();
    let b = body.as_bytes();
    let Cred::Key { sk, .. } = app.admin.clone() else {
        panic!("the admin signs")
    };
    let cases: Vec<(&str, u16, crate::helpers::Answer)> = vec![
        (
            "ambiguous",
            401,
            app.send("POST", &path, &app.admin, &[("x-auth-token", "t")], b)
                .await,
        ),
        (
            "bad_token",
            401,
            app.send("POST", &path, &Cred::Token("garbage".into()), &[], b)
                .await,
        ),
        (
            "malformed",
            401,
            app.send(
                "POST",
                &path,
                &Cred::None,
                &[("authorization", "garbage")],
                b,
            )
            .await,
        ),
        (
            "clock_skew",
            401,
            app.send_with(
                "POST",
                &path,
                &app.admin,
                &[],
                b,
                crate::helpers::Signing {
                    signed_body: b,
                    at: time::OffsetDateTime::now_utc() - time::Duration::hours(2),
                },
            )
            .await,
        ),
        (
            "unknown_key",
            401,
            app.send(
                "POST",
                &path,
                &Cred::Key {
                    ak: "NOSUCHACCESSKEY00000".into(),
                    sk: sk.clone(),
                },
                &[],
                b,
            )
            .await,
        ),
        (
            "project_mismatch",
            403,
            app.send("POST", &path, &app.other, &[], b).await,
        ),
    ];
    for (reason, status, answer) in &cases {
        assert_eq!(answer.status, *status, "{reason}: {}", answer.text);
    }
    let login = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "admin", "password": "wrong", "domain": {"name": "acme"}}}},
        "scope": {"project": {"id": app.p1.project_id()}}}})
    .to_string();
    let a = app
        .send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            login.as_bytes(),
        )
        .await;
    assert_eq!(a.status, 401, "{}", a.text);
    let (text, after) = scrape(&app, &app.base).await;
    for reason in cases.iter().map(|(r, _, _)| *r).chain(["login_failed"]) {
        let moved = total(&after, "opendrs_auth_failures_total", &[("reason", reason)])
            - total(
                &before,
                "opendrs_auth_failures_total",
                &[("reason", reason)],
            );
        assert_eq!(moved, 1.0, "{reason}:\n{text}");
    }
    assert_eq!(
        total(
            &before,
            "opendrs_auth_failures_total",
            &[("reason", "token_expired")]
        ),
        0.0,
        "every reason is there from the start"
    );
    assert!(before
        .iter()
        .any(|s| s.name == "opendrs_auth_failures_total"
            && s.labels.get("reason").map(String::as_str) == Some("token_expired")));
}
