//! The committed OpenAPI document is the generated one, and the service serves it.

use crate::helpers::{Cred, TestApp};

const COMMITTED: &str = include_str!("../../../../openapi/opendrs.json");

#[test]
fn the_committed_openapi_document_is_up_to_date() {
    let generated = opendrs_server::http::openapi::document_json();
    if generated != COMMITTED {
        panic!(
            "openapi/opendrs.json is stale: run `cargo run --bin opendrs -- openapi > openapi/opendrs.json` and commit it"
        );
    }
}

#[tokio::test]
async fn the_document_is_served_and_describes_the_list_operation() {
    let app = TestApp::spawn().await;
    let a = app
        .send("GET", "/openapi.json", &Cred::None, &[], b"")
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        a.body["paths"]["/v3/{project_id}/jobs"]["post"]["operationId"],
        "ShowJobList"
    );
    assert!(
        a.body["components"]["schemas"]["JobInfo"]["properties"]["node_newFramework"].is_object()
    );
}
