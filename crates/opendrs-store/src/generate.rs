//! Realistic synthetic jobs, deterministic for a seed: used by `--demo`, by
//! `opendrs admin generate`, by the tests and by the benchmarks.

use opendrs_core::{
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
    store::{AdminStore, StoreResult},
};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 2026-01-01T00:00:00Z: generated creation times fall in the two years before it.
const BASE_MS: i64 = 1_767_225_600_000;
const SPAN_S: i64 = 2 * 365 * 24 * 3600;
/// Jobs per write transaction during generation.
const BATCH: usize = 5_000;

const WORDS: &[&str] = &[
    "orders",
    "payments",
    "inventory",
    "users",
    "billing",
    "catalog",
    "analytics",
    "crm",
    "erp",
    "ledger",
    "sessions",
    "events",
    "audit",
    "reports",
    "shipping",
    "loyalty",
    "search",
    "iot",
];
const REGIONS: &[&str] = &[
    "cn-north-4",
    "cn-east-3",
    "ap-southeast-1",
    "eu-west-101",
    "la-south-2",
];
const FAILURES: &[&str] = &[
    "service LOGMANAGER failed, cause by: Unable to connect to DBMS: connection timed out",
    "Full migration failed: table orders has no primary key and no unique index",
    "Incremental replay failed: binlog position not found on the source database",
    "Start failed: insufficient quota for DRS instances in this region",
    "Release failed: the replication instance did not respond in time",
];
const DESCRIPTIONS: &[&str] = &[
    "",
    "",
    "nightly reporting copy",
    "cutover to the cloud scheduled for the weekend",
    "[using] api test 2",
    "disaster recovery for the primary cluster",
    "迁移订单库到云上",
];

/// Weighted statuses: mostly running or configured, every status possible.
fn status(rng: &mut ChaCha8Rng) -> JobStatus {
    let common = [
        (JobStatus::IncreTransferStarted, 30),
        (JobStatus::Configuration, 15),
        (JobStatus::ReleaseResourceComplete, 12),
        (JobStatus::FullTransferStarted, 8),
        (JobStatus::FullTransferComplete, 5),
        (JobStatus::Pausing, 4),
        (JobStatus::IncreTransferFailed, 3),
        (JobStatus::Deleted, 3),
    ];
    let roll = rng.gen_range(0..100);
    let mut acc = 0;
    for (s, w) in common {
        acc += w;
        if roll < acc {
            return s;
        }
    }
    *JobStatus::ALL
        .choose(rng)
        .unwrap_or(&JobStatus::Configuration)
}

fn engines(db: DbUseType) -> &'static [&'static str] {
    match db {
        DbUseType::Migration => &[
            "mysql",
            "mysql",
            "mongodb",
            "postgresql",
            "gaussdbv5",
            "mysql-to-taurus",
            "oracle-to-gaussdbv5",
            "redis-to-gaussredis",
        ],
        DbUseType::Sync => &[
            "mysql",
            "mysql-to-kafka",
            "taurus-to-kafka",
            "gaussdbv5ha-to-kafka",
            "postgresql",
            "gaussdbv5-to-oracle",
            "oracle-to-gaussdbv5ha",
            "gaussdbv5-to-kafka",
        ],
        DbUseType::CloudDataGuard => &[
            "cloudDataGuard-mysql",
            "cloudDataGuard-mysql",
            "cloudDataGuard-cassandra",
            "cloudDataGuard-ddm",
            "cloudDataGuard-taurus-to-mysql",
            "cloudDataGuard-mysql-to-taurus",
        ],
    }
}

/// A deterministic source of projects and jobs.
pub struct Factory {
    rng: ChaCha8Rng,
    serial: u64,
}

impl Factory {
    pub fn new(seed: u64) -> Self {
        Factory {
            rng: ChaCha8Rng::seed_from_u64(seed),
            serial: 0,
        }
    }

    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from_digit(self.rng.gen_range(0..16), 16).unwrap_or('0'))
            .collect()
    }

    /// A project ID: 32 lowercase hex characters.
    pub fn project_id(&mut self) -> String {
        self.hex(32)
    }

    /// A job ID in the original's shape, e.g. `24834eb6-be30-464e-a299-f7aa730jb101`.
    pub fn job_id(&mut self) -> String {
        let n = self.rng.gen_range(100..1000);
        format!(
            "{}-{}-{}-{}-{}jb{n}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(7)
        )
    }

    fn endpoint(&mut self, db_type: &str) -> Endpoint {
        Endpoint {
            db_type: Some(db_type.split("-to-").next().unwrap_or(db_type).to_string()),
            inst_id: Some(format!("{}in{}", self.hex(30), self.hex(2))),
            ip: Some(format!(
                "192.168.{}.{}",
                self.rng.gen_range(0..256),
                self.rng.gen_range(1..255)
            )),
            db_port: Some(3306),
            db_user: Some("root".into()),
            region: Some(
                REGIONS
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("cn-north-4")
                    .into(),
            ),
            ..Endpoint::default()
        }
    }

    /// A top-level job (sometimes with two children) in one of `enterprise_projects`.
    pub fn job(&mut self, enterprise_projects: &[String]) -> Job {
        let db_use_type = *[
            DbUseType::Migration,
            DbUseType::Migration,
            DbUseType::Sync,
            DbUseType::Sync,
            DbUseType::CloudDataGuard,
        ]
        .choose(&mut self.rng)
        .unwrap_or(&DbUseType::Migration);
        let status = status(&mut self.rng);
        self.job_with(enterprise_projects, db_use_type, status, true)
    }

    /// A job with the given scenario and status.
    pub fn job_with(
        &mut self,
        eps: &[String],
        db_use_type: DbUseType,
        status: JobStatus,
        may_have_children: bool,
    ) -> Job {
        self.serial += 1;
        let rng = &mut self.rng;
        let engine_type = engines(db_use_type)
            .choose(rng)
            .copied()
            .unwrap_or("mysql")
            .to_string();
        let net_type = match db_use_type {
            DbUseType::CloudDataGuard => *[NetType::Eip, NetType::Vpn]
                .choose(rng)
                .unwrap_or(&NetType::Eip),
            _ => *NetType::ALL.choose(rng).unwrap_or(&NetType::Eip),
        };
        let word = WORDS.choose(rng).copied().unwrap_or("orders");
        let name = match rng.gen_range(0..5) {
            0 => format!("DRS-{:04}-{word}", rng.gen_range(0..10_000)),
            1 => format!("{engine_type}-{word}-{}", rng.gen_range(1..100)),
            2 => format!(
                "{}_{word}_{}",
                db_use_type.as_str(),
                REGIONS.choose(rng).copied().unwrap_or("cn-north-4")
            ),
            3 => format!(
                "{}-{word}-{:03}",
                ["Prod", "Test", "Dev"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("Prod"),
                rng.gen_range(0..1000)
            ),
            _ => format!("迁移任务-{word}-{}", rng.gen_range(1..50)),
        };
        let create_time_ms = BASE_MS - rng.gen_range(0..SPAN_S) * 1000;
        let mut tags = Vec::new();
        if rng.gen_bool(0.7) {
            tags.push((
                "env".to_string(),
                ["prod", "test", "dev"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("prod")
                    .to_string(),
            ));
        }
        if rng.gen_bool(0.5) {
            tags.push((
                "team".to_string(),
                ["db", "platform", "payments", "analytics"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("db")
                    .to_string(),
            ));
        }
        if rng.gen_bool(0.2) {
            tags.push((
                "cost-center".to_string(),
                format!("cc-{}", rng.gen_range(100..120)),
            ));
        }
        let enterprise_project_id = eps.choose(rng).cloned().unwrap_or_else(|| "0".into());
        let description = DESCRIPTIONS.choose(rng).copied().unwrap_or("").to_string();
        let error_msg = status.is_failure().then(|| {
            FAILURES
                .choose(rng)
                .copied()
                .unwrap_or("failed")
                .to_string()
        });
        let running = matches!(
            status,
            JobStatus::FullTransferStarted
                | JobStatus::IncreTransferStarted
                | JobStatus::FullTransferComplete
                | JobStatus::Pausing
        );
        let job_direction = *JobDirection::ALL.choose(rng).unwrap_or(&JobDirection::Up);
        let task_type = *TaskType::ALL
            .choose(rng)
            .unwrap_or(&TaskType::FullIncrTrans);
        let node_new_framework = rng.gen_bool(0.3);
        let with_children =
            may_have_children && db_use_type != DbUseType::Migration && rng.gen_bool(0.06);
        let id = self.job_id();
        let source_endpoint = self.endpoint(&engine_type);
        let target_endpoint = self.endpoint(&engine_type);
        let mut job = Job {
            id,
            name,
            status,
            description,
            create_time_ms,
            engine_type,
            net_type,
            billing_tag: running,
            job_direction,
            db_use_type,
            task_type,
            node_new_framework,
            error_msg,
            enterprise_project_id,
            // From the serial, not the random stream: earlier draws (and so every generated
            // store) stay as they were.
            charging_mode: if self.serial.is_multiple_of(5) {
                ChargingMode::Period
            } else {
                ChargingMode::OnDemand
            },
            is_multi_az: false,
            tags,
            source_endpoint,
            target_endpoint,
            children: Vec::new(),
            running: None,
        };
        if with_children {
            for (i, st) in [
                JobStatus::ChildTransferStarted,
                JobStatus::ChildTransferComplete,
            ]
            .into_iter()
            .enumerate()
            {
                let mut child = job.clone();
                child.id = self.job_id();
                child.name = format!("{}-child-{}", job.name, i + 1);
                child.status = st;
                child.error_msg = None;
                child.tags = Vec::new();
                child.children = Vec::new();
                child.create_time_ms = job.create_time_ms + 1000 * (i as i64 + 1);
                job.children.push(child);
            }
        }
        job
    }
}

/// What `generate` should make.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Jobs in all (top-level), including the big project's.
    pub jobs: u64,
    pub projects: u64,
    /// Jobs in the first project; the rest are spread evenly over the others.
    pub big_project_jobs: u64,
    pub seed: u64,
}

/// What `generate` made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub projects: u64,
    pub jobs: u64,
    /// The project holding `big_project_jobs` jobs (the first one).
    pub big_project_id: String,
    /// A small project (the last one).
    pub small_project_id: String,
    pub small_project_jobs: u64,
}

/// The enterprise projects every generated project has.
pub fn enterprise_projects() -> Vec<String> {
    vec!["0".into(), "ep-finance".into(), "ep-retail".into()]
}

/// Fills `store` per `spec`, calling `progress(jobs_written)` after each batch.
pub async fn generate<S: AdminStore + ?Sized>(
    store: &S,
    spec: &Spec,
    mut progress: impl FnMut(u64),
) -> StoreResult<Summary> {
    let mut f = Factory::new(spec.seed);
    let projects = spec.projects.max(1);
    let big = spec.big_project_jobs.min(spec.jobs);
    let rest = spec.jobs - big;
    let others = projects.saturating_sub(1);
    let eps = enterprise_projects();
    let mut plan: Vec<(String, u64)> = Vec::new();
    for i in 0..projects {
        let n = if i == 0 {
            if others == 0 {
                spec.jobs
            } else {
                big
            }
        } else {
            rest / others + u64::from(i - 1 < rest % others)
        };
        plan.push((f.project_id(), n));
    }
    let mut written = 0u64;
    for (i, (pid, n)) in plan.iter().enumerate() {
        let tenant = store
            .project_upsert(pid, &format!("gen-project-{i}"), &eps, BASE_MS)
            .await?;
        let mut names = Names::default();
        let mut left = *n;
        while left > 0 {
            let take = left.min(BATCH as u64);
            let jobs: Vec<Job> = (0..take).map(|_| names.unique(f.job(&eps))).collect();
            store.jobs_insert(&tenant, &jobs).await?;
            left -= take;
            written += take;
            progress(written);
        }
    }
    progress(written);
    let (big_project_id, _) = plan[0].clone();
    let (small_project_id, small_project_jobs) = plan[plan.len() - 1].clone();
    Ok(Summary {
        projects,
        jobs: written,
        big_project_id,
        small_project_id,
        small_project_jobs,
    })
}

/// The names given so far in one project: a job name is unique among a project's live
/// top-level jobs, so a repeated one gets a number.
#[derive(Debug, Default)]
pub struct Names {
    taken: std::collections::HashSet<String>,
}

impl Names {
    /// `job`, renamed (with its children) if its name was given before.
    pub fn unique(&mut self, mut job: Job) -> Job {
        if !self.taken.contains(&job.name) {
            self.taken.insert(job.name.clone());
            return job;
        }
        let base = job.name.clone();
        let mut n = 2;
        while self.taken.contains(&format!("{base}-{n}")) {
            n += 1;
        }
        job.name = format!("{base}-{n}");
        for (i, child) in job.children.iter_mut().enumerate() {
            child.name = format!("{}-child-{}", job.name, i + 1);
        }
        self.taken.insert(job.name.clone());
        job
    }
}
