//! Several instances of the service on one database (run with `OPENDRS_TEST_DATABASE=postgres`
//! too): what one acknowledges, another shows at once; identity changes reach every instance.

use crate::helpers::{job, Cred, Signing, TestApp};
use opendrs_core::enums::{DbUseType::Migration, JobStatus::Configuration};
use serde_json::{json, Value};

async fn list_at(app: &TestApp, base: &str, cred: &Cred, body: Value) -> crate::helpers::Answer {
    let path = format!("/v3/{}/jobs", app.p1.project_id());
    let body = body.to_string();
    let signing = Signing {
        signed_body: body.as_bytes(),
        at: time::OffsetDateTime::now_utc(),
    };
    app.send_to(base, "POST", &path, cred, &[], body.as_bytes(), signing)
        .await
}

#[tokio::test]
async fn a_job_created_on_one_instance_is_listed_at_once_by_another_whose_page_was_cached() {
    let app = TestApp::spawn().await;
    app.seed(&app.p1, &[job("m1", "first", Migration, Configuration, 1)])
        .await;
    let (peer, _stop) = app.peer(|_| {}).await;
    let body = json!({"db_use_type": "migration"});
    // The peer renders and caches the page.
    for _ in 0..2 {
        let a = list_at(&app, &peer, &app.admin, body.clone()).await;
        assert_eq!((a.status, a.total()), (200, 1), "{}", a.text);
    }
    // A creation acknowledged by the first instance…
    let item = json!({"name": "made-on-a", "db_use_type": "migration", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "subnet-1",
        "source_endpoint": {}, "target_endpoint": {}});
    let path = format!("/v3/{}/jobs/batch-creation", app.p1.project_id());
    let created = app
        .send(
            "POST",
            &path,
            &app.admin,
            &[],
            json!({ "jobs": [item] }).to_string().as_bytes(),
        )
        .await;
    assert_eq!(created.status, 202, "{}", created.text);
    let id = created.body["results"][0]["id"]
        .as_str()
        .expect("an id")
        .to_string();
    // …is on the peer's very next page.
    let a = list_at(&app, &peer, &app.admin, body).await;
    assert_eq!(a.total(), 2, "{}", a.text);
    assert_eq!(a.ids()[0], id);
}

#[tokio::test]
async fn a_user_disabled_through_the_database_is_refused_by_every_instance_after_a_refresh() {
    let app = TestApp::spawn_with(|c| c.identity_refresh_ms = 50).await;
    let (peer, _stop) = app.peer(|_| {}).await;
    let body = json!({"db_use_type": "migration"});
    let ok = list_at(&app, &peer, &app.viewer, body.clone()).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    opendrs_server::admin::user_set_enabled(&*app.store, crate::helpers::ACCOUNT, "viewer", false)
        .await
        .expect("disable");
    let mut status = 200;
    for _ in 0..100 {
        status = list_at(&app, &peer, &app.viewer, body.clone()).await.status;
        if status == 401 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        status, 401,
        "the peer saw the change within its refresh interval"
    );
}
