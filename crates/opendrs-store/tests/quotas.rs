//! Job quotas through the store contract, on either engine (`OPENDRS_TEST_DATABASE`): the
//! configured quota and the count of live top-level jobs read back, and creations that run at
//! the same time never passing the quota (the count is taken under the project's quota lock).

use opendrs_core::{
    audit::Actor,
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
    ops::{parse_batch, BatchKind, ItemOutcome},
    quota::QuotaUsage,
    store::{Dialect, JobWrite},
};
use opendrs_store::testing::{two_projects, TestDatabase};
use serde_json::json;

fn job(id: &str, name: &str, status: JobStatus) -> Job {
    Job {
        id: id.into(),
        name: name.into(),
        status,
        description: String::new(),
        create_time_ms: 1_767_225_600_000,
        engine_type: "mysql".into(),
        net_type: NetType::Vpc,
        billing_tag: false,
        job_direction: JobDirection::Up,
        db_use_type: DbUseType::Migration,
        task_type: TaskType::FullIncrTrans,
        node_new_framework: false,
        error_msg: None,
        enterprise_project_id: "0".into(),
        charging_mode: ChargingMode::OnDemand,
        is_multi_az: false,
        tags: Vec::new(),
        source_endpoint: Endpoint::default(),
        target_endpoint: Endpoint::default(),
        children: Vec::new(),
        running: None,
    }
}

/// A `batch-creation` of jobs with these names, as the API makes it.
fn creation(names: &[String], default_quota: u64) -> JobWrite {
    let items: Vec<_> = names
        .iter()
        .map(|n| {
            json!({"name": n, "db_use_type": "migration", "engine_type": "mysql",
                   "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "s-1",
                   "source_endpoint": {}, "target_endpoint": {}})
        })
        .collect();
    JobWrite {
        operation: "BatchCreateJobs",
        dialect: Dialect::V3,
        actor: Actor {
            user_id: "u".into(),
            request_id: "r".into(),
        },
        now_ms: 1_700_000_000_000,
        visible_eps: None,
        settings: Default::default(),
        reachability: Default::default(),
        default_quota,
        items: parse_batch(
            BatchKind::Create,
            json!({ "jobs": items }).to_string().as_bytes(),
        )
        .expect("a valid body"),
    }
}

#[tokio::test]
async fn a_quota_is_stored_per_project_and_live_top_level_jobs_are_counted() {
    let db = TestDatabase::fresh().await;
    let store = db.open().await;
    let (p1, p2) = two_projects(&store).await;
    assert_eq!(
        store.quota_read(&p1).await.expect("read"),
        QuotaUsage::default()
    );
    let mut parent = job("a", "a", JobStatus::Configuration);
    parent
        .children
        .push(job("a-child", "a-child", JobStatus::ChildTransferStarted));
    store
        .jobs_insert(
            &p1,
            &[
                parent,
                job("b", "b", JobStatus::FullTransferFailed),
                job("c", "c", JobStatus::Deleted),
            ],
        )
        .await
        .expect("jobs");
    store
        .jobs_insert(&p2, &[job("d", "d", JobStatus::Configuration)])
        .await
        .expect("jobs");
    store.quota_set(&p1, Some(9)).await.expect("set");
    assert_eq!(
        store.quota_read(&p1).await.expect("read"),
        QuotaUsage {
            instances: Some(9),
            used: 2
        }
    );
    assert_eq!(
        store.quota_read(&p2).await.expect("read"),
        QuotaUsage {
            instances: None,
            used: 1
        }
    );
    store.quota_set(&p1, Some(0)).await.expect("set again");
    assert_eq!(
        store.quota_read(&p1).await.expect("read").instances,
        Some(0)
    );
    store.quota_set(&p1, None).await.expect("reset");
    assert_eq!(store.quota_read(&p1).await.expect("read").instances, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn creations_at_the_same_time_never_pass_the_quota() {
    let db = TestDatabase::fresh().await;
    let store = db.open().await;
    let (p1, _) = two_projects(&store).await;
    store.quota_set(&p1, Some(7)).await.expect("set");
    // 12 writers of 2 jobs each, all at once: exactly 7 jobs may exist afterwards.
    let tasks: Vec<_> = (0..12)
        .map(|w| {
            let (store, p1) = (store.clone(), p1.clone());
            tokio::spawn(async move {
                let names = [format!("w{w}-a"), format!("w{w}-b")];
                opendrs_core::writes::job_write(&*store, &p1, creation(&names, 1_000))
                    .await
                    .expect("write")
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        for o in t.await.expect("task") {
            match o {
                ItemOutcome::Created { .. } => created += 1,
                other => assert_eq!(other.error_code(), Some("DRS.M05067"), "{other:?}"),
            }
        }
    }
    assert_eq!(created, 7);
    assert_eq!(store.quota_read(&p1).await.expect("read").used, 7);
}

#[tokio::test]
async fn a_taken_name_uses_no_quota_so_the_jobs_behind_it_still_fit_in_item_order() {
    let db = TestDatabase::fresh().await;
    let store = db.open().await;
    let (p1, _) = two_projects(&store).await;
    store
        .jobs_insert(&p1, &[job("x", "job-x", JobStatus::Configuration)])
        .await
        .expect("jobs");
    store.quota_set(&p1, Some(3)).await.expect("set");
    // Room for two: `job-x` is taken, the second `job-b` repeats the first, so `job-b` and
    // `job-c` fit and `job-d` is the one refused, as if the items had been created one after another.
    let names: Vec<String> = ["job-x", "job-b", "job-b", "job-c", "job-d"]
        .map(String::from)
        .to_vec();
    let outcomes = opendrs_core::writes::job_write(&*store, &p1, creation(&names, 1_000))
        .await
        .expect("write");
    let codes: Vec<Option<&str>> = outcomes.iter().map(ItemOutcome::error_code).collect();
    assert_eq!(
        codes,
        [
            Some("DRS.M00277"),
            None,
            Some("DRS.M00277"),
            None,
            Some("DRS.M05067")
        ]
    );
    let created: Vec<&str> = outcomes
        .iter()
        .filter_map(|o| match o {
            ItemOutcome::Created { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(created, ["job-b", "job-c"]);
    assert_eq!(store.quota_read(&p1).await.expect("read").used, 3);
}

#[tokio::test]
async fn without_a_configured_quota_the_writes_default_applies() {
    let db = TestDatabase::fresh().await;
    let store = db.open().await;
    let (p1, _) = two_projects(&store).await;
    let names: Vec<String> = (0..3).map(|i| format!("job-{i}")).collect();
    let out = opendrs_core::writes::job_write(&*store, &p1, creation(&names, 2))
        .await
        .expect("write");
    let codes: Vec<_> = out.iter().map(ItemOutcome::error_code).collect();
    assert_eq!(codes, [None, None, Some("DRS.M05067")]);
}
