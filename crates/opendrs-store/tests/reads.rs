//! The store's small reads for the v5 API, on either engine (`OPENDRS_TEST_DATABASE`): whether a
//! job name is taken, the project's enterprise projects, and the timeline of a job seeded with its
//! history (`writes::history_seed`).

use opendrs_core::{
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
    store::{Backend, EnterpriseProjectRow},
    window::Window,
    writes::{history_seed, Seeded},
};
use opendrs_store::testing::TestDatabase;

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
        db_use_type: DbUseType::Sync,
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

#[tokio::test]
async fn a_name_is_taken_only_by_a_live_top_level_job_of_the_same_project() {
    let db = TestDatabase::fresh().await;
    let store: std::sync::Arc<dyn Backend> = db.open().await;
    let (p1, p2) = opendrs_store::testing::two_projects(&store).await;
    let mut parent = job("a", "Live-Job", JobStatus::Configuration);
    parent.children.push(job(
        "a-child",
        "Child-Name",
        JobStatus::ChildTransferStarted,
    ));
    store
        .jobs_insert(&p1, &[parent, job("b", "Gone-Job", JobStatus::Deleted)])
        .await
        .expect("jobs");
    assert!(store.job_name_taken(&p1, "Live-Job").await.expect("read"));
    assert!(
        !store.job_name_taken(&p1, "live-job").await.expect("read"),
        "case counts"
    );
    assert!(
        !store.job_name_taken(&p1, "Gone-Job").await.expect("read"),
        "deleted"
    );
    assert!(
        !store.job_name_taken(&p1, "Child-Name").await.expect("read"),
        "children"
    );
    assert!(
        !store.job_name_taken(&p2, "Live-Job").await.expect("read"),
        "other project"
    );
    assert!(!store.job_name_taken(&p1, "nul\0name").await.expect("read"));
}

#[tokio::test]
async fn enterprise_projects_are_listed_by_id_with_their_project_s_creation_time() {
    let db = TestDatabase::fresh().await;
    let store: std::sync::Arc<dyn Backend> = db.open().await;
    let eps = vec!["0".to_string(), "ep-b".to_string(), "ep-a".to_string()];
    let p1 = store
        .project_upsert(&format!("{:032x}", 1), "p1", &eps, 1_700_000_000_000)
        .await
        .expect("p1");
    let p2 = store
        .project_upsert(&format!("{:032x}", 2), "p2", &["0".to_string()], 5)
        .await
        .expect("p2");
    let ids = |rows: Vec<EnterpriseProjectRow>| -> Vec<(String, i64)> {
        rows.into_iter().map(|r| (r.id, r.created_at_ms)).collect()
    };
    assert_eq!(
        ids(store.enterprise_project_list(&p1).await.expect("p1")),
        vec![
            ("0".to_string(), 1_700_000_000_000),
            ("ep-a".to_string(), 1_700_000_000_000),
            ("ep-b".to_string(), 1_700_000_000_000),
        ]
    );
    assert_eq!(
        ids(store.enterprise_project_list(&p2).await.expect("p2")),
        vec![("0".to_string(), 5)]
    );
}

#[tokio::test]
async fn a_seeded_history_is_written_once_with_the_jobs_own_failure_and_children_get_theirs() {
    let db = TestDatabase::fresh().await;
    let store: std::sync::Arc<dyn Backend> = db.open().await;
    let (p1, p2) = opendrs_store::testing::two_projects(&store).await;
    let mut failed = job("f", "Failed-Job", JobStatus::FullTransferFailed);
    failed.error_msg = Some("table orders has no primary key".into());
    failed.children.push(job(
        "f-child",
        "Child-Name",
        JobStatus::ChildTransferStarted,
    ));
    let jobs = vec![failed, job("c", "Created-Job", JobStatus::Creating)];
    store.jobs_insert(&p1, &jobs).await.expect("jobs");
    let now = jobs[0].create_time_ms + 86_400_000;
    let written = history_seed(&*store, &p1, Seeded::all(&jobs), now)
        .await
        .expect("seed");
    assert_eq!(
        written,
        5 + 6 + 1,
        "the failed job, its child, the created one"
    );
    let again = history_seed(&*store, &p1, Seeded::all(&jobs), now).await;
    assert_eq!(again.expect("again"), 0, "a history is seeded once");
    let elsewhere = history_seed(&*store, &p2, Seeded::all(&jobs), now).await;
    assert_eq!(
        elsewhere.expect("p2"),
        0,
        "another project's jobs are not found"
    );

    let window = Window {
        offset: 0,
        limit: 100,
    };
    let page = |id: &'static str| {
        let store = store.clone();
        let p1 = p1.clone();
        async move {
            store
                .job_timeline(&p1, id, window)
                .await
                .expect("read")
                .expect("found")
        }
    };
    let f = page("f").await;
    let names: Vec<JobStatus> = f.events.iter().map(|e| e.status).collect();
    assert_eq!(
        names,
        vec![
            JobStatus::FullTransferFailed,
            JobStatus::FullTransferStarted,
            JobStatus::StartJobing,
            JobStatus::Configuration,
            JobStatus::Creating,
        ]
    );
    assert_eq!(f.total, 5);
    assert_eq!(
        f.events[0].error_msg.as_deref(),
        Some("table orders has no primary key")
    );
    assert!(f.events[1..].iter().all(|e| e.error_msg.is_none()));
    assert!(f.events.iter().all(|e| e.user_name.is_none()));
    assert_eq!(f.events[4].at_ms, jobs[0].create_time_ms);
    assert!(f.events.windows(2).all(|w| w[0].at_ms >= w[1].at_ms));
    assert!(f.events[0].at_ms <= now);
    let child = page("f-child").await;
    assert_eq!(child.events[0].status, JobStatus::ChildTransferStarted);
    assert_eq!(child.total, 6);
    assert_eq!(page("c").await.total, 1);
}
