//! The request mix: which kind of request a tick sends (list, batch write, login) and its body.
//!
//! The list bodies draw from the same tables as the benchmark's uncached mix
//! (bench/wrk/random.lua): a random scenario, a random filter (none, status, engine, name
//! substring) and a random page. The writes are the v3 batch operations and the v5 tag write,
//! on jobs this generator created (see `JobPool`).

use rand::Rng;
use serde_json::{json, Value};
use std::collections::VecDeque;

/// What one tick sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    List,
    Write,
    Login,
}

/// Shares of the mix in percent (list, write; the rest are logins).
#[derive(Debug, Clone, Copy)]
pub struct Shares {
    pub list: u32,
    pub write: u32,
}

impl Shares {
    pub fn pick(&self, rng: &mut impl Rng) -> Kind {
        let r = rng.gen_range(0..100);
        if r < self.list {
            Kind::List
        } else if r < self.list + self.write {
            Kind::Write
        } else {
            Kind::Login
        }
    }
}

const SCENARIOS: [&str; 3] = ["migration", "sync", "cloudDataGuard"];
const STATUSES: [&str; 9] = [
    "INCRE_TRANSFER_STARTED",
    "CONFIGURATION",
    "RELEASE_RESOURCE_COMPLETE",
    "FULL_TRANSFER_STARTED",
    "FULL_TRANSFER_COMPLETE",
    "PAUSING",
    "INCRE_TRANSFER_FAILED",
    "CREATING",
    "CHILD_TRANSFER_STARTED",
];
const MIGRATION_ENGINES: [&str; 7] = [
    "mysql",
    "mongodb",
    "postgresql",
    "gaussdbv5",
    "mysql-to-taurus",
    "oracle-to-gaussdbv5",
    "redis-to-gaussredis",
];
const SYNC_ENGINES: [&str; 8] = [
    "mysql",
    "mysql-to-kafka",
    "taurus-to-kafka",
    "gaussdbv5ha-to-kafka",
    "postgresql",
    "gaussdbv5-to-oracle",
    "oracle-to-gaussdbv5ha",
    "gaussdbv5-to-kafka",
];
const DR_ENGINES: [&str; 5] = [
    "cloudDataGuard-mysql",
    "cloudDataGuard-cassandra",
    "cloudDataGuard-ddm",
    "cloudDataGuard-taurus-to-mysql",
    "cloudDataGuard-mysql-to-taurus",
];
const NAMES: [&str; 20] = [
    "orders",
    "payments",
    "inventory",
    "billing",
    "analytics",
    "ledger",
    "events",
    "shipping",
    "pay",
    "ment",
    "ship",
    "DRS-",
    "DRS-00",
    "Prod-",
    "test-",
    "mysql-",
    "kafka",
    "migration_",
    "cn-north",
    "迁移任务",
];

fn pick<'a>(rng: &mut impl Rng, items: &[&'a str]) -> &'a str {
    items[rng.gen_range(0..items.len())]
}

/// A random list body: scenario, filter and page (1..=max_page, 10 a page).
pub fn list_body(rng: &mut impl Rng, max_page: u32) -> Value {
    let scenario = pick(rng, &SCENARIOS);
    let mut body = json!({
        "cur_page": rng.gen_range(1..=max_page.max(1)),
        "per_page": 10,
        "db_use_type": scenario,
    });
    match rng.gen_range(0..4) {
        1 => body["status"] = json!(pick(rng, &STATUSES)),
        2 => {
            let engines: &[&str] = match scenario {
                "migration" => &MIGRATION_ENGINES,
                "sync" => &SYNC_ENGINES,
                _ => &DR_ENGINES,
            };
            body["engine_type"] = json!(pick(rng, engines));
        }
        3 => body["name"] = json!(pick(rng, &NAMES)),
        _ => {}
    }
    body
}

/// One batch-creation item (the benchmark's MySQL migration job).
pub fn create_item(name: &str) -> Value {
    json!({
        "name": name,
        "db_use_type": "migration",
        "engine_type": "mysql",
        "job_direction": "up",
        "net_type": "vpc",
        "node_type": "high",
        "task_type": "FULL_INCR_TRANS",
        "customize_sutnet_id": "b9d4c0a8-4b5e-4f4b-9b53-6d1c2d9a0001",
        "source_endpoint": {"db_type": "mysql", "ip": "10.1.0.5", "db_port": 3306, "db_user": "root"},
        "target_endpoint": {"db_type": "mysql", "inst_id": "rds-target-1"},
        "description": "soak"
    })
}

/// The write operations, in the order of `WRITE_WEIGHTS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOp {
    Create,
    Precheck,
    Start,
    Pause,
    Resume,
    Terminate,
    Delete,
    Tags,
}

/// Every write operation, for reports.
pub const ALL_WRITES: [WriteOp; 8] = [
    WriteOp::Create,
    WriteOp::Precheck,
    WriteOp::Start,
    WriteOp::Pause,
    WriteOp::Resume,
    WriteOp::Terminate,
    WriteOp::Delete,
    WriteOp::Tags,
];

impl WriteOp {
    pub fn index(self) -> usize {
        ALL_WRITES.iter().position(|o| *o == self).unwrap_or(0)
    }

    pub fn name(self) -> &'static str {
        match self {
            WriteOp::Create => "create",
            WriteOp::Precheck => "precheck",
            WriteOp::Start => "start",
            WriteOp::Pause => "pause",
            WriteOp::Resume => "resume",
            WriteOp::Terminate => "terminate",
            WriteOp::Delete => "delete",
            WriteOp::Tags => "tags",
        }
    }
}

/// Weights of the writes. A job created through the API starts only after a passed precheck
/// (`forStartJob`), so prechecks are part of the mix; an operation the job's status refuses is a
/// per-item refusal in a 2xx answer, as for any client.
const WRITE_OPS: [(WriteOp, u32); 8] = [
    (WriteOp::Create, 25),
    (WriteOp::Precheck, 15),
    (WriteOp::Start, 15),
    (WriteOp::Pause, 10),
    (WriteOp::Resume, 10),
    (WriteOp::Terminate, 10),
    (WriteOp::Delete, 5),
    (WriteOp::Tags, 10),
];

impl WriteOp {
    pub fn pick(rng: &mut impl Rng) -> WriteOp {
        let total: u32 = WRITE_OPS.iter().map(|(_, w)| w).sum();
        let mut r = rng.gen_range(0..total);
        for (op, w) in WRITE_OPS {
            if r < w {
                return op;
            }
            r -= w;
        }
        WriteOp::Create
    }
}

/// A write request: method, path and body.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRequest {
    pub op: WriteOp,
    pub method: &'static str,
    pub path: String,
    pub body: Value,
    /// The project index the request goes to.
    pub project: usize,
}

/// The write for `op` on `job` (a project index and a job ID); `Create` ignores `job` and
/// creates `count` jobs in `project` named after `tag`.
pub fn write_request(
    op: WriteOp,
    project: usize,
    project_id: &str,
    job: Option<&str>,
    tag: &str,
    count: usize,
) -> WriteRequest {
    let (op, job) = match job {
        Some(j) => (op, j),
        None => (WriteOp::Create, ""),
    };
    let batch = |api: &str| format!("/v3/{project_id}/jobs/{api}");
    let one = |extra: Value| {
        let mut item = json!({"job_id": job});
        if let (Some(m), Value::Object(e)) = (item.as_object_mut(), extra) {
            m.extend(e);
        }
        json!({"jobs": [item]})
    };
    let (method, path, body) = match op {
        WriteOp::Create => {
            let items: Vec<Value> = (0..count.max(1))
                .map(|i| create_item(&format!("soak-{tag}-{i}")))
                .collect();
            ("POST", batch("batch-creation"), json!({"jobs": items}))
        }
        WriteOp::Precheck => (
            "POST",
            batch("batch-precheck"),
            one(json!({"precheck_mode": "forStartJob"})),
        ),
        WriteOp::Start => ("POST", batch("batch-starting"), one(json!({}))),
        WriteOp::Pause => (
            "POST",
            batch("batch-pause-task"),
            one(json!({"pause_mode": "all"})),
        ),
        WriteOp::Resume => ("POST", batch("batch-retry-task"), one(json!({}))),
        WriteOp::Terminate => (
            "DELETE",
            batch("batch-jobs"),
            one(json!({"delete_type": "terminate"})),
        ),
        WriteOp::Delete => (
            "DELETE",
            batch("batch-jobs"),
            one(json!({"delete_type": "delete"})),
        ),
        WriteOp::Tags => (
            "POST",
            format!("/v5/{project_id}/migration/{job}/tags/create"),
            json!({"tags": [{"key": "soak", "value": tag}]}),
        ),
    };
    WriteRequest {
        op,
        method,
        path,
        body,
        project,
    }
}

/// The keystone password login body for a project.
pub fn login_body(domain: &str, user: &str, password: &str, project_id: &str) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": {"project": {"id": project_id}}
    }})
}

/// The jobs this generator created, (project index, job ID), newest last; bounded: the oldest
/// leave when it is full.
#[derive(Debug)]
pub struct JobPool {
    jobs: VecDeque<(usize, String)>,
    capacity: usize,
}

impl JobPool {
    pub fn new(capacity: usize) -> JobPool {
        JobPool {
            jobs: VecDeque::with_capacity(capacity),
            capacity: capacity.max(1),
        }
    }

    pub fn add(&mut self, project: usize, id: String) {
        if self.jobs.len() == self.capacity {
            self.jobs.pop_front();
        }
        self.jobs.push_back((project, id));
    }

    /// A random job; `remove` takes it out (a delete).
    pub fn pick(&mut self, rng: &mut impl Rng, remove: bool) -> Option<(usize, String)> {
        if self.jobs.is_empty() {
            return None;
        }
        let i = rng.gen_range(0..self.jobs.len());
        if remove {
            self.jobs.swap_remove_back(i)
        } else {
            self.jobs.get(i).cloned()
        }
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }
}

/// Items of a batch answer: (accepted, refused); an item with an `error_code` is refused.
pub fn item_outcomes(answer: &Value) -> (u64, u64) {
    answer["results"]
        .as_array()
        .map(|r| {
            let refused = r.iter().filter(|i| i.get("error_code").is_some()).count() as u64;
            (r.len() as u64 - refused, refused)
        })
        .unwrap_or((0, 0))
}

/// The IDs of the created items of a batch-creation answer.
pub fn created_ids(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|item| item["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn the_mix_follows_its_shares() {
        let shares = Shares {
            list: 85,
            write: 10,
        };
        let mut rng = StdRng::seed_from_u64(7);
        let mut n = [0u32; 3];
        for _ in 0..100_000 {
            match shares.pick(&mut rng) {
                Kind::List => n[0] += 1,
                Kind::Write => n[1] += 1,
                Kind::Login => n[2] += 1,
            }
        }
        assert!((84_000..86_000).contains(&n[0]), "{n:?}");
        assert!((9_500..10_500).contains(&n[1]), "{n:?}");
        assert!((4_500..5_500).contains(&n[2]), "{n:?}");
    }

    #[test]
    fn list_bodies_stay_within_the_page_and_carry_at_most_one_filter() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1_000 {
            let b = list_body(&mut rng, 5);
            let page = b["cur_page"].as_u64().unwrap_or(0);
            assert!((1..=5).contains(&page));
            let filters = ["status", "engine_type", "name"]
                .iter()
                .filter(|k| b.get(**k).is_some())
                .count();
            assert!(filters <= 1, "{b}");
        }
    }

    #[test]
    fn a_write_without_a_known_job_becomes_a_creation() {
        let w = write_request(WriteOp::Pause, 3, "p3", None, "t1", 2);
        assert_eq!(w.op, WriteOp::Create);
        assert_eq!(w.path, "/v3/p3/jobs/batch-creation");
        assert_eq!(w.body["jobs"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn terminate_and_delete_go_through_batch_jobs_with_their_delete_type() {
        let t = write_request(WriteOp::Terminate, 0, "p", Some("j1"), "t", 1);
        let d = write_request(WriteOp::Delete, 0, "p", Some("j1"), "t", 1);
        assert_eq!(
            (t.method, t.path.as_str()),
            ("DELETE", "/v3/p/jobs/batch-jobs")
        );
        assert_eq!(t.body["jobs"][0]["delete_type"], "terminate");
        assert_eq!(t.body["jobs"][0]["job_id"], "j1");
        assert_eq!(d.body["jobs"][0]["delete_type"], "delete");
    }

    #[test]
    fn the_job_pool_drops_its_oldest_when_full_and_removes_on_delete() {
        let mut pool = JobPool::new(2);
        pool.add(0, "a".into());
        pool.add(0, "b".into());
        pool.add(1, "c".into());
        assert_eq!(pool.len(), 2);
        let mut rng = StdRng::seed_from_u64(3);
        let mut seen = Vec::new();
        while let Some((_, id)) = pool.pick(&mut rng, true) {
            seen.push(id);
        }
        seen.sort();
        assert_eq!(seen, ["b", "c"]);
    }

    #[test]
    fn created_ids_reads_the_items_that_have_an_id() {
        let answer =
            json!({"results": [{"id": "x", "status": "CREATING"}, {"error_code": "DRS.1"}]});
        assert_eq!(created_ids(&answer), ["x"]);
        assert_eq!(item_outcomes(&answer), (1, 1));
    }

    #[test]
    fn a_precheck_asks_for_the_start_mode() {
        let w = write_request(WriteOp::Precheck, 1, "p", Some("j"), "t", 1);
        assert_eq!(w.path, "/v3/p/jobs/batch-precheck");
        assert_eq!(w.body["jobs"][0]["precheck_mode"], "forStartJob");
    }
}
