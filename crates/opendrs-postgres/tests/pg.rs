//! The PostgreSQL store against a real server: `OPENDRS_TEST_PG_URL` names an admin URL of a
//! throwaway cluster (`scripts/pg.sh start DIR` prints one); each test creates its own database
//! and drops it. Without the variable the tests are skipped, except under CI where they fail.

use futures::StreamExt;
use opendrs_core::{
    audit::Actor,
    caller::{Caller, Tenant},
    enums::{
        ChargingMode, DbUseType, JobDirection, JobStatus, NetType, SortDir, SortKey, TaskType,
    },
    executor::{settle, ExecutorSettings, Timings},
    job::{Endpoint, Job},
    ops::{parse_batch, BatchKind, ItemOutcome},
    query::{parse_body, JobQuery, NameFilter, Sort},
    store::{AdminStore, Dialect, JobWrite, Store, StoreErrorKind},
    writes::{job_write, transitions_run},
};
use opendrs_postgres::PgStore;
use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

/// A fresh database on the test cluster, dropped by [`TestDb::drop_db`].
struct TestDb {
    admin: String,
    name: String,
    url: String,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

async fn admin_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test cluster");
    tokio::spawn(conn);
    client
}

/// `None` (after a note) when no cluster is configured outside CI.
async fn fresh() -> Option<TestDb> {
    let Ok(admin) = std::env::var("OPENDRS_TEST_PG_URL") else {
        if std::env::var_os("CI").is_some() {
            panic!("OPENDRS_TEST_PG_URL is not set (scripts/pg.sh start DIR prints one)");
        }
        eprintln!("skipped: set OPENDRS_TEST_PG_URL (scripts/pg.sh start DIR) to run");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let name = format!(
        "t_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    admin_client(&admin)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the test database");
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let (root, _) = base.rsplit_once('/').expect("a URL with a database");
    let url = format!("{root}/{name}{query}");
    Some(TestDb { admin, name, url })
}

impl TestDb {
    async fn store(&self) -> PgStore {
        PgStore::connect(&self.url, 4).await.expect("connect")
    }

    async fn drop_db(self) {
        admin_client(&self.admin)
            .await
            .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .await
            .expect("drop the test database");
    }
}

fn endpoint(inst: Option<String>, ip: Option<String>) -> Endpoint {
    Endpoint {
        inst_id: inst,
        ip,
        db_type: Some("mysql".into()),
        ..Endpoint::default()
    }
}

/// A job as the generator would make it; children, tags and endpoints by the caller.
fn job(i: usize) -> Job {
    const STATUSES: [JobStatus; 5] = [
        JobStatus::Configuration,
        JobStatus::IncreTransferStarted,
        JobStatus::Deleted,
        JobStatus::Pausing,
        JobStatus::Configuration,
    ];
    Job {
        id: format!(
            "{:08x}-0000-4000-8000-{:08x}jb{}",
            i * 7919 % 1000,
            i,
            10 + i % 90
        ),
        name: match i % 4 {
            0 => format!("Orders-{i}"),
            1 => format!("billing_%_{i}"),
            2 => format!("Zahlungen-Ä{i}"),
            _ => format!("x{i}"),
        },
        status: STATUSES[i % STATUSES.len()],
        description: format!("job {i}"),
        // Many jobs share a creation time: the ID breaks ties.
        create_time_ms: 1_700_000_000_000 + (i as i64 / 3) * 1000,
        engine_type: if i.is_multiple_of(3) {
            "mongodb"
        } else {
            "mysql"
        }
        .into(),
        net_type: [NetType::Eip, NetType::Vpc, NetType::Vpn][i % 3],
        billing_tag: i.is_multiple_of(2),
        job_direction: JobDirection::Up,
        db_use_type: if i % 5 == 4 {
            DbUseType::Sync
        } else {
            DbUseType::Migration
        },
        task_type: TaskType::FullIncrTrans,
        node_new_framework: true,
        error_msg: i.is_multiple_of(7).then(|| format!("failed {i}")),
        enterprise_project_id: if i.is_multiple_of(6) { "ep-a" } else { "0" }.into(),
        charging_mode: if i.is_multiple_of(4) {
            ChargingMode::Period
        } else {
            ChargingMode::OnDemand
        },
        is_multi_az: i.is_multiple_of(9),
        tags: if i % 4 == 1 {
            vec![
                ("env".into(), "prod".into()),
                ("team".into(), format!("t{}", i % 3)),
            ]
        } else {
            Vec::new()
        },
        source_endpoint: endpoint(
            Some(format!("inst-{}", i % 10)),
            Some(format!("10.0.0.{}", i % 5)),
        ),
        target_endpoint: endpoint(None, None),
        running: None,
        children: if i.is_multiple_of(11) {
            (0..2)
                .map(|c| Job {
                    id: format!("{:08x}-0000-4000-8000-{:08x}jb{c}", 999_000 + i, c),
                    name: format!("child-{i}-{c}"),
                    create_time_ms: 1_700_000_000_000 + c as i64,
                    children: Vec::new(),
                    tags: vec![("child".into(), "yes".into())],
                    ..job(i + 1)
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// What the list shows of a stored job: no tags, no endpoints (children likewise).
/// Children newest first, as the list orders them.
fn listed(j: &Job) -> Job {
    let mut children: Vec<Job> = j.children.iter().map(listed).collect();
    children.sort_by(newest_first);
    Job {
        tags: Vec::new(),
        source_endpoint: Endpoint::default(),
        target_endpoint: Endpoint::default(),
        children,
        ..j.clone()
    }
}

/// The list's order: `create_time DESC, id DESC`, IDs compared as bytes.
fn newest_first(a: &Job, b: &Job) -> std::cmp::Ordering {
    b.create_time_ms
        .cmp(&a.create_time_ms)
        .then_with(|| b.id.as_bytes().cmp(a.id.as_bytes()))
}

/// The list's semantics, plainly: every match in order.
fn model(jobs: &[Job], q: &JobQuery) -> Vec<Job> {
    let mut out: Vec<Job> = jobs
        .iter()
        .filter(|j| j.db_use_type == q.db_use_type)
        .filter(|j| match q.status {
            Some(s) => j.status == s,
            None => j.status != JobStatus::Deleted,
        })
        .filter(|j| q.engine_type.as_ref().is_none_or(|e| *e == j.engine_type))
        .filter(|j| q.net_type.is_none_or(|n| n == j.net_type))
        .filter(|j| {
            q.enterprise_projects
                .as_ref()
                .is_none_or(|eps| eps.contains(&j.enterprise_project_id))
        })
        .filter(|j| match &q.name {
            None => true,
            Some(NameFilter::Text(t)) => j.id == *t || j.name.to_lowercase().contains(t.as_str()),
            Some(NameFilter::Ids(ids)) => ids.contains(&j.id),
        })
        .filter(|j| {
            q.tags.iter().all(|(k, v)| {
                j.tags
                    .iter()
                    .any(|(tk, tv)| tk == k && v.as_ref().is_none_or(|v| v == tv))
            })
        })
        .filter(|j| {
            q.instance_ids.is_empty()
                || [&j.source_endpoint, &j.target_endpoint].iter().any(|e| {
                    e.inst_id
                        .as_ref()
                        .is_some_and(|i| q.instance_ids.contains(i))
                })
        })
        .filter(|j| {
            q.instance_ip.as_ref().is_none_or(|ip| {
                [&j.source_endpoint, &j.target_endpoint]
                    .iter()
                    .any(|e| e.ip.as_ref() == Some(ip))
            })
        })
        .map(listed)
        .collect();
    out.sort_by(newest_first);
    out
}

fn caller(tenant: &Tenant) -> Caller {
    Caller {
        tenant: tenant.clone(),
        user_id: "u1".into(),
        roles: Vec::new(),
        enterprise_projects: None,
    }
}

fn query(tenant: &Tenant, body: serde_json::Value) -> JobQuery {
    parse_body(body.to_string().as_bytes())
        .and_then(|b| b.validate(&caller(tenant)))
        .expect("a valid query")
}

async fn seeded(db: &TestDb, n: usize) -> (PgStore, Tenant, Vec<Job>) {
    let store = db.store().await;
    let tenant = store
        .project_upsert("0123456789abcdef0123456789abcdef", "p", &["ep-a".into()], 0)
        .await
        .expect("project");
    let jobs: Vec<Job> = (0..n).map(job).collect();
    for batch in jobs.chunks(128) {
        store.jobs_insert(&tenant, batch).await.expect("seed");
    }
    (store, tenant, jobs)
}

#[tokio::test]
async fn migrations_apply_twice_and_the_schema_version_is_known() {
    let Some(db) = fresh().await else { return };
    let store = db.store().await;
    store
        .migrate()
        .await
        .expect("a second time changes nothing");
    let again = db.store().await;
    assert_eq!(
        again.schema_versions().await.expect("versions"),
        (
            opendrs_postgres::KNOWN_VERSION,
            opendrs_postgres::KNOWN_VERSION
        )
    );
    drop((store, again));
    db.drop_db().await;
}

#[tokio::test]
async fn the_list_orders_migration_carries_charging_mode_and_multi_az_over_from_the_settings() {
    let Some(db) = fresh().await else { return };
    let client = admin_client(&db.url).await;
    client
        .batch_execute(&format!(
            "CREATE TABLE schema_version (version BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
             {}
             INSERT INTO schema_version (version) VALUES (1);
             INSERT INTO projects (id, name, created_at) VALUES ('p', 'p', 0);
             INSERT INTO jobs (project_key, id, name, name_fold, status, db_use_type, engine_type,
                 net_type, job_direction, task_type, create_time, update_time, spec)
             SELECT key, v.id, v.id, v.id, 'CONFIGURATION', 'sync', 'mysql', 'eip', 'up',
                    'FULL_TRANS', 1, 1, v.spec
               FROM projects, (VALUES
                 ('a', '{{\"charging_mode\":\"period\",\"master_az\":\"az1\",\"slave_az\":\"az2\"}}'),
                 ('b', '{{\"charging_mode\":\"on_demand\"}}'),
                 ('c', '{{}}')) AS v(id, spec);",
            include_str!("../migrations/0001_schema.sql")
        ))
        .await
        .expect("a database of schema 1 with jobs");
    let store = db.store().await;
    let rows = client
        .query(
            "SELECT id, charging_mode, is_multi_az FROM jobs ORDER BY id",
            &[],
        )
        .await
        .expect("jobs");
    let got: Vec<(String, String, bool)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a".into(), "period".into(), true),
            ("b".into(), "on_demand".into(), false),
            ("c".into(), "on_demand".into(), false),
        ]
    );
    drop((store, client));
    db.drop_db().await;
}

#[tokio::test]
async fn the_scenario_grams_migration_rewrites_every_jobs_tokens_and_a_search_keeps_to_its_scenario(
) {
    let Some(db) = fresh().await else { return };
    let client = admin_client(&db.url).await;
    client
        .batch_execute(&format!(
            "CREATE TABLE schema_version (version BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
             {}
             {}
             {}
             {}
             INSERT INTO schema_version (version) VALUES (1), (2), (3), (4);
             INSERT INTO projects (id, name, created_at) VALUES ('p', 'p', 0);
             INSERT INTO jobs (project_key, id, name, name_fold, status, db_use_type, engine_type,
                 net_type, job_direction, task_type, create_time, update_time, spec, name_grams)
             SELECT key, v.id, v.name, v.name, 'CONFIGURATION', v.db, 'mysql', 'eip', 'up',
                    'FULL_TRANS', 1, 1, '{{}}', opendrs_name_grams(key, v.name)
               FROM projects, (VALUES ('a', 'orders-sync', 'sync'),
                                      ('b', 'orders-copy', 'migration')) AS v(id, name, db);",
            include_str!("../migrations/0001_schema.sql"),
            include_str!("../migrations/0002_name_grams.sql"),
            include_str!("../migrations/0003_list_orders.sql"),
            include_str!("../migrations/0004_workflow.sql"),
        ))
        .await
        .expect("a database of schema 4 with jobs of two scenarios");
    let store = db.store().await;
    let key: i64 = client
        .query_one("SELECT key FROM projects WHERE id = 'p'", &[])
        .await
        .expect("project")
        .get(0);
    let rows = client
        .query("SELECT id, name_grams FROM jobs ORDER BY id", &[])
        .await
        .expect("jobs");
    let grams: Vec<(String, Vec<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(grams.len(), 2);
    assert!(grams[0].1.contains(&format!("{key}:sync:ord")), "{grams:?}");
    assert!(
        grams[1].1.contains(&format!("{key}:migration:ord")),
        "{grams:?}"
    );
    assert!(
        grams
            .iter()
            .all(|(_, g)| g.iter().all(|t| t.split(':').count() == 3)),
        "no token of the old form is left: {grams:?}"
    );
    let tenant = store
        .project_find("p")
        .await
        .expect("find")
        .expect("project");
    for (db_use_type, want) in [("sync", "a"), ("migration", "b")] {
        let q = query(
            &tenant,
            serde_json::json!({"db_use_type": db_use_type, "name": "orders"}),
        );
        let page = store.job_list(&tenant, &q).await.expect("list");
        let ids: Vec<&str> = page.jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, vec![want], "{db_use_type}");
    }
    drop((store, client));
    db.drop_db().await;
}

#[tokio::test]
async fn a_database_newer_than_the_build_is_refused_with_a_clear_error() {
    let Some(db) = fresh().await else { return };
    drop(db.store().await);
    admin_client(&db.url)
        .await
        .batch_execute("INSERT INTO schema_version (version) VALUES (999)")
        .await
        .expect("bump");
    let err = PgStore::connect(&db.url, 2).await.err().expect("refused");
    assert_eq!(err.kind(), StoreErrorKind::Corrupt);
    assert!(
        err.message()
            .contains("the database schema is version 999, newer than this build"),
        "{err}"
    );
    db.drop_db().await;
}

#[tokio::test]
async fn every_order_in_either_direction_is_read_from_its_own_index_without_a_sort() {
    let Some(db) = fresh().await else { return };
    let (store, tenant, _) = seeded(&db, 4000).await;
    // VACUUM: the visibility map lets a deep page skip its offset by an index-only scan.
    admin_client(&db.url)
        .await
        .batch_execute("VACUUM (ANALYZE) jobs")
        .await
        .expect("vacuum");
    let bodies = [
        serde_json::json!({"db_use_type": "migration"}),
        serde_json::json!({"db_use_type": "migration", "engine_type": "mysql"}),
    ];
    for body in bodies {
        let enum_status_only = body.get("engine_type").is_none();
        for key in SortKey::ALL {
            for dir in SortDir::ALL {
                let q = JobQuery {
                    sort: Sort {
                        key: *key,
                        dir: *dir,
                    },
                    ..query(&tenant, body.clone())
                };
                let index = match key {
                    SortKey::CreateTime => "jobs_top_by_time",
                    SortKey::Name => "jobs_top_by_name",
                    SortKey::Status => "jobs_top_by_status",
                    SortKey::NetType => "jobs_top_by_net_type",
                    SortKey::JobDirection => "jobs_top_by_direction",
                    SortKey::PayMode => "jobs_top_by_pay_mode",
                };
                for offset in [0, 500] {
                    let plan = store
                        .explain_page(&tenant, &q, offset)
                        .await
                        .expect("explain");
                    let walks = |scan: &str| {
                        plan.contains(&format!("{scan} using {index}"))
                            || plan.contains(&format!("{scan} Backward using {index}"))
                    };
                    let at = format!("{body} {key} {dir} offset {offset}:\n{plan}");
                    if offset > 0 && enum_status_only {
                        // The skipped jobs are never read from the table.
                        assert!(walks("Index Only Scan"), "{at}");
                        assert!(plan.contains("jobs_project_key_id_key"), "{at}");
                    } else {
                        assert!(walks("Index Scan") || walks("Index Only Scan"), "{at}");
                    }
                    assert!(!plan.contains("Sort"), "{at}");
                }
            }
        }
    }
    drop(store);
    db.drop_db().await;
}

#[tokio::test]
async fn every_access_path_of_the_list_answers_as_the_model_in_order() {
    let Some(db) = fresh().await else { return };
    let (store, tenant, jobs) = seeded(&db, 500).await;
    let bodies = [
        serde_json::json!({"db_use_type": "migration"}),
        serde_json::json!({"db_use_type": "migration", "status": "CONFIGURATION", "per_page": 7, "cur_page": 3}),
        serde_json::json!({"db_use_type": "migration", "status": "DELETED"}),
        serde_json::json!({"db_use_type": "sync", "engine_type": "mysql", "net_type": "vpc"}),
        serde_json::json!({"db_use_type": "migration", "enterprise_project_id": "ep-a"}),
        serde_json::json!({"db_use_type": "migration", "enterprise_project_id": "nope"}),
        serde_json::json!({"db_use_type": "migration", "name": "ORDERS-1"}),
        serde_json::json!({"db_use_type": "migration", "name": "g_%_"}),
        serde_json::json!({"db_use_type": "migration", "name": "%"}),
        serde_json::json!({"db_use_type": "migration", "name": "ä1"}),
        serde_json::json!({"db_use_type": "migration", "name": "x1"}),
        serde_json::json!({"db_use_type": "migration", "name": jobs[8].id}),
        serde_json::json!({"db_use_type": "migration", "name": format!("{}, {},x", jobs[8].id, jobs[12].id)}),
        serde_json::json!({"db_use_type": "migration", "tags": {"env": "prod"}}),
        serde_json::json!({"db_use_type": "migration", "tags": [{"key": "team"}], "per_page": 100}),
        serde_json::json!({"db_use_type": "migration", "instance_ids": ["inst-3", "inst-5"]}),
        serde_json::json!({"db_use_type": "migration", "instance_ip": "10.0.0.2", "name": "orders"}),
        serde_json::json!({"db_use_type": "migration", "cur_page": 1000}),
    ];
    // A NUL (PostgreSQL text cannot hold one) never reaches a store: validation refuses it.
    let nul = serde_json::json!({"db_use_type": "migration", "name": "a\u{0}b"});
    assert!(parse_body(nul.to_string().as_bytes())
        .and_then(|b| b.validate(&caller(&tenant)))
        .is_err());
    for body in bodies {
        let q = query(&tenant, body.clone());
        let all = model(&jobs, &q);
        let page = store.job_list(&tenant, &q).await.expect("list");
        let (offset, limit) = match q.paging {
            opendrs_core::query::Paging::Page { offset, limit } => {
                (offset as usize, limit as usize)
            }
            opendrs_core::query::Paging::All => (0, usize::MAX),
        };
        let expected: Vec<Job> = all.iter().skip(offset).take(limit).cloned().collect();
        assert_eq!(page.total, all.len() as u64, "total of {body}");
        assert_eq!(page.jobs, expected, "page of {body}");
    }
    // The enumerated total is read from the counters, before and after compaction.
    let q = query(&tenant, serde_json::json!({"db_use_type": "migration"}));
    let before = store.job_list(&tenant, &q).await.expect("list").total;
    store.counts_compact().await.expect("compact");
    assert_eq!(
        store.job_list(&tenant, &q).await.expect("list").total,
        before
    );
    drop(store);
    db.drop_db().await;
}

#[tokio::test]
async fn compaction_folds_the_deltas_and_vacuums_the_counters_so_no_dead_rows_pile_up() {
    let Some(db) = fresh().await else { return };
    let (store, tenant, mut jobs) = seeded(&db, 300).await;
    let q = query(&tenant, serde_json::json!({"db_use_type": "migration"}));
    let sql = admin_client(&db.url).await;
    // Fold whatever the timer has not folded yet, then make dead delta rows to clean up.
    store.counts_compact().await.expect("compact");
    for i in 0..8 {
        let new = job(1000 + i);
        store
            .jobs_insert(&tenant, std::slice::from_ref(&new))
            .await
            .expect("insert");
        jobs.push(new);
    }
    store.counts_compact().await.expect("compact");
    let deltas: i64 = sql
        .query_one("SELECT count(*) FROM job_count_deltas", &[])
        .await
        .expect("deltas")
        .get(0);
    assert_eq!(deltas, 0, "every delta is folded");
    // Only VACUUM records a table's pages in pg_class and marks them all-visible (an insert
    // leaves relpages at 0 until then; autovacuum waits a minute).
    let (pages, visible): (i32, i32) = sql
        .query_one(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'job_counts'",
            &[],
        )
        .await
        .map(|r| (r.get(0), r.get(1)))
        .expect("pg_class");
    assert!(pages > 0, "job_counts was vacuumed");
    assert_eq!(pages, visible, "every page of job_counts is all-visible");
    let total = store.job_list(&tenant, &q).await.expect("list").total;
    assert_eq!(
        total,
        model(&jobs, &q).len() as u64,
        "the counters still add up"
    );
    drop(store);
    db.drop_db().await;
}

#[tokio::test]
async fn the_whole_list_streams_in_chunks_in_list_order() {
    let Some(db) = fresh().await else { return };
    let (store, tenant, jobs) = seeded(&db, 700).await;
    for body in [
        serde_json::json!({"db_use_type": "migration", "cur_page": 0}),
        serde_json::json!({"db_use_type": "migration", "cur_page": 0, "name": "orders"}),
    ] {
        let q = query(&tenant, body);
        let stream = store.job_list_all(&tenant, &q).await.expect("stream");
        let chunks: Vec<Vec<Job>> = stream.chunks.map(|c| c.expect("chunk")).collect().await;
        assert!(chunks.iter().all(|c| c.len() <= 200));
        let got: Vec<Job> = chunks.into_iter().flatten().collect();
        let expected = model(&jobs, &q);
        assert_eq!(stream.total, expected.len() as u64);
        assert_eq!(got, expected);
    }
    drop(store);
    db.drop_db().await;
}

fn write(kind: BatchKind, body: serde_json::Value) -> JobWrite {
    JobWrite {
        operation: kind.operation(),
        dialect: Dialect::V3,
        actor: Actor {
            user_id: "u1".into(),
            request_id: "r1".into(),
        },
        now_ms: opendrs_core::clock::now_ms(),
        visible_eps: None,
        settings: instant(),
        reachability: Default::default(),
        default_quota: opendrs_core::quota::DEFAULT_INSTANCES,
        items: parse_batch(kind, body.to_string().as_bytes()).expect("a valid batch"),
    }
}

fn instant() -> ExecutorSettings {
    ExecutorSettings {
        timings: Timings::INSTANT,
        ..ExecutorSettings::default()
    }
}

fn creation(names: &[String]) -> serde_json::Value {
    let jobs: Vec<serde_json::Value> = names
        .iter()
        .map(|name| {
            serde_json::json!({"name": name, "db_use_type": "migration", "engine_type": "mysql",
                "job_direction": "up", "net_type": "vpc", "customize_sutnet_id": "subnet-1",
                "source_endpoint": {"inst_id": "src-1", "ip": "10.0.0.1"},
                "target_endpoint": {"ip": "10.0.0.2"},
                "tags": [{"key": "k", "value": "v"}]})
        })
        .collect();
    serde_json::json!({ "jobs": jobs })
}

fn created_ids(outcomes: &[ItemOutcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            ItemOutcome::Created { id, .. } => Some(id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn writes_create_start_and_refuse_a_taken_name() {
    let Some(db) = fresh().await else { return };
    let store = db.store().await;
    let tenant = store
        .project_upsert("0123456789abcdef0123456789abcdef", "p", &[], 0)
        .await
        .expect("project");
    let v0 = store.project_version(&tenant).await.expect("version");
    let out = job_write(
        &store,
        &tenant,
        write(
            BatchKind::Create,
            creation(&["alpha-one".into(), "alpha-one".into()]),
        ),
    )
    .await
    .expect("create");
    assert_eq!(out[1].error_code(), Some("DRS.M00277"), "{out:?}");
    let ids = created_ids(&out);
    assert_eq!(ids.len(), 1);
    assert_ne!(store.project_version(&tenant).await.expect("version"), v0);
    settle(&store, &instant()).await.expect("settle");
    let precheck =
        serde_json::json!({"jobs": [{"job_id": ids[0], "precheck_mode": "forStartJob"}]});
    job_write(&store, &tenant, write(BatchKind::Precheck, precheck))
        .await
        .expect("precheck");
    settle(&store, &instant()).await.expect("settle");
    let start = serde_json::json!({"jobs": [{"job_id": ids[0]}]});
    let out = job_write(&store, &tenant, write(BatchKind::Start, start))
        .await
        .expect("start");
    assert_eq!(out[0].error_code(), None, "{out:?}");
    settle(&store, &instant()).await.expect("settle");
    let got = store
        .job_get_many(&tenant, &ids, opendrs_core::batch::Depth::Detail)
        .await
        .expect("get");
    assert_eq!(got[0].job.status, JobStatus::IncreTransferStarted);
    assert_eq!(got[0].job.tags, vec![("k".to_string(), "v".to_string())]);
    assert!(got[0].actual_start_ms.is_some());
    let again = job_write(
        &store,
        &tenant,
        write(BatchKind::Create, creation(&["alpha-one".into()])),
    )
    .await
    .expect("create again");
    assert_eq!(again[0].error_code(), Some("DRS.M00277"));
    let rename = serde_json::json!({"jobs": [{"job_id": ids[0], "name": "alpha-one"}]});
    let renamed = job_write(&store, &tenant, write(BatchKind::Modify, rename))
        .await
        .expect("rename to itself");
    assert_eq!(renamed[0].error_code(), None, "{renamed:?}");
    let q = query(
        &tenant,
        serde_json::json!({"db_use_type": "migration", "instance_ids": ["src-1"]}),
    );
    assert_eq!(store.job_list(&tenant, &q).await.expect("list").total, 1);
    let audit = store
        .audit_list(&opendrs_core::audit::AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(audit.len(), 5);
    drop(store);
    db.drop_db().await;
}

#[tokio::test]
async fn two_instances_apply_every_transition_exactly_once() {
    let Some(db) = fresh().await else { return };
    let (a, b) = (db.store().await, db.store().await);
    let tenant = a
        .project_upsert("0123456789abcdef0123456789abcdef", "p", &[], 0)
        .await
        .expect("project");
    let names: Vec<String> = (0..30).map(|i| format!("job-{i:02}")).collect();
    let out = job_write(&a, &tenant, write(BatchKind::Create, creation(&names)))
        .await
        .expect("create");
    let ids = created_ids(&out);
    assert_eq!(ids.len(), 30);
    let settings = ExecutorSettings {
        batch: 3,
        ..instant()
    };
    let run = |store: PgStore| async move {
        let mut applied = 0;
        loop {
            let r = transitions_run(&store, &settings).await.expect("run");
            applied += r.applied;
            if r.applied == 0 && r.next_due.is_none() {
                return applied;
            }
        }
    };
    let (x, y) = tokio::join!(run(a.clone()), run(b.clone()));
    assert_eq!(x + y, 30, "one creation step per job ({x} + {y})");
    let prechecks: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"job_id": id, "precheck_mode": "forStartJob"}))
        .collect();
    job_write(
        &a,
        &tenant,
        write(
            BatchKind::Precheck,
            serde_json::json!({ "jobs": prechecks }),
        ),
    )
    .await
    .expect("precheck");
    let (x, y) = tokio::join!(run(a.clone()), run(b.clone()));
    assert_eq!(x + y, 30, "one precheck run per job ({x} + {y})");
    let jobs: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"job_id": id}))
        .collect();
    job_write(
        &b,
        &tenant,
        write(BatchKind::Start, serde_json::json!({ "jobs": jobs })),
    )
    .await
    .expect("start");
    let (x, y) = tokio::join!(run(a.clone()), run(b.clone()));
    assert_eq!(x + y, 60, "start and full transfer per job ({x} + {y})");
    for id in &ids {
        let history = a.job_history(&tenant, id).await.expect("history");
        let causes: Vec<&str> = history.iter().map(|(_, _, c)| c.as_str()).collect();
        assert_eq!(
            causes,
            [
                "user:BatchCreateJobs",
                "executor:create",
                "user:BatchStartJobs",
                "executor:start",
                "executor:full_transfer"
            ],
            "{id}"
        );
    }
    drop((a, b));
    db.drop_db().await;
}

#[tokio::test]
async fn a_store_whose_database_is_unreachable_is_unavailable_within_three_seconds() {
    // Needs no cluster: nothing listens on the port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let started = Instant::now();
    let err = PgStore::connect(&format!("postgres://postgres@127.0.0.1:{port}/x"), 2)
        .await
        .err()
        .expect("nothing listens there");
    assert_eq!(err.kind(), StoreErrorKind::Unavailable, "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn enumerated_lists_and_writes_are_planned_once_per_connection_and_a_name_search_for_its_values(
) {
    let Some(db) = fresh().await else { return };
    let (_, tenant, _) = seeded(&db, 300).await;
    // One connection per pool, so every call below meets the same sessions.
    let store = PgStore::connect(&db.url, 1).await.expect("connect");
    let enumerated = query(&tenant, serde_json::json!({"db_use_type": "migration"}));
    let named = query(
        &tenant,
        serde_json::json!({"db_use_type": "migration", "name": "job-1"}),
    );
    for i in 0..8 {
        store.job_list(&tenant, &enumerated).await.expect("list");
        store.job_list(&tenant, &named).await.expect("search");
        store
            .jobs_insert(&tenant, &[job(1000 + i)])
            .await
            .expect("write");
    }
    let [(main_generic, main_custom), (search_generic, search_custom)] =
        store.plan_counts().await.expect("plan counts");
    assert_eq!(
        main_custom, 0,
        "neither a list of enumerated filters nor a write is planned for its values"
    );
    assert!(main_generic >= 16, "{main_generic} generic plans");
    assert_eq!(
        search_generic, 0,
        "a name search is never planned generically"
    );
    assert!(search_custom >= 8, "{search_custom} custom plans");
    drop(store);
    db.drop_db().await;
}
