//! The demo's data as a user finds it: the real `opendrs serve --demo` (on SQLite, or on
//! PostgreSQL with `OPENDRS_TEST_DATABASE=postgres`) lists every status in every scenario, and
//! every seeded task, child or not, has a recorded history that ends in its status.

use opendrs_store::testing::TestDatabase;
use serde_json::{json, Value};

mod common;

use common::{serve_command, signed_headers, Client, Server};

/// `GET /v5/{project}/jobs/{id}/timelines` (the default page: 10 entries, more than any seeded
/// history has), which must succeed.
async fn timeline(client: &Client, base: &str, id: &str) -> Value {
    let path = format!("/v5/{}/jobs/{id}/timelines", client.project);
    let res = client
        .http
        .get(format!("{base}{path}"))
        .headers(signed_headers(
            &client.ak, &client.sk, "GET", base, &path, "",
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200, "timeline of {id}");
    res.json().await.expect("JSON")
}

/// Every job of `scenario` in the client's project (`status`: only those), children inside.
async fn list(client: &Client, base: &str, scenario: &str, status: Option<&str>) -> Vec<Value> {
    let mut body = json!({"db_use_type": scenario, "cur_page": 0});
    if let Some(s) = status {
        body["status"] = json!(s);
    }
    let (code, a) = client.call(base, "", body).await;
    assert_eq!(code, 200, "{a}");
    let jobs = a["jobs"].as_array().expect("jobs").clone();
    assert_eq!(a["total_record"], jobs.len(), "the whole list");
    jobs
}

/// Checks the job's history against what the list says of it: newest entry its status (failed
/// when the status is a failure), oldest the creation, more than one unless it is being created.
async fn check_history(client: &Client, base: &str, job: &Value) {
    let (id, status) = (job["id"].as_str().expect("id"), job["status"].as_str());
    let t = timeline(client, base, id).await;
    let entries = t["timelines"].as_array().expect("timelines");
    let count = t["count"].as_u64().expect("count");
    assert_eq!(
        count as usize,
        entries.len(),
        "{id}: the whole history: {t}"
    );
    assert_eq!(
        entries[0]["name"].as_str(),
        status,
        "{id}: newest entry: {t}"
    );
    assert_eq!(entries[count as usize - 1]["name"], "CREATING", "{id}: {t}");
    assert!(count > 1 || status == Some("CREATING"), "{id}: {t}");
    let failed = status.is_some_and(|s| s.ends_with("_FAILED"));
    assert_eq!(entries[0]["status"] == "failed", failed, "{id}: {t}");
    let times: Vec<&str> = entries
        .iter()
        .map(|e| e["operation_time"].as_str().expect("time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{id}: {times:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_demo_task_has_a_history_ending_in_its_status_and_the_list_is_as_seeded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = TestDatabase::fresh().await;
    let mut cmd = serve_command(dir.path(), true);
    cmd.env("OPENDRS_DATABASE_URL", db.url_string());
    let server = Server::start(cmd);
    let base = server.base.as_str();
    let demo = common::demo_json(dir.path());
    let client = Client::of_demo_json(&demo);

    let mut seen = 0;
    let mut children = 0;
    for scenario in ["migration", "sync", "cloudDataGuard"] {
        let mut jobs = list(&client, base, scenario, None).await;
        let mut statuses: Vec<&str> = jobs.iter().filter_map(|j| j["status"].as_str()).collect();
        statuses.sort();
        statuses.dedup();
        // Every status but DELETED (listed only on request) is in every scenario, as seeded.
        assert_eq!(statuses.len(), 28, "{scenario}: {statuses:?}");
        jobs.extend(list(&client, base, scenario, Some("DELETED")).await);
        for job in &jobs {
            check_history(&client, base, job).await;
            for child in job["children"].as_array().into_iter().flatten() {
                check_history(&client, base, child).await;
                children += 1;
            }
        }
        seen += jobs.len();
    }
    assert_eq!(
        seen as u64,
        demo["jobs"].as_u64().expect("jobs"),
        "every demo job"
    );
    assert!(children > 0, "the demo has children");

    let other = Client {
        ak: demo["other_ak"].as_str().expect("other_ak").into(),
        sk: demo["other_sk"].as_str().expect("other_sk").into(),
        project: demo["other_project_id"].as_str().expect("other").into(),
        ..client.clone()
    };
    let mut others = 0;
    for scenario in ["migration", "sync", "cloudDataGuard"] {
        others += list(&other, base, scenario, None).await.len();
        others += list(&other, base, scenario, Some("DELETED")).await.len();
    }
    assert_eq!(
        others as u64,
        demo["other_jobs"].as_u64().expect("other_jobs"),
        "the other project holds what demo.json says"
    );
    let failed = list(&other, base, "migration", Some("FULL_TRANSFER_FAILED")).await;
    let job = failed
        .first()
        .expect("a failed migration in the other project");
    check_history(&other, base, job).await;
    let t = timeline(&other, base, job["id"].as_str().expect("id")).await;
    assert_eq!(
        t["timelines"][1]["name"], "FULL_TRANSFER_STARTED",
        "it failed in its full transfer: {t}"
    );
}
