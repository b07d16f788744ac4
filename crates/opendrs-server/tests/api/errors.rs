//! Bad input gets a clear, localized error in the original's format — never a 500.

use crate::helpers::{Cred, TestApp};
use serde_json::json;

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn every_validation_error_has_its_code_in_english_and_in_chinese() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({}), "DRS.M00201", "db_use_type"),
        (json!({"db_use_type": ""}), "DRS.M00201", "db_use_type"),
        (
            json!({"db_use_type": "Migration"}),
            "DRS.M00202",
            "db_use_type",
        ),
        (
            json!({"db_use_type": "sync", "status": "RUNNING"}),
            "DRS.M00202",
            "status",
        ),
        (
            json!({"db_use_type": "sync", "net_type": "lan"}),
            "DRS.M00202",
            "net_type",
        ),
        (
            json!({"db_use_type": "sync", "engine_type": "db2"}),
            "DRS.M00202",
            "engine_type",
        ),
        (
            json!({"db_use_type": "sync", "enterprise_project_id": ""}),
            "DRS.M00202",
            "enterprise_project_id",
        ),
        (
            json!({"db_use_type": "sync", "per_page": "10"}),
            "DRS.M00202",
            "per_page",
        ),
        (
            json!({"db_use_type": "sync", "tags": 5}),
            "DRS.M00202",
            "tags",
        ),
        (
            json!({"db_use_type": "sync", "instance_ids": ["a","b","c","d","e","f","g","h","i","j","k"]}),
            "DRS.M00202",
            "instance_ids",
        ),
        (
            json!({"db_use_type": "sync", "per_page": 101}),
            "DRS.M00210",
            "per_page",
        ),
        (
            json!({"db_use_type": "sync", "cur_page": -1}),
            "DRS.M00210",
            "cur_page",
        ),
    ];
    for (body, code, field) in cases {
        let path = format!("/v3/{}/jobs", app.p1.project_id());
        let en = app
            .send("POST", &path, &app.admin, &[], body.to_string().as_bytes())
            .await;
        assert_eq!((en.status, en.code()), (400, code), "{body}: {}", en.text);
        assert!(en.msg().contains(field), "{body}: {}", en.msg());
        assert!(!has_cjk(en.msg()), "{}", en.msg());
        assert!(
            en.body.get("request_id").is_none(),
            "DRS errors carry exactly two fields"
        );
        let zh = app
            .send(
                "POST",
                &path,
                &app.admin,
                &[("x-language", "zh-cn")],
                body.to_string().as_bytes(),
            )
            .await;
        assert_eq!((zh.status, zh.code()), (400, code), "{body}");
        assert!(has_cjk(zh.msg()), "{body}: {}", zh.msg());
    }
}

#[tokio::test]
async fn malformed_json_and_wrong_content_types_are_invalid_requests() {
    let app = TestApp::spawn().await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    for body in [&b"{\"db_use_type\":"[..], b"[1,2]", b"\xff\xfe", b"null x"] {
        let a = app.send("POST", &path, &app.admin, &[], body).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M00300"),
            "{:?}: {}",
            body,
            a.text
        );
        assert!(a.msg().starts_with("Invalid request"), "{}", a.msg());
    }
    let a = app
        .send(
            "POST",
            &path,
            &app.admin,
            &[("content-type", "text/plain")],
            br#"{"db_use_type":"sync"}"#,
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00300"));
    let a = app
        .send(
            "POST",
            &path,
            &app.admin,
            &[("content-type", "application/json;charset=UTF-8")],
            br#"{"db_use_type":"sync"}"#,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn an_unknown_language_is_refused_in_english() {
    let app = TestApp::spawn().await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let a = app
        .send(
            "POST",
            &path,
            &app.admin,
            &[("x-language", "fr-fr")],
            br#"{"db_use_type":"sync"}"#,
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"));
    assert!(a.msg().contains("X-Language"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let app = TestApp::spawn_with(|c| c.body_limit = 1024).await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let big = format!(r#"{{"db_use_type":"sync","name":"{}"}}"#, "a".repeat(2000));
    let a = app
        .send("POST", &path, &app.admin, &[], big.as_bytes())
        .await;
    assert_eq!((a.status, a.code()), (413, "APIGW.0201"), "{}", a.text);
    assert!(a.body["request_id"].as_str().is_some_and(|s| !s.is_empty()));
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_gateway_404() {
    let app = TestApp::spawn().await;
    let a = app
        .send("GET", "/v3/nothing/here", &Cred::None, &[], b"")
        .await;
    assert_eq!((a.status, a.code()), (404, "APIGW.0101"));
    assert_eq!(
        a.body["request_id"].as_str(),
        a.headers["x-request-id"].to_str().ok()
    );
    let a = app
        .send(
            "GET",
            &format!("/v3/{}/jobs", app.p1.project_id()),
            &Cred::None,
            &[],
            b"",
        )
        .await;
    assert_eq!((a.status, a.code()), (405, "APIGW.0101"));
}

#[tokio::test]
async fn every_response_carries_a_fresh_request_id() {
    let app = TestApp::spawn().await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let ok = app
        .send("POST", &path, &app.admin, &[], br#"{"db_use_type":"sync"}"#)
        .await;
    let bad = app.send("POST", &path, &app.admin, &[], b"{}").await;
    let none = app.send("GET", "/health", &Cred::None, &[], b"").await;
    let ids: Vec<String> = [&ok, &bad, &none]
        .iter()
        .map(|a| {
            a.headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(ids.iter().all(|i| i.len() == 32), "{ids:?}");
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
    assert!(ok.headers.get("server-timing").is_some());
}

#[tokio::test]
async fn a_hostile_body_never_causes_a_server_error() {
    let app = TestApp::spawn().await;
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let bodies = [
        deep,
        r#"{"db_use_type":"sync","name":"\u0000%_\\'; DROP TABLE jobs; --"}"#.to_string(),
        format!(r#"{{"db_use_type":"sync","name":"{}"}}"#, "ab,".repeat(100)),
        r#"{"db_use_type":"sync","cur_page":1e400}"#.to_string(),
        r#"{"db_use_type":"sync","tags":{"":""}}"#.to_string(),
        r#"{"db_use_type":"sync","name":"迁移🚀"}"#.to_string(),
    ];
    for body in bodies {
        let a = app
            .send("POST", &path, &app.admin, &[], body.as_bytes())
            .await;
        assert!(
            a.status < 500,
            "{}: {} {}",
            &body[..body.len().min(60)],
            a.status,
            a.text
        );
        assert!(!a.text.to_lowercase().contains("sqlite"), "{}", a.text);
    }
    let still = app
        .send("POST", &path, &app.admin, &[], br#"{"db_use_type":"sync"}"#)
        .await;
    assert_eq!(still.status, 200);
}

#[tokio::test]
async fn a_body_that_never_finishes_gets_a_408_instead_of_a_hang() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|c| c.request_timeout_secs = 1).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /v3/{}/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"db_",
        app.p1.project_id()
    );
    sock.write_all(head.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), sock.read(&mut buf))
        .await
        .expect("answered before the test's own limit")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("APIGW.0201"), "{text}");
}

#[tokio::test]
async fn a_credential_header_that_is_not_text_is_called_malformed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let mut req = format!(
        "POST /v3/{}/jobs HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 2\r\nX-Auth-Token: ",
        app.p1.project_id()
    )
    .into_bytes();
    req.extend_from_slice(b"\xff\xfe\r\n\r\n{}");
    sock.write_all(&req).await.expect("write");
    let mut out = Vec::new();
    sock.read_to_end(&mut out).await.expect("read");
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    assert!(
        text.contains("APIGW.0301") && text.contains("malformed x-auth-token header"),
        "{text}"
    );
}
