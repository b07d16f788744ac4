use crate::SqliteStore;
use opendrs_core::{
    audit::Actor,
    caller::Tenant,
    enums::{DbUseType, JobDirection, NetType, TaskType},
    executor::{ClockMode, ExecutorSettings, RunReport, Timings},
    job::Endpoint,
    lifecycle::Op,
    ops::{ItemOutcome, JobSpec, Modification, NewJob, Payload, WriteItem},
    store::{AdminStore, Dialect, JobWrite},
    writes::{clock_advance, job_write},
};
use rusqlite::TransactionBehavior;

fn store() -> (tempfile::TempDir, SqliteStore, Tenant) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("db")).expect("open");
    let tenant = tokio_run(store.project_upsert("0123456789abcdef0123456789abcdef", "p", &[], 0))
        .expect("project");
    (dir, store, tenant)
}

fn transitions_run(store: &SqliteStore, settings: &ExecutorSettings) -> RunReport {
    tokio_run(opendrs_core::writes::transitions_run(store, settings)).expect("run")
}

/// The store's writes hand their work to tokio's blocking pool.
fn tokio_run<T>(f: impl std::future::Future<Output = T>) -> T {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        return tokio::task::block_in_place(|| handle.block_on(f));
    }
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

fn history(
    store: &SqliteStore,
    tenant: &Tenant,
    id: &str,
) -> Vec<(Option<String>, String, String)> {
    tokio_run(store.job_history(tenant, id)).expect("history")
}

fn new_job(name: &str) -> NewJob {
    NewJob {
        name: name.into(),
        db_use_type: DbUseType::Migration,
        engine_type: "mysql".into(),
        job_direction: JobDirection::Up,
        net_type: NetType::Vpc,
        task_type: TaskType::FullIncrTrans,
        description: String::new(),
        enterprise_project_id: "0".into(),
        tags: Vec::new(),
        source_endpoint: Endpoint::default(),
        target_endpoint: Endpoint::default(),
        spec: JobSpec::default(),
    }
}

fn settings(clock: ClockMode) -> ExecutorSettings {
    ExecutorSettings {
        timings: Timings::INSTANT,
        clock,
        batch: 7,
        ..ExecutorSettings::default()
    }
}

fn write(store: &SqliteStore, tenant: &Tenant, items: Vec<WriteItem>) -> Vec<ItemOutcome> {
    write_with(store, tenant, items, settings(ClockMode::Virtual))
}

fn write_with(
    store: &SqliteStore,
    tenant: &Tenant,
    items: Vec<WriteItem>,
    settings: ExecutorSettings,
) -> Vec<ItemOutcome> {
    let w = JobWrite {
        operation: "Test",
        dialect: Dialect::V3,
        actor: Actor {
            user_id: "u".into(),
            request_id: "r".into(),
        },
        now_ms: opendrs_core::clock::now_ms(),
        visible_eps: None,
        settings,
        reachability: Default::default(),
        default_quota: opendrs_core::quota::DEFAULT_INSTANCES,
        items,
    };
    tokio_run(job_write(store, tenant, w)).expect("write")
}

#[test]
fn concurrent_executors_apply_every_transition_exactly_once() {
    let (_dir, store, tenant) = store();
    let items = (0..60)
        .map(|i| WriteItem::Create(Box::new(new_job(&format!("job-{i:03}")))))
        .collect();
    let created = write(&store, &tenant, items);
    let ids: Vec<String> = created
        .iter()
        .filter_map(|o| o.job_id().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 60);
    // Four executors on four connections race for the same due transitions.
    std::thread::scope(|s| {
        for _ in 0..4 {
            let store = store.clone();
            s.spawn(move || {
                let mut idle = 0;
                while idle < 3 {
                    let run = transitions_run(&store, &settings(ClockMode::Virtual));
                    idle = if run.applied == 0 { idle + 1 } else { 0 };
                }
            });
        }
    });
    for id in &ids {
        let history = history(&store, &tenant, id);
        let steps: Vec<&str> = history.iter().map(|(_, to, _)| to.as_str()).collect();
        assert_eq!(steps, vec!["CREATING", "CONFIGURATION"], "{id}");
    }
    let pending: i64 = store
        .pool
        .get()
        .expect("conn")
        .query_row("SELECT count(*) FROM job_transitions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(pending, 0);
}

#[test]
fn a_transition_rolled_back_mid_way_is_still_pending_afterwards() {
    let (_dir, store, tenant) = store();
    write(
        &store,
        &tenant,
        vec![WriteItem::Create(Box::new(new_job("crashy-job")))],
    );
    // A crash between claiming a transition and committing is a rollback.
    {
        let mut conn = store.pool.get().expect("conn");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .expect("tx");
        tx.execute("DELETE FROM job_transitions", [])
            .expect("claim");
        tx.execute("UPDATE jobs SET status = 'CONFIGURATION'", [])
            .expect("apply");
        drop(tx); // no commit
    }
    let run = transitions_run(&store, &settings(ClockMode::Virtual));
    assert_eq!(run.applied, 1, "the transition survived the crash");
}

#[test]
fn the_virtual_clock_moves_only_on_command() {
    let (_dir, store, tenant) = store();
    let mut s = settings(ClockMode::Virtual);
    s.timings.create_ms = 1_000;
    let w = JobWrite {
        operation: "Test",
        dialect: Dialect::V3,
        actor: Actor {
            user_id: "u".into(),
            request_id: "r".into(),
        },
        now_ms: opendrs_core::clock::now_ms(),
        visible_eps: None,
        settings: s,
        reachability: Default::default(),
        default_quota: opendrs_core::quota::DEFAULT_INSTANCES,
        items: vec![WriteItem::Create(Box::new(new_job("slow-job")))],
    };
    tokio_run(job_write(&store, &tenant, w)).expect("write");
    assert_eq!(transitions_run(&store, &s).applied, 0);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(
        transitions_run(&store, &s).applied,
        0,
        "wall time does not move it"
    );
    tokio_run(clock_advance(&store, 999)).expect("advance");
    assert_eq!(transitions_run(&store, &s).applied, 0);
    tokio_run(clock_advance(&store, 1)).expect("advance");
    assert_eq!(transitions_run(&store, &s).applied, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_executor_run_changes_nothing_that_caches_watch() {
    use opendrs_core::store::Store;
    let (_dir, store, tenant) = store();
    let mut s = settings(ClockMode::Wall);
    s.timings.create_ms = 3_600_000;
    write_with(
        &store,
        &tenant,
        vec![WriteItem::Create(Box::new(new_job("idle-job")))],
        s,
    );
    let before = store.data_version().await.expect("version");
    let run = opendrs_core::writes::transitions_run(&store, &s)
        .await
        .expect("run");
    assert_eq!(run.applied, 0);
    assert!(run.next_due.is_some(), "the pending step is reported");
    assert_eq!(store.data_version().await.expect("version"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_version_moves_with_its_own_jobs_and_tags_only() {
    use opendrs_core::store::Store;
    let (_dir, store, tenant) = store();
    let other = store
        .project_upsert("fedcba9876543210fedcba9876543210", "q", &[], 0)
        .await
        .expect("project");
    let v = |t: &Tenant| {
        let t = t.clone();
        let s = store.clone();
        async move { s.project_version(&t).await.expect("version") }
    };
    let (mine0, theirs0) = (v(&tenant).await, v(&other).await);
    let created = write(
        &store,
        &tenant,
        vec![WriteItem::Create(Box::new(new_job("versioned")))],
    );
    let mine1 = v(&tenant).await;
    assert!(mine1 > mine0, "an insert moves it");
    assert_eq!(v(&other).await, theirs0, "not another project's");
    let id = created[0].job_id().expect("id").to_string();
    let modify = WriteItem::Act {
        job_id: id,
        op: Op::Modify {
            configuration: false,
        },
        payload: Some(Box::new(Payload::Modify(Box::new(Modification {
            tags: vec![("k".into(), "v".into())],
            ..Modification::default()
        })))),
    };
    write(&store, &tenant, vec![modify]);
    assert!(v(&tenant).await > mine1, "an update and a tag move it");
    assert_eq!(v(&other).await, theirs0);
}
