//! The store's small reads for the v5 API, on either engine (`OPENDRS_TEST_DATABASE`): whether a
//! job name is taken, and the project's enterprise projects.

use opendrs_core::{
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
    store::{Backend, EnterpriseProjectRow},
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
    let eps = vec!["0".to_string()];
    let p1 = store
        .project_upsert(&format!("{:032x}", 1), "p1", &eps, 0)
        .await
        .expect("p1");
    let p2 = store
        .project_upsert(&format!("{:032x}", 2), "p2", &eps, 0)
        .await
        .expect("p2");
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
