//! Property test: random sequences of user operations and clock jumps on one job, applied to
//! the store (SQLite, or PostgreSQL with `OPENDRS_TEST_DATABASE=postgres`: writes, executor runs on the virtual clock) and to a plain in-memory model
//! of the lifecycle built from the core's state machine. After every step both must agree on
//! the job's status and on each refused operation's error code; at the end, the store's
//! timeline of the job (any window of it) is the model's history, newest first.

use opendrs_core::{
    audit::Actor,
    batch::Depth,
    caller::Tenant,
    enums::DbUseType,
    enums::{JobStatus, TaskType},
    executor::{settle, ClockMode, ExecutorSettings, Timings},
    lifecycle::{data_plane_next, decide, Due, JobState, Op, PrecheckMode, Step, Transition},
    ops::{parse_batch, BatchKind, ItemOutcome, Modification, Payload, WriteItem},
    store::{Backend, Dialect, JobWrite},
    window::Window,
    workflow::PrecheckGate,
};
use opendrs_store::testing::TestDatabase;
use proptest::prelude::*;
use std::sync::Arc;

const TIMINGS: Timings = Timings {
    create_ms: 1_000,
    start_ms: 1_000,
    full_transfer_ms: 3_000,
    release_ms: 1_000,
    precheck_ms: 1_500,
    switchover_ms: 1_000,
};

fn settings() -> ExecutorSettings {
    ExecutorSettings {
        timings: TIMINGS,
        clock: ClockMode::Virtual,
        ..ExecutorSettings::default()
    }
}

/// One step of a scenario.
#[derive(Debug, Clone)]
enum Step_ {
    Act(Op, Option<TaskType>),
    Advance(u64),
}

fn step() -> impl Strategy<Value = Step_> {
    let task = prop_oneof![
        Just(TaskType::FullTrans),
        Just(TaskType::FullIncrTrans),
        Just(TaskType::IncrTrans)
    ];
    prop_oneof![
        3 => (0u64..6_000).prop_map(Step_::Advance),
        2 => prop_oneof![Just(None), (1i64..5_000).prop_map(Some)]
            .prop_map(|at| Step_::Act(Op::Start { at_ms: at }, None)),
        1 => Just(Step_::Act(Op::Pause, None)),
        2 => Just(Step_::Act(Op::Restore, None)),
        1 => Just(Step_::Act(Op::Terminate, None)),
        1 => Just(Step_::Act(Op::ForceTerminate, None)),
        1 => Just(Step_::Act(Op::Delete, None)),
        1 => Just(Step_::Act(Op::Modify { configuration: false }, None)),
        1 => task.prop_map(|t| Step_::Act(Op::Modify { configuration: true }, Some(t))),
        2 => Just(Step_::Act(Op::Precheck { mode: PrecheckMode::ForStartJob }, None)),
        1 => Just(Step_::Act(Op::Precheck { mode: PrecheckMode::ForRetryJob }, None)),
    ]
}

/// The lifecycle as the core describes it, with nothing stored.
struct Model {
    status: JobStatus,
    task: TaskType,
    paused_from: Option<JobStatus>,
    pending: Option<(Transition, i64)>,
    now: i64,
    /// The precheck a first start needs (the job was created through the API: recorded).
    precheck: PrecheckGate,
    /// The precheck run in progress: its mode.
    running: Option<PrecheckMode>,
    /// Every status reached, oldest first.
    history: Vec<JobStatus>,
}

impl Model {
    /// Applies `op`; the error code when it is refused.
    fn act(&mut self, op: &Op, task: Option<TaskType>) -> Option<&'static str> {
        let state = JobState {
            status: self.status,
            task_type: self.task,
            paused_from: if self.status == JobStatus::Pausing {
                self.paused_from
            } else {
                None
            },
            scenario: DbUseType::Sync,
            multi_write: false,
            running: self.running.map(|_| Step::Precheck),
            precheck: self.precheck,
        };
        let d = match decide(state, op, self.now) {
            Ok(d) => d,
            Err(e) => return Some(e.code()),
        };
        let configured = matches!(
            op,
            Op::Modify {
                configuration: true
            }
        );
        if configured && self.status == JobStatus::Configuration {
            // A configuration change calls for a new precheck (a running one is cancelled).
            self.precheck = PrecheckGate::NotRun;
            if self.running.take().is_some() {
                self.pending = None;
            }
        }
        if let Some(t) = task.filter(|t| *t != self.task) {
            self.task = t;
            if let Some((p, _)) = &mut self.pending {
                if matches!(p.step, Step::Start | Step::FullTransfer) {
                    if let Some(n) = data_plane_next(p.from, t) {
                        p.to = n.to;
                    }
                }
            }
        }
        let due = |(t, due): (Transition, Due)| {
            let at = match due {
                Due::AfterStep => self.now + TIMINGS.of(t.step) as i64,
                Due::At(at) => at,
            };
            (t, at)
        };
        if d.to != self.status {
            if d.to == JobStatus::Pausing {
                self.paused_from = Some(self.status);
            }
            self.status = d.to;
            self.history.push(d.to);
            self.pending = d.schedule.map(due);
            self.running = None;
        } else if let Op::Precheck { mode } = op {
            self.pending = d.schedule.map(due);
            self.running = Some(*mode);
            self.precheck = PrecheckGate::Running;
        }
        None
    }

    fn advance(&mut self, ms: u64) {
        self.now += ms as i64;
        while let Some((t, due)) = self.pending.filter(|(_, due)| *due <= self.now) {
            self.pending = None;
            if t.step.keeps_status() {
                // A precheck run completes (the model's endpoints all answer).
                self.precheck = match self.running.take() {
                    Some(PrecheckMode::ForStartJob) => PrecheckGate::Passed,
                    _ => PrecheckGate::Failed,
                };
            } else if self.status == t.from {
                self.status = t.to;
                self.history.push(t.to);
                self.pending =
                    data_plane_next(t.to, self.task).map(|n| (n, due + TIMINGS.of(n.step) as i64));
            }
        }
    }
}

struct Fixture {
    _db: TestDatabase,
    store: Arc<dyn Backend>,
    tenant: Tenant,
    id: String,
}

async fn write(f: &Fixture, item: WriteItem) -> ItemOutcome {
    let w = JobWrite {
        operation: "Test",
        dialect: Dialect::V3,
        actor: Actor {
            user_id: "model".into(),
            request_id: "r".into(),
        },
        now_ms: 1_700_000_000_000,
        visible_eps: None,
        settings: settings(),
        reachability: Default::default(),
        default_quota: opendrs_core::quota::DEFAULT_INSTANCES,
        items: vec![item],
    };
    opendrs_core::writes::job_write(&*f.store, &f.tenant, w)
        .await
        .expect("write")
        .remove(0)
}

async fn fixture() -> (Fixture, i64) {
    let db = TestDatabase::fresh().await;
    let store = db.open().await;
    let tenant = store
        .project_upsert("0123456789abcdef0123456789abcdef", "p", &[], 0)
        .await
        .expect("project");
    let body = serde_json::json!({"jobs": [{
        "name": "model-job", "db_use_type": "sync", "engine_type": "mysql",
        "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "s",
        "source_endpoint": {"ip": "10.0.0.1"}, "target_endpoint": {"ip": "10.0.0.2"}
    }]});
    let item = parse_batch(BatchKind::Create, body.to_string().as_bytes())
        .expect("items")
        .remove(0);
    let mut f = Fixture {
        _db: db,
        store,
        tenant,
        id: String::new(),
    };
    f.id = write(&f, item).await.job_id().expect("created").to_string();
    let now = opendrs_core::writes::clock_advance(&*f.store, 0)
        .await
        .expect("now");
    (f, now)
}

async fn status(f: &Fixture) -> JobStatus {
    f.store
        .job_get_many(&f.tenant, std::slice::from_ref(&f.id), Depth::Status)
        .await
        .expect("read")
        .remove(0)
        .job
        .status
}

async fn run(steps: Vec<Step_>) -> Result<(), TestCaseError> {
    let (f, now) = fixture().await;
    let mut model = Model {
        status: JobStatus::Creating,
        task: TaskType::FullIncrTrans,
        paused_from: None,
        pending: data_plane_next(JobStatus::Creating, TaskType::FullIncrTrans)
            .map(|t| (t, now + TIMINGS.create_ms as i64)),
        now,
        precheck: PrecheckGate::NotRun,
        running: None,
        history: vec![JobStatus::Creating],
    };
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step_::Advance(ms) => {
                opendrs_core::writes::clock_advance(&*f.store, *ms)
                    .await
                    .expect("advance");
                settle(&*f.store, &settings()).await.expect("settle");
                model.advance(*ms);
            }
            Step_::Act(op, task) => {
                // A start time is relative to the model's clock.
                let op = match op {
                    Op::Start { at_ms: Some(d) } => Op::Start {
                        at_ms: Some(model.now + d),
                    },
                    other => other.clone(),
                };
                let payload = matches!(op, Op::Modify { .. }).then(|| {
                    Box::new(Payload::Modify(Box::new(Modification {
                        description: Some(format!("step {i}")),
                        task_type: *task,
                        ..Modification::default()
                    })))
                });
                let out = write(
                    &f,
                    WriteItem::Act {
                        job_id: f.id.clone(),
                        op: op.clone(),
                        payload,
                    },
                )
                .await;
                let expected = model.act(&op, *task);
                prop_assert_eq!(out.error_code(), expected, "step {}: {:?}", i, step);
            }
        }
        prop_assert_eq!(
            status(&f).await,
            model.status,
            "after step {}: {:?}",
            i,
            step
        );
    }
    let newest_first: Vec<JobStatus> = model.history.iter().rev().copied().collect();
    let n = newest_first.len() as u64;
    for (offset, limit) in [
        (0, 1000),
        (0, 1),
        (1, 2),
        (n - 1, 5),
        (n, 1),
        (u64::MAX, 1000),
    ] {
        let page = f
            .store
            .job_timeline(&f.tenant, &f.id, Window { offset, limit })
            .await
            .expect("timeline")
            .expect("the job has a timeline");
        prop_assert_eq!(page.total, n);
        let got: Vec<JobStatus> = page.events.iter().map(|e| e.status).collect();
        let want: Vec<JobStatus> = newest_first
            .iter()
            .skip(offset.min(n) as usize)
            .take(limit as usize)
            .copied()
            .collect();
        prop_assert_eq!(got, want, "window {}+{}", offset, limit);
        prop_assert!(
            page.events.iter().all(|e| e.user_name.is_none()),
            "no such user"
        );
    }
    let other = Tenant::new("another", f.tenant.key() + 1);
    let unknown = Window {
        offset: 0,
        limit: 10,
    };
    prop_assert!(f
        .store
        .job_timeline(&other, &f.id, unknown)
        .await
        .expect("timeline")
        .is_none());
    prop_assert!(f
        .store
        .job_timeline(&f.tenant, "no-such-job", unknown)
        .await
        .expect("timeline")
        .is_none());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_store_and_the_executor_follow_the_state_machine(steps in prop::collection::vec(step(), 1..25)) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(run(steps))?;
    }
}
