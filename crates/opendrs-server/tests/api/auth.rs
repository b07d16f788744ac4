//! The authorization sweep: every way of getting credentials wrong, on every DRS route.

use crate::helpers::{job, Cred, Signing, TestApp};
use opendrs_core::enums::{DbUseType, JobStatus};
use opendrs_server::admin;
use serde_json::json;

/// Every DRS read route with a valid body that finds `p1-job` (its timeline: a seeded job has
/// no recorded changes, so an empty one; see [`found`] for the answers that name no job).
fn routes(app: &TestApp) -> Vec<(&'static str, String, Vec<u8>)> {
    let p = app.p1.project_id();
    vec![
        (
            "POST",
            format!("/v3/{p}/jobs"),
            br#"{"db_use_type":"migration"}"#.to_vec(),
        ),
        (
            "POST",
            format!("/v3/{p}/jobs/batch-status"),
            br#"{"jobs":["p1-job"]}"#.to_vec(),
        ),
        (
            "POST",
            format!("/v3/{p}/jobs/batch-detail"),
            br#"{"jobs":["p1-job"]}"#.to_vec(),
        ),
        ("GET", format!("/v5/{p}/jobs/p1-job/timelines"), Vec::new()),
        (
            "POST",
            format!("/v3/{p}/jobs/batch-precheck-result"),
            br#"{"jobs":["p1-job"]}"#.to_vec(),
        ),
        (
            "POST",
            format!("/v3/{p}/jobs/batch-progress"),
            br#"{"jobs":["p1-job"]}"#.to_vec(),
        ),
        (
            "POST",
            format!("/v3/{p}/jobs/batch-rpo-and-rto"),
            br#"{"jobs":["p1-job"]}"#.to_vec(),
        ),
        (
            "GET",
            format!("/v5/{p}/jobs?job_type=migration&sort_key=name&sort_dir=asc"),
            Vec::new(),
        ),
        (
            "GET",
            format!("/v5/{p}/jobs/p1-job?type=detail"),
            Vec::new(),
        ),
        ("GET", format!("/v5/{p}/jobs/p1-job/actions"), Vec::new()),
        (
            "POST",
            format!("/v5/{p}/jobs/name-validation"),
            br#"{"name":"a-free-name","type":"trans"}"#.to_vec(),
        ),
        ("GET", format!("/v5/{p}/enterprise-projects"), Vec::new()),
        ("GET", format!("/v3/{p}/quotas"), Vec::new()),
        (
            "GET",
            format!("/v3/{p}/node-type?engine_type=mysql&db_use_type=migration&job_direction=up"),
            Vec::new(),
        ),
    ]
}

/// Whether a read route's answer is the right one for `p1-job` (or, for the reads that name no
/// job, the project's).
fn found(path: &str, a: &crate::helpers::Answer) -> bool {
    if path.ends_with("/timelines") {
        a.body == json!({"count": 0, "timelines": []})
    } else if path.ends_with("/actions") {
        a.body["job_action"]["available_actions"].is_array()
    } else if path.ends_with("/name-validation") {
        a.body == json!({"is_valid": true})
    } else if path.ends_with("/enterprise-projects") {
        a.body["count"] == 3
    } else if path.ends_with("/quotas") {
        a.body["quotas"]["resource"]["used"] == 1
    } else if path.contains("/node-type?") {
        a.body["node_types"][0] == json!({"node_type": "micro", "is_sellout": false})
    } else {
        a.text.contains("p1-job")
    }
}

/// Every v5 write route with a valid body naming `p1-job` (or creating a job). Which of them
/// the job's status allows changes as the sweep goes on: what they show is that the caller got
/// through (an answer about the job, not about the caller).
fn v5_write_routes(app: &TestApp) -> Vec<(&'static str, String, Vec<u8>)> {
    let p = app.p1.project_id();
    let route = |method, path: &str, body: serde_json::Value| {
        (
            method,
            format!("/v5/{p}{path}"),
            body.to_string().into_bytes(),
        )
    };
    vec![
        route("POST", "/jobs", crate::jobs_v5::creation("v5-sweep-job")),
        route(
            "PUT",
            "/jobs/p1-job",
            json!({"job": {"type": "description", "params": {"base_info": {"description": "swept"}}}}),
        ),
        route(
            "POST",
            "/jobs/p1-job/action",
            json!({"job": {"action_name": "start"}}),
        ),
        route(
            "POST",
            "/jobs/action",
            json!({"jobs": [{"job_id": "p1-job", "action_name": "stop"}]}),
        ),
        route("POST", "/jobs/p1-job/stop", json!({"is_force_stop": true})),
        route(
            "POST",
            "/jobs/batch-stop",
            json!({"jobs": [{"job_id": "p1-job"}]}),
        ),
        route("DELETE", "/jobs", json!({"jobs": ["p1-job"]})),
        route("DELETE", "/jobs/p1-job", serde_json::Value::Null),
    ]
}

/// Every lifecycle write route with a valid body naming `p1-job` (or creating a job).
fn write_routes(app: &TestApp) -> Vec<(&'static str, String, Vec<u8>)> {
    let p = app.p1.project_id();
    let create = json!({"jobs": [{
        "name": "sweep-job", "db_use_type": "migration", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "subnet-1",
        "source_endpoint": {}, "target_endpoint": {}
    }]});
    let route = |method, api: &str, body: serde_json::Value| {
        (
            method,
            format!("/v3/{p}/jobs/{api}"),
            body.to_string().into_bytes(),
        )
    };
    vec![
        route("POST", "batch-creation", create),
        route(
            "POST",
            "batch-starting",
            json!({"jobs": [{"job_id": "p1-job"}]}),
        ),
        route(
            "POST",
            "batch-pause-task",
            json!({"jobs": [{"job_id": "p1-job", "pause_mode": "all"}]}),
        ),
        route(
            "POST",
            "batch-retry-task",
            json!({"jobs": [{"job_id": "p1-job"}]}),
        ),
        route(
            "PUT",
            "batch-modification",
            json!({"jobs": [{"job_id": "p1-job", "description": "swept"}]}),
        ),
        route(
            "DELETE",
            "batch-jobs",
            json!({"jobs": [{"job_id": "p1-job", "delete_type": "terminate"}]}),
        ),
        route(
            "POST",
            "batch-connection",
            json!({"jobs": [{"id": "p1-job", "end_point_type": "so", "ip": "10.0.0.1"}]}),
        ),
        route(
            "PUT",
            "batch-select-objects",
            json!({"jobs": [{"job_id": "p1-job", "selected": false}]}),
        ),
        route(
            "PUT",
            "batch-limit-speed",
            json!({"speed_limits": [{"job_id": "p1-job", "speed_limit": []}]}),
        ),
        route(
            "POST",
            "batch-precheck",
            json!({"jobs": [{"job_id": "p1-job", "precheck_mode": "forStartJob"}]}),
        ),
        route("POST", "batch-switchover", json!({"jobs": ["p1-job"]})),
    ]
}

/// What is tried, the credential, extra headers, the expected status and code.
type Case<'a> = (&'a str, Cred, Vec<(&'a str, &'a str)>, u16, &'a str);

async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    app.seed(
        &app.p1,
        &[job(
            "p1-job",
            "secret-of-p1",
            DbUseType::Migration,
            JobStatus::Configuration,
            1,
        )],
    )
    .await;
    app.seed(
        &app.p2,
        &[job(
            "p2-job",
            "secret-of-p2",
            DbUseType::Migration,
            JobStatus::Configuration,
            1,
        )],
    )
    .await;
    app
}

#[tokio::test]
async fn correct_credentials_are_accepted_on_every_route() {
    let app = seeded().await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    let viewer_token = Cred::Token(app.token("viewer", app.p1.project_id()).await);
    for (method, path, body) in routes(&app) {
        for cred in [&app.admin, &token, &app.viewer, &viewer_token] {
            let a = app.send(method, &path, cred, &[], &body).await;
            assert!(matches!(a.status, 200 | 202), "{path}: {}", a.text);
            assert!(found(&path, &a), "{path}: {}", a.text);
        }
    }
}

#[tokio::test]
async fn correct_credentials_may_call_every_write_route_and_a_viewer_none() {
    let app = seeded().await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    let viewer_token = Cred::Token(app.token("viewer", app.p1.project_id()).await);
    for (method, path, body) in write_routes(&app) {
        for cred in [&app.admin, &token] {
            let a = app.send(method, &path, cred, &[], &body).await;
            assert!(
                (200..300).contains(&a.status) && a.body["results"].is_array(),
                "{method} {path}: {}",
                a.text
            );
        }
        for cred in [&app.viewer, &viewer_token] {
            let a = app.send(method, &path, cred, &[], &body).await;
            assert_eq!((a.status, a.code()), (403, "DRS.M00102"), "{path}");
        }
    }
}

#[tokio::test]
async fn correct_credentials_get_through_every_v5_write_route_and_a_viewer_does_not() {
    let app = seeded().await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    let viewer_token = Cred::Token(app.token("viewer", app.p1.project_id()).await);
    let mut succeeded = 0;
    for (method, path, body) in v5_write_routes(&app) {
        for cred in [&app.viewer, &viewer_token] {
            let a = app.send(method, &path, cred, &[], &body).await;
            assert_eq!((a.status, a.code()), (403, "DRS.M00102"), "{method} {path}");
        }
        for cred in [&app.admin, &token] {
            let a = app.send(method, &path, cred, &[], &body).await;
            // Through: a success, or a refusal about the job (its status, its name, its absence).
            let about_the_job = matches!(
                a.code(),
                "DRS.M00304" | "DRS.M00277" | "DRS.10000010" | "DRS.M05004"
            );
            assert!(
                (200..300).contains(&a.status)
                    || (a.status == 400 || a.status == 422) && about_the_job,
                "{method} {path}: {}",
                a.text
            );
            succeeded += usize::from(a.status == 200);
        }
    }
    assert!(succeeded >= 8, "most calls did something: {succeeded}");
}

#[tokio::test]
async fn bad_credentials_are_refused_on_every_route_without_leaking_data() {
    let app = seeded().await;
    let Cred::Key { ak, sk } = app.admin.clone() else {
        panic!("admin has a key")
    };
    let wrong_sk = Cred::Key {
        ak: ak.clone(),
        sk: format!("{sk}x"),
    };
    let unknown_ak = Cred::Key {
        ak: "UNKNOWNAK0000000000A".into(),
        sk,
    };
    let p2_token = Cred::Token(app.token("other", app.p2.project_id()).await);
    let forged =
        Cred::Token("MIIforgedtokenAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    let every = routes(&app)
        .into_iter()
        .chain(write_routes(&app))
        .chain(v5_write_routes(&app))
        .chain(tag_routes(&app));
    for (method, path, body) in every {
        let cases: Vec<Case> = vec![
            ("no credentials", Cred::None, vec![], 401, "APIGW.0301"),
            (
                "malformed Authorization",
                Cred::None,
                vec![("authorization", "Basic abc")],
                401,
                "APIGW.0301",
            ),
            ("unknown AK", unknown_ak.clone(), vec![], 401, "APIGW.0301"),
            ("wrong SK", wrong_sk.clone(), vec![], 401, "APIGW.0301"),
            ("forged token", forged.clone(), vec![], 401, "APIGW.0301"),
            (
                "token of another project",
                p2_token.clone(),
                vec![],
                403,
                "DRS.M00261",
            ),
            (
                "key of a user without a role here",
                app.other.clone(),
                vec![],
                403,
                "DRS.M00261",
            ),
            (
                "X-Project-Id of another project",
                app.admin.clone(),
                vec![("x-project-id", app.p2.project_id())],
                403,
                "DRS.M00261",
            ),
        ];
        for (what, cred, headers, status, code) in cases {
            let a = app.send(method, &path, &cred, &headers, &body).await;
            assert_eq!(
                (a.status, a.code()),
                (status, code),
                "{what} on {path}: {}",
                a.text
            );
            assert!(
                !a.text.contains("p1-job") && !a.text.contains("p2-job"),
                "{what} leaked data"
            );
            if code.starts_with("APIGW") {
                assert!(
                    a.body["request_id"].as_str().is_some_and(|s| !s.is_empty()),
                    "{what}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_stale_or_missing_sdk_date_is_refused() {
    let app = seeded().await;
    let Cred::Key { ak, .. } = app.admin.clone() else {
        panic!("admin has a key")
    };
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let body = br#"{"db_use_type":"migration"}"#;
    for minutes in [-16i64, 16] {
        let at = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
        let a = app
            .send_with(
                "POST",
                &path,
                &app.admin,
                &[],
                body,
                Signing {
                    signed_body: body,
                    at,
                },
            )
            .await;
        assert_eq!(
            (a.status, a.code()),
            (401, "APIGW.0301"),
            "{minutes} minutes off"
        );
        assert!(a.msg().contains("time"), "{}", a.text);
    }
    let auth = format!(
        "SDK-HMAC-SHA256 Access={ak}, SignedHeaders=content-type;host, Signature={}",
        "0".repeat(64)
    );
    let a = app
        .send(
            "POST",
            &path,
            &Cred::None,
            &[("authorization", &auth)],
            body,
        )
        .await;
    assert_eq!((a.status, a.code()), (401, "APIGW.0301"));
}

#[tokio::test]
async fn a_tampered_signed_request_is_refused() {
    let app = seeded().await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let signing = Signing {
        signed_body: br#"{"db_use_type":"migration"}"#,
        at: time::OffsetDateTime::now_utc(),
    };
    let sent = br#"{"db_use_type":"sync"}"#;
    let a = app
        .send_with("POST", &path, &app.admin, &[], sent, signing)
        .await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn an_expired_token_must_be_updated() {
    let app = TestApp::spawn_with(|c| c.token_ttl_secs = 0).await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    let a = app
        .list_as(&app.p1, &token, json!({"db_use_type": "sync"}))
        .await;
    assert_eq!((a.status, a.code()), (401, "APIGW.0307"), "{}", a.text);
}

#[tokio::test]
async fn disabling_a_user_or_changing_the_password_revokes_access() {
    let app = seeded().await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    let body = json!({"db_use_type": "migration"});
    assert_eq!(app.list_as(&app.p1, &token, body.clone()).await.status, 200);
    admin::user_set_password(
        &*app.store,
        crate::helpers::ACCOUNT,
        "admin",
        Some("new-pw"),
    )
    .await
    .expect("password");
    app.authn.refresh().await.expect("refresh");
    assert_eq!(app.list_as(&app.p1, &token, body.clone()).await.status, 401);
    assert_eq!(
        app.list_as(&app.p1, &app.admin, body.clone()).await.status,
        200,
        "keys survive a password change"
    );
    admin::user_set_enabled(&*app.store, crate::helpers::ACCOUNT, "admin", false)
        .await
        .expect("disable");
    app.authn.refresh().await.expect("refresh");
    let a = app.list_as(&app.p1, &app.admin, body).await;
    assert_eq!((a.status, a.code()), (401, "APIGW.0301"));
}

#[tokio::test]
async fn a_new_key_works_at_once_and_a_deleted_key_stops_working() {
    let app = seeded().await;
    let master = opendrs_server::authn::master_key::load(&opendrs_server::Config {
        data_dir: app.store_dir(),
        ..Default::default()
    })
    .expect("master");
    let k = admin::key_create(&*app.store, &master, crate::helpers::ACCOUNT, "viewer")
        .await
        .expect("key");
    let cred = Cred::Key {
        ak: k.ak.clone(),
        sk: k.sk,
    };
    let a = app
        .list_as(&app.p1, &cred, json!({"db_use_type": "migration"}))
        .await;
    assert_eq!(
        a.status, 200,
        "an unknown AK reloads identity before refusing: {}",
        a.text
    );
    admin::key_delete(&*app.store, &k.ak).await.expect("delete");
    app.authn.refresh().await.expect("refresh");
    let a = app
        .list_as(&app.p1, &cred, json!({"db_use_type": "migration"}))
        .await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn throttling_answers_429_past_the_burst_and_recovers() {
    let app = TestApp::spawn_with(|c| {
        c.throttle_rate = 1;
        c.throttle_burst = 3;
    })
    .await;
    let body = json!({"db_use_type": "migration"});
    for _ in 0..3 {
        assert_eq!(app.list(body.clone()).await.status, 200);
    }
    let a = app.list(body.clone()).await;
    assert_eq!((a.status, a.code()), (429, "APIGW.0308"));
    assert!(a.headers.get("retry-after").is_some());
    let other = app.list_as(&app.p2, &app.other, body.clone()).await;
    assert_eq!(other.status, 200, "another project has its own bucket");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.list(body).await.status, 200);
}

/// Every v5 tag route, with a valid body for `p1-job`.
fn tag_routes(app: &TestApp) -> Vec<(&'static str, String, Vec<u8>)> {
    let p = app.p1.project_id();
    let tags = br#"{"tags":[{"key":"k","value":"v"}]}"#.to_vec();
    vec![
        (
            "POST",
            format!("/v5/{p}/migration/p1-job/tags/create"),
            tags.clone(),
        ),
        (
            "POST",
            format!("/v5/{p}/migration/p1-job/tags/delete"),
            tags,
        ),
        (
            "POST",
            format!("/v5/{p}/jobs/migration/p1-job/tags/action"),
            br#"{"action":"create","tags":[{"key":"k","value":"v"}]}"#.to_vec(),
        ),
        ("GET", format!("/v5/{p}/migration/p1-job/tags"), Vec::new()),
        (
            "GET",
            format!("/v5/{p}/jobs/migration/p1-job/tags"),
            Vec::new(),
        ),
        ("GET", format!("/v5/{p}/migration/tags"), Vec::new()),
        ("GET", format!("/v5/{p}/jobs/migration/tags"), Vec::new()),
        (
            "POST",
            format!("/v5/{p}/migration/resource-instances/filter"),
            b"{}".to_vec(),
        ),
        (
            "POST",
            format!("/v5/{p}/migration/resource-instances/count"),
            b"{}".to_vec(),
        ),
    ]
}

#[tokio::test]
async fn correct_credentials_are_accepted_on_every_tag_route() {
    let app = seeded().await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    for (method, path, body) in tag_routes(&app) {
        for cred in [&app.admin, &token] {
            let a = app.send(method, &path, cred, &[], &body).await;
            assert!(matches!(a.status, 200 | 204), "{path}: {}", a.text);
        }
    }
}

#[tokio::test]
async fn a_viewer_is_refused_every_tag_write_and_may_make_every_tag_read() {
    let app = seeded().await;
    for (method, path, body) in tag_routes(&app) {
        let a = app.send(method, &path, &app.viewer, &[], &body).await;
        if path.contains("/tags/") {
            assert_eq!(
                (a.status, a.code()),
                (403, "DRS.M00102"),
                "{path}: {}",
                a.text
            );
        } else {
            assert_eq!(a.status, 200, "{path}: {}", a.text);
        }
    }
}

/// Sends `body` to `path` with exactly the headers given (repeats kept), signing first with
/// `sign` (AK, SK) if any.
async fn send_raw(
    app: &TestApp,
    method: &str,
    path: &str,
    sign: Option<(&str, &str)>,
    extra: &[(&str, &str)],
    body: &[u8],
) -> (u16, serde_json::Value) {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let mut h = HeaderMap::new();
    let host = app.base.trim_start_matches("http://").to_string();
    h.insert("host", HeaderValue::from_str(&host).expect("host"));
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some((ak, sk)) = sign {
        let (p, q) = path
            .split_once('?')
            .map(|(p, q)| (p, Some(q)))
            .unwrap_or((path, None));
        opendrs_core::signing::sign_request(
            ak,
            sk.as_bytes(),
            method,
            p,
            q,
            &mut h,
            body,
            time::OffsetDateTime::now_utc(),
        )
        .expect("sign");
    }
    for (k, v) in extra {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).expect("name"),
            HeaderValue::from_str(v).expect("value"),
        );
    }
    let res = app
        .client
        .request(
            method.parse().expect("method"),
            format!("{}{path}", app.base),
        )
        .headers(h)
        .body(body.to_vec())
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn credentials_that_do_not_verify_are_401_even_with_another_project_id_on_every_route() {
    let app = seeded().await;
    let Cred::Key { ak, sk } = app.admin.clone() else {
        panic!("admin has a key")
    };
    let stale = time::OffsetDateTime::now_utc() - time::Duration::minutes(30);
    let every = routes(&app)
        .into_iter()
        .chain(write_routes(&app))
        .chain(v5_write_routes(&app))
        .chain(tag_routes(&app));
    let foreign = [("x-project-id", app.p2.project_id())];
    for (method, path, body) in every {
        let cases: Vec<(&str, Cred)> = vec![
            ("no credentials", Cred::None),
            ("a garbage token", Cred::Token("garbage".into())),
            (
                "an unknown AK",
                Cred::Key {
                    ak: "UNKNOWNAK0000000000A".into(),
                    sk: sk.clone(),
                },
            ),
            (
                "a bad signature",
                Cred::Key {
                    ak: ak.clone(),
                    sk: format!("{sk}x"),
                },
            ),
        ];
        for (what, cred) in cases {
            let a = app.send(method, &path, &cred, &foreign, &body).await;
            assert_eq!(
                (a.status, a.code()),
                (401, "APIGW.0301"),
                "{what} on {path}: {}",
                a.text
            );
        }
        let a = app
            .send_with(
                method,
                &path,
                &app.admin,
                &foreign,
                &body,
                Signing {
                    signed_body: &body,
                    at: stale,
                },
            )
            .await;
        assert_eq!(a.status, 401, "a stale date on {path}: {}", a.text);
    }
}

#[tokio::test]
async fn more_than_one_credential_is_refused_on_every_route_with_a_message_saying_so() {
    let app = seeded().await;
    let token = app.token("admin", app.p1.project_id()).await;
    let Cred::Key { ak, sk } = app.admin.clone() else {
        panic!("admin has a key")
    };
    let bad_sk = format!("{sk}x");
    let v5_writes = v5_write_routes(&app);
    let every = routes(&app)
        .into_iter()
        .chain(write_routes(&app))
        .chain(v5_writes.clone())
        .chain(tag_routes(&app));
    for (method, path, body) in every {
        let signed = send_raw(&app, method, &path, Some((&ak, &sk)), &[], &body).await;
        // A v5 single-job write may be refused for the job's status: the caller got through.
        let through = if v5_writes.iter().any(|(m, p, _)| *m == method && *p == path) {
            !matches!(signed.0, 401 | 403)
        } else {
            signed.0 < 300
        };
        assert!(through, "one signature on {path}: {}", signed.1);
        let two_auth = send_raw(
            &app,
            method,
            &path,
            Some((&ak, &sk)),
            &[(
                "authorization",
                "SDK-HMAC-SHA256 Access=X, SignedHeaders=host, Signature=00",
            )],
            &body,
        )
        .await;
        let two_tokens = send_raw(
            &app,
            method,
            &path,
            None,
            &[("x-auth-token", &token), ("x-auth-token", &token)],
            &body,
        )
        .await;
        let both = send_raw(
            &app,
            method,
            &path,
            Some((&ak, &bad_sk)),
            &[("x-auth-token", &token)],
            &body,
        )
        .await;
        for ((status, body), says) in [
            (two_auth, "more than one Authorization"),
            (two_tokens, "more than one X-Auth-Token"),
            (both, "both an X-Auth-Token and an Authorization"),
        ] {
            assert_eq!(
                (status, body["error_code"].as_str()),
                (401, Some("APIGW.0301")),
                "{path}: {body}"
            );
            assert!(
                body["error_msg"].as_str().is_some_and(|m| m.contains(says)),
                "{path}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn a_token_issued_before_a_disable_stays_invalid_after_re_enabling() {
    let app = seeded().await;
    let token = Cred::Token(app.token("admin", app.p1.project_id()).await);
    let body = json!({"db_use_type": "migration"});
    assert_eq!(app.list_as(&app.p1, &token, body.clone()).await.status, 200);
    admin::user_set_enabled(&*app.store, crate::helpers::ACCOUNT, "admin", false)
        .await
        .expect("disable");
    app.authn.refresh().await.expect("refresh");
    assert_eq!(app.list_as(&app.p1, &token, body.clone()).await.status, 401);
    admin::user_set_enabled(&*app.store, crate::helpers::ACCOUNT, "admin", true)
        .await
        .expect("enable");
    app.authn.refresh().await.expect("refresh");
    let a = app.list_as(&app.p1, &token, body.clone()).await;
    assert_eq!((a.status, a.code()), (401, "APIGW.0301"), "{}", a.text);
    let fresh = Cred::Token(app.token("admin", app.p1.project_id()).await);
    assert_eq!(app.list_as(&app.p1, &fresh, body).await.status, 200);
}
