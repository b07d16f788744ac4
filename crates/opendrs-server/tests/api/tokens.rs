//! `POST /v3/auth/tokens`: Keystone-style password login.

use crate::helpers::{Cred, TestApp, ACCOUNT};
use serde_json::{json, Value};

fn login(user: &str, password: &str, scope: Value) -> Vec<u8> {
    json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": user, "password": password, "domain": {"name": ACCOUNT}}}},
        "scope": {"project": scope}}})
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_password_login_answers_201_with_the_token_in_a_header() {
    let app = TestApp::spawn().await;
    let a = app
        .send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            &login("admin", "pw-secret-1", json!({"name": "cn-north-4"})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let token = a.headers["x-subject-token"].to_str().expect("token");
    assert!(token.starts_with("MII") && token.len() > 100);
    let t = &a.body["token"];
    assert_eq!(t["project"]["id"], app.p1.project_id());
    assert_eq!(t["project"]["name"], "cn-north-4");
    assert_eq!(t["user"]["name"], "admin");
    assert_eq!(t["user"]["domain"]["name"], ACCOUNT);
    assert_eq!(t["methods"], json!(["password"]));
    assert_eq!(t["roles"][0]["name"], "drs_admin");
    assert!(t["catalog"].as_array().is_some_and(|c| !c.is_empty()));
    let (issued, expires) = (
        t["issued_at"].as_str().unwrap_or(""),
        t["expires_at"].as_str().unwrap_or(""),
    );
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .expect("time")
    };
    assert_eq!((parse(expires) - parse(issued)).whole_hours(), 24);
}

#[tokio::test]
async fn nocatalog_leaves_the_catalog_out() {
    let app = TestApp::spawn().await;
    let body = login("admin", "pw-secret-1", json!({"id": app.p1.project_id()}));
    let a = app
        .send(
            "POST",
            "/v3/auth/tokens?nocatalog=true",
            &Cred::None,
            &[],
            &body,
        )
        .await;
    assert_eq!(a.status, 201);
    assert!(a.body["token"].get("catalog").is_none());
}

#[tokio::test]
async fn wrong_password_unknown_user_and_other_projects_get_one_and_the_same_answer() {
    let app = TestApp::spawn().await;
    let p1 = json!({"id": app.p1.project_id()});
    let answers = [
        app.send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            &login("admin", "wrong", p1.clone()),
        )
        .await,
        app.send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            &login("nobody", "pw-secret-1", p1),
        )
        .await,
        app.send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            &login("admin", "pw-secret-1", json!({"id": app.p2.project_id()})),
        )
        .await,
    ];
    for a in &answers {
        assert_eq!((a.status, a.code()), (401, "APIGW.0301"), "{}", a.text);
        assert!(a.headers.get("x-subject-token").is_none());
    }
    assert_eq!(answers[0].msg(), answers[1].msg());
    assert_eq!(answers[1].msg(), answers[2].msg());
}

#[tokio::test]
async fn the_iam_sdks_signature_headers_are_ignored_on_the_token_route() {
    let app = TestApp::spawn().await;
    let body = login("viewer", "pw-secret-1", json!({"id": app.p1.project_id()}));
    let signed_by_someone = Cred::Key {
        ak: "ANYAK000000000000000".into(),
        sk: "any".into(),
    };
    let a = app
        .send(
            "POST",
            "/v3/auth/tokens",
            &signed_by_someone,
            &[("content-type", "application/json;charset=utf-8")],
            &body,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.text);
    let token = Cred::Token(
        a.headers["x-subject-token"]
            .to_str()
            .expect("token")
            .to_string(),
    );
    let list = app
        .list_as(&app.p1, &token, json!({"db_use_type": "sync"}))
        .await;
    assert_eq!(list.status, 200);
}

#[tokio::test]
async fn a_malformed_login_is_a_clear_400() {
    let app = TestApp::spawn().await;
    let a = app
        .send("POST", "/v3/auth/tokens", &Cred::None, &[], b"{\"auth\":")
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00300"));
    let no_scope = json!({"auth": {"identity": {"methods": ["password"],
        "password": {"user": {"name": "admin", "password": "pw-secret-1", "domain": {"name": ACCOUNT}}}}}});
    let a = app
        .send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            no_scope.to_string().as_bytes(),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00201"), "{}", a.text);
    let token_method =
        json!({"auth": {"identity": {"methods": ["token"]}, "scope": {"project": {"id": "x"}}}});
    let a = app
        .send(
            "POST",
            "/v3/auth/tokens",
            &Cred::None,
            &[],
            token_method.to_string().as_bytes(),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"), "{}", a.text);
}

#[tokio::test]
async fn a_token_lists_the_projects_its_user_holds_a_role_in_and_nothing_else_does() {
    let app = TestApp::spawn().await;
    let token = app.token("viewer", app.p1.project_id()).await;
    let a = app
        .send("GET", "/v3/auth/projects", &Cred::Token(token), &[], b"")
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.body["projects"],
        json!([{"id": app.p1.project_id(), "name": "cn-north-4",
                "domain_id": a.body["projects"][0]["domain_id"], "enabled": true}])
    );
    let other = app.token("other", app.p2.project_id()).await;
    let b = app
        .send("GET", "/v3/auth/projects", &Cred::Token(other), &[], b"")
        .await;
    assert_eq!(b.body["projects"][0]["id"], app.p2.project_id());
    assert_eq!(b.body["projects"].as_array().map(Vec::len), Some(1));

    for cred in [
        Cred::None,
        Cred::Token("MIIforged".into()),
        app.admin.clone(),
    ] {
        let refused = app.send("GET", "/v3/auth/projects", &cred, &[], b"").await;
        assert_eq!(refused.status, 401, "{}", refused.text);
    }
}
