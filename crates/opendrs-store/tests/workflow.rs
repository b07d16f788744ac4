//! The v3 task workflow through the store contract (SQLite, or PostgreSQL with
//! `OPENDRS_TEST_DATABASE=postgres`): connection tests, objects, flow control and prechecks are
//! stored and read back; a precheck runs through the executor on the virtual clock and gates a
//! first start; a passed `forRetryJob` precheck opens one v5 reset; a DR switchover is the current
//! action until the executor swaps the roles.

use opendrs_core::{
    audit::Actor,
    batch::Depth,
    caller::Tenant,
    enums::JobStatus,
    executor::{settle, ClockMode, ExecutorSettings, FailureInjection, Timings},
    job::JobInfo,
    lang::Lang,
    lifecycle::Op,
    ops::{parse_batch, BatchKind, ItemOutcome, WriteItem},
    store::{Backend, Dialect, JobWrite},
    workflow::{
        answers::{precheck_results, progress_items},
        state::CheckResult,
        Reachability, WorkflowState,
    },
};
use opendrs_store::testing::TestDatabase;
use serde_json::{json, Value};
use std::sync::Arc;

const TIMINGS: Timings = Timings {
    create_ms: 1_000,
    start_ms: 1_000,
    full_transfer_ms: 10_000,
    release_ms: 1_000,
    precheck_ms: 2_000,
    switchover_ms: 3_000,
};

fn settings() -> ExecutorSettings {
    ExecutorSettings {
        timings: TIMINGS,
        clock: ClockMode::Virtual,
        ..ExecutorSettings::default()
    }
}

struct Fixture {
    _db: TestDatabase,
    store: Arc<dyn Backend>,
    tenant: Tenant,
    reach: Arc<Reachability>,
}

impl Fixture {
    async fn new() -> Fixture {
        let db = TestDatabase::fresh().await;
        let store = db.open().await;
        let tenant = store
            .project_upsert("0123456789abcdef0123456789abcdef", "p", &[], 0)
            .await
            .expect("project");
        Fixture {
            _db: db,
            store,
            tenant,
            reach: Arc::new(Reachability {
                unreachable_hosts: vec!["10.9.9.9".into()],
                unreachable_ports: vec![],
            }),
        }
    }

    async fn write(&self, kind: BatchKind, body: Value) -> Vec<ItemOutcome> {
        let items = parse_batch(kind, body.to_string().as_bytes()).expect("a valid body");
        self.write_items(kind.operation(), items).await
    }

    /// `op` on the job (as the v5 actions send it), its error code if refused.
    async fn act(&self, id: &str, op: Op) -> Option<&'static str> {
        let item = WriteItem::Act {
            job_id: id.to_string(),
            op,
            payload: None,
        };
        self.write_items("ExecuteJobAction", vec![item]).await[0].error_code()
    }

    async fn write_items(
        &self,
        operation: &'static str,
        items: Vec<WriteItem>,
    ) -> Vec<ItemOutcome> {
        let w = JobWrite {
            operation,
            dialect: Dialect::V3,
            actor: Actor {
                user_id: "u".into(),
                request_id: "r".into(),
            },
            now_ms: 1_700_000_000_000,
            visible_eps: None,
            settings: settings(),
            reachability: self.reach.clone(),
            default_quota: opendrs_core::quota::DEFAULT_INSTANCES,
            items,
        };
        opendrs_core::writes::job_write(&*self.store, &self.tenant, w)
            .await
            .expect("write")
    }

    async fn code(&self, kind: BatchKind, body: Value) -> Option<&'static str> {
        self.write(kind, body).await[0].error_code()
    }

    async fn advance(&self, ms: u64) -> i64 {
        self.advance_with(ms, &settings()).await
    }

    async fn advance_with(&self, ms: u64, settings: &ExecutorSettings) -> i64 {
        let now = opendrs_core::writes::clock_advance(&*self.store, ms)
            .await
            .expect("advance");
        settle(&*self.store, settings).await.expect("settle");
        now
    }

    async fn create(&self, name: &str, scenario: &str, source_ip: &str) -> String {
        let out = self
            .write(
                BatchKind::Create,
                json!({"jobs": [{
                    "name": name, "db_use_type": scenario, "engine_type": "mysql",
                    "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "s",
                    "source_endpoint": {"db_type": "mysql", "ip": source_ip, "db_port": 3306},
                    "target_endpoint": {"db_type": "mysql", "ip": "10.0.0.2", "db_port": 3306},
                    "is_target_readonly": true
                }]}),
            )
            .await;
        let id = out[0].job_id().expect("created").to_string();
        self.advance(TIMINGS.create_ms).await;
        id
    }

    async fn record(&self, id: &str) -> opendrs_core::batch::JobRecord {
        self.store
            .job_get_many(&self.tenant, &[id.to_string()], Depth::Detail)
            .await
            .expect("read")
            .remove(0)
    }

    async fn state(&self, id: &str) -> WorkflowState {
        WorkflowState::from_text(&self.record(id).await.workflow.expect("a workflow row"))
    }
}

fn precheck(id: &str) -> Value {
    json!({"jobs": [{"job_id": id, "precheck_mode": "forStartJob"}]})
}

fn start(id: &str) -> Value {
    json!({"jobs": [{"job_id": id}]})
}

#[tokio::test]
async fn one_passed_retry_precheck_opens_one_reset_and_any_retry_uses_it() {
    let f = Fixture::new().await;
    let id = f.create("reset-job", "migration", "10.0.0.1").await;
    assert_eq!(f.code(BatchKind::Precheck, precheck(&id)).await, None);
    f.advance(TIMINGS.precheck_ms).await;
    assert_eq!(f.code(BatchKind::Start, start(&id)).await, None);
    let failing = ExecutorSettings {
        failures: FailureInjection {
            start: 0.0,
            transfer: 1.0,
        },
        ..settings()
    };
    let status = || async { f.record(&id).await.job.status };
    f.advance_with(TIMINGS.start_ms, &failing).await;
    f.advance_with(TIMINGS.full_transfer_ms, &failing).await;
    assert_eq!(status().await, JobStatus::FullTransferFailed);
    assert_eq!(
        f.act(&id, Op::Reset).await,
        Some("DRS.M00304"),
        "the start check opens no reset"
    );
    let retry_check = json!({"jobs": [{"job_id": id, "precheck_mode": "forRetryJob"}]});
    assert_eq!(f.code(BatchKind::Precheck, retry_check.clone()).await, None);
    assert_eq!(f.act(&id, Op::Reset).await, Some("DRS.M01504"));
    f.advance_with(TIMINGS.precheck_ms, &failing).await;
    assert_eq!(f.act(&id, Op::Reset).await, None);
    assert_eq!(status().await, JobStatus::FullTransferStarted);
    assert!(f.state(&id).await.precheck.is_some_and(|r| r.used));

    f.advance_with(TIMINGS.full_transfer_ms, &failing).await;
    assert_eq!(status().await, JobStatus::FullTransferFailed);
    assert_eq!(
        f.act(&id, Op::Reset).await,
        Some("DRS.M00304"),
        "one check, one reset"
    );
    assert_eq!(f.code(BatchKind::Precheck, retry_check).await, None);
    f.advance_with(TIMINGS.precheck_ms, &failing).await;
    assert_eq!(f.code(BatchKind::Retry, start(&id)).await, None);
    f.advance_with(TIMINGS.full_transfer_ms, &failing).await;
    assert_eq!(status().await, JobStatus::FullTransferFailed);
    assert_eq!(
        f.act(&id, Op::Reset).await,
        Some("DRS.M00304"),
        "a v3 retry used the check too"
    );
}

#[tokio::test]
async fn objects_speed_and_connection_tests_are_stored_and_read_back() {
    let f = Fixture::new().await;
    let id = f.create("stored-job", "migration", "10.0.0.1").await;
    let objects = json!({"jobs": [{"job_id": id, "selected": true, "job": [
        {"id": "shop", "object_type": "database", "select": "true"}]}]});
    assert_eq!(f.code(BatchKind::SelectObjects, objects).await, None);
    let speed = json!({"speed_limits": [{"job_id": id, "speed_limit": [
        {"begin": "01:00", "end": "03:59", "speed": "20"}]}]});
    assert_eq!(f.code(BatchKind::SetSpeed, speed).await, None);
    let tests = json!({"jobs": [
        {"id": id, "end_point_type": "so"},
        {"id": id, "end_point_type": "ta", "ip": "10.9.9.9", "db_port": 3306}]});
    let out = f.write(BatchKind::Connect, tests).await;
    assert_eq!(out[0].error_code(), None, "the job's own source answers");
    assert_eq!(
        out[1].error_code(),
        Some("DRS.M05011"),
        "a listed host never answers"
    );
    let s = f.state(&id).await;
    assert_eq!(s.objects.map(|o| o.objects.len()), Some(1));
    assert_eq!(s.speed_limit[0].begin, "01:00");
    assert!(s.connections.source.is_some_and(|c| c.success));
    assert!(s
        .connections
        .target
        .is_some_and(|c| !c.success && c.ip == "10.9.9.9"));
}

#[tokio::test]
async fn a_precheck_runs_on_the_executor_clock_and_a_first_start_waits_for_it_to_pass() {
    let f = Fixture::new().await;
    let id = f.create("checked-job", "migration", "10.0.0.1").await;
    assert_eq!(
        f.code(BatchKind::Start, start(&id)).await,
        Some("DRS.M00304")
    );
    assert_eq!(f.code(BatchKind::Precheck, precheck(&id)).await, None);
    assert_eq!(
        f.code(BatchKind::Start, start(&id)).await,
        Some("DRS.M01504"),
        "not while it runs"
    );
    let rec = f.record(&id).await;
    assert_eq!(
        rec.job.running,
        Some(opendrs_core::lifecycle::Step::Precheck)
    );
    let now = f.advance(1_000).await;
    let ids = [id.clone()];
    let half = precheck_results(
        &ids,
        std::slice::from_ref(&f.record(&id).await),
        now,
        Lang::EnUs,
    );
    assert_eq!(half.results[0].process.as_deref(), Some("50%"));
    assert_eq!(half.results[0].result, Some(false));
    let now = f.advance(1_000).await;
    let done = precheck_results(
        &ids,
        std::slice::from_ref(&f.record(&id).await),
        now,
        Lang::EnUs,
    );
    assert_eq!(done.results[0].process.as_deref(), Some("100%"));
    assert_eq!(done.results[0].result, Some(true));
    assert_eq!(done.results[0].total_passed_rate.as_deref(), Some("100%"));
    assert_eq!(f.record(&id).await.job.running, None);
    assert_eq!(f.code(BatchKind::Start, start(&id)).await, None);
    f.advance(TIMINGS.start_ms + 5_000).await;
    let rec = f.record(&id).await;
    assert_eq!(rec.job.status, JobStatus::FullTransferStarted);
    let now = f.advance(0).await;
    let p = progress_items(&ids, &[rec], now, &TIMINGS, Lang::EnUs);
    assert_eq!(p.results[0].progress.as_deref(), Some("50"));
    assert_eq!(p.results[0].remaining_time.as_deref(), Some("5"));
}

#[tokio::test]
async fn an_unreachable_endpoint_fails_the_precheck_and_blocks_the_start_until_fixed() {
    let f = Fixture::new().await;
    let id = f.create("failing-job", "sync", "db.down.invalid").await;
    f.code(BatchKind::Precheck, precheck(&id)).await;
    f.advance(TIMINGS.precheck_ms).await;
    let run = f.state(&id).await.precheck.expect("a run");
    assert!(run.done && !run.passed());
    let failed: Vec<_> = run
        .items
        .iter()
        .filter(|i| i.result == CheckResult::Failed)
        .map(|i| i.item.as_str())
        .collect();
    assert_eq!(failed, vec!["srcDbConnection"]);
    assert_eq!(
        f.code(BatchKind::Start, start(&id)).await,
        Some("DRS.M00304")
    );
    // Fixing the endpoint is a configuration change: the old result no longer counts.
    let fix =
        json!({"jobs": [{"job_id": id, "source_endpoint": {"ip": "10.0.0.1", "db_port": 3306}}]});
    assert_eq!(f.code(BatchKind::Modify, fix).await, None);
    assert!(f.state(&id).await.precheck.is_none());
    f.code(BatchKind::Precheck, precheck(&id)).await;
    f.advance(TIMINGS.precheck_ms).await;
    assert_eq!(f.code(BatchKind::Start, start(&id)).await, None);
}

#[tokio::test]
async fn a_configuration_change_makes_a_seeded_job_need_a_precheck() {
    let f = Fixture::new().await;
    let mut seeded = opendrs_store::generate::Factory::new(9).job(&["0".to_string()]);
    seeded.status = JobStatus::Configuration;
    seeded.children.clear();
    seeded.source_endpoint.ip = Some("10.0.0.1".into());
    seeded.target_endpoint.ip = Some("10.0.0.2".into());
    f.store
        .jobs_insert(&f.tenant, std::slice::from_ref(&seeded))
        .await
        .expect("seed");
    let fix = json!({"jobs": [{"job_id": seeded.id, "task_type": "FULL_TRANS"}]});
    assert_eq!(f.code(BatchKind::Modify, fix).await, None);
    assert_eq!(
        f.code(BatchKind::Start, start(&seeded.id)).await,
        Some("DRS.M00304")
    );
    f.code(BatchKind::Precheck, precheck(&seeded.id)).await;
    f.advance(TIMINGS.precheck_ms).await;
    assert_eq!(f.code(BatchKind::Start, start(&seeded.id)).await, None);
}

#[tokio::test]
async fn a_dr_switchover_is_the_current_action_until_the_executor_swaps_the_roles() {
    let f = Fixture::new().await;
    let id = f.create("dr-job", "cloudDataGuard", "10.0.0.1").await;
    f.code(BatchKind::Precheck, precheck(&id)).await;
    f.advance(TIMINGS.precheck_ms).await;
    f.code(BatchKind::Start, start(&id)).await;
    f.advance(TIMINGS.start_ms + TIMINGS.full_transfer_ms).await;
    assert_eq!(
        f.record(&id).await.job.status,
        JobStatus::IncreTransferStarted
    );
    let out = f
        .write(
            BatchKind::Switchover,
            json!({"jobs": [id], "is_pause_job": true}),
        )
        .await;
    let ItemOutcome::Switched { view, .. } = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(
        view.source.ip.as_deref(),
        Some("10.0.0.2"),
        "the roles it will have"
    );
    let rec = f.record(&id).await;
    let shown = JobInfo::from(&rec.job);
    assert_eq!(shown.job_action.current_action, Some("SWITCH_OVER"));
    assert_eq!(
        f.code(BatchKind::Switchover, json!({"jobs": [id]})).await,
        Some("DRS.M01504")
    );
    f.advance(TIMINGS.switchover_ms).await;
    let rec = f.record(&id).await;
    assert_eq!(rec.job.running, None);
    assert_eq!(rec.job.source_endpoint.ip.as_deref(), Some("10.0.0.2"));
    assert_eq!(rec.job.job_direction.as_str(), "down");
    assert_eq!(
        rec.job.status,
        JobStatus::Pausing,
        "is_pause_job pauses it after"
    );
    let sw = f.state(&id).await.switchover.expect("recorded");
    assert_eq!((sw.completed, sw.done_at.is_some()), (1, true));
    let m = f.create("migration-job", "migration", "10.0.0.1").await;
    assert_eq!(
        f.code(BatchKind::Switchover, json!({"jobs": [m]})).await,
        Some("DRS.M00304")
    );
}

#[tokio::test]
async fn a_stop_cancels_a_running_precheck_and_seeded_jobs_need_none() {
    let f = Fixture::new().await;
    let id = f.create("cancelled-job", "migration", "10.0.0.1").await;
    f.code(BatchKind::Precheck, precheck(&id)).await;
    let stop = json!({"jobs": [{"job_id": id, "delete_type": "terminate"}]});
    assert_eq!(f.code(BatchKind::Delete, stop).await, None);
    assert_eq!(f.record(&id).await.job.running, None);
    f.advance(TIMINGS.precheck_ms + TIMINGS.release_ms).await;
    let rec = f.record(&id).await;
    assert_eq!(rec.job.status, JobStatus::ReleaseResourceComplete);
    let run = f.state(&id).await.precheck.expect("the run stays recorded");
    assert!(!run.done, "the executor never completed the cancelled run");
    // A job seeded as it is (demo data) has no recorded workflow: it starts without one.
    let mut seeded = opendrs_store::generate::Factory::new(7).job(&["0".to_string()]);
    seeded.status = JobStatus::Configuration;
    seeded.children.clear();
    f.store
        .jobs_insert(&f.tenant, std::slice::from_ref(&seeded))
        .await
        .expect("seed");
    assert!(f.record(&seeded.id).await.workflow.is_none());
    // Flow control records a workflow for it, and still no precheck is needed.
    let speed = json!({"speed_limits": [{"job_id": seeded.id, "speed_limit": []}]});
    assert_eq!(f.code(BatchKind::SetSpeed, speed).await, None);
    assert!(f.record(&seeded.id).await.workflow.is_some());
    assert_eq!(f.code(BatchKind::Start, start(&seeded.id)).await, None);
}
