//! The list engine (SQLite, or PostgreSQL with `OPENDRS_TEST_DATABASE=postgres`) against a
//! plain in-memory model of `decisions.md` §1.
//!
//! A small random store (a few projects; jobs, some with children, with deliberately colliding
//! names, creation times, statuses, tags, enterprise projects and endpoints) is written to a
//! fresh database. Random query bodies are parsed and validated as the server does, given a
//! random order (every v5 `sort_key` in either direction), then run on the store (`job_list` and
//! `job_list_all`) and on the model: totals, the order of the job IDs, the nested children and
//! every listed field must agree. Paging through any order, page by page, must give every match
//! exactly once, in order.

use futures::StreamExt;
use opendrs_core::{
    caller::{Caller, Role, Tenant},
    enums::{
        ChargingMode, DbUseType, JobDirection, JobStatus, NetType, SortDir, SortKey, TaskType,
    },
    job::{Endpoint, Job, JobInfo},
    query::{parse_body, JobQuery, NameFilter, Paging, Sort},
    store::Backend,
    v5::list::JobListResp,
    Error,
};
use opendrs_store::testing::TestDatabase;
use proptest::{prelude::*, sample::select, sample::Index};
use serde_json::{json, Map, Value};
use std::{cmp::Ordering, collections::HashSet, fmt::Write, sync::Arc, sync::OnceLock};

/// 2026-01-01T00:00:00Z.
const BASE_MS: i64 = 1_767_225_600_000;

// ---------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------

/// One project as the model holds it: its tenant and its top-level jobs, children nested.
struct ModelProject {
    tenant: Tenant,
    jobs: Vec<Job>,
}

/// The v3 list order (and children's): newest first, ties by ID descending (byte-wise).
fn newest_first(a: &Job, b: &Job) -> Ordering {
    b.create_time_ms
        .cmp(&a.create_time_ms)
        .then_with(|| b.id.as_bytes().cmp(a.id.as_bytes()))
}

/// The model's order for `sort`, written out: the key's text (the name lowercased), then the
/// creation time, then the ID byte-wise, all ascending, reversed for `desc`.
fn model_order(sort: Sort) -> impl Fn(&Job, &Job) -> Ordering {
    move |a, b| {
        let key = |j: &Job| -> String {
            match sort.key {
                SortKey::CreateTime => String::new(),
                SortKey::Name => j.name.to_lowercase(),
                SortKey::Status => j.status.as_str().into(),
                SortKey::NetType => j.net_type.as_str().into(),
                SortKey::JobDirection => j.job_direction.as_str().into(),
                SortKey::PayMode => j.charging_mode.as_str().into(),
            }
        };
        let up = key(a)
            .as_bytes()
            .cmp(key(b).as_bytes())
            .then(a.create_time_ms.cmp(&b.create_time_ms))
            .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()));
        match sort.dir {
            SortDir::Asc => up,
            SortDir::Desc => up.reverse(),
        }
    }
}

/// Whether the top-level job `j` matches `q` (decisions.md §1, written the obvious way).
fn model_matches(j: &Job, q: &JobQuery) -> bool {
    let endpoints = [&j.source_endpoint, &j.target_endpoint];
    let status_ok = match q.status {
        Some(s) => j.status == s,
        None => j.status != JobStatus::Deleted,
    };
    let name_ok = match &q.name {
        None => true,
        Some(NameFilter::Ids(ids)) => ids.contains(&j.id),
        Some(NameFilter::Text(t)) => j.id == *t || j.name.to_lowercase().contains(t.as_str()),
    };
    let tags_ok = q.tags.iter().all(|(k, v)| {
        j.tags
            .iter()
            .any(|(jk, jv)| jk == k && v.as_ref().is_none_or(|v| v == jv))
    });
    let ids_ok = q.instance_ids.is_empty()
        || endpoints.iter().any(|e| {
            e.inst_id
                .as_ref()
                .is_some_and(|i| q.instance_ids.contains(i))
        });
    let ip_ok = q
        .instance_ip
        .as_ref()
        .is_none_or(|ip| endpoints.iter().any(|e| e.ip.as_ref() == Some(ip)));
    j.db_use_type == q.db_use_type
        && status_ok
        && q.engine_type.as_ref().is_none_or(|e| &j.engine_type == e)
        && q.net_type.is_none_or(|n| j.net_type == n)
        && q.enterprise_projects
            .as_ref()
            .is_none_or(|eps| eps.contains(&j.enterprise_project_id))
        && name_ok
        && tags_ok
        && ids_ok
        && ip_ok
}

/// Every match of `q`, in its order, each with its children newest first.
fn model_all(jobs: &[Job], q: &JobQuery) -> Vec<Job> {
    let mut out: Vec<Job> = jobs
        .iter()
        .filter(|j| model_matches(j, q))
        .cloned()
        .collect();
    out.sort_by(model_order(q.sort));
    for j in &mut out {
        j.children.sort_by(newest_first);
    }
    out
}

/// The page `paging` selects from the ordered matches.
fn model_page(all: &[Job], paging: Paging) -> Vec<Job> {
    match paging {
        Paging::All => all.to_vec(),
        Paging::Page { offset, limit } => all
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing the store with the model
// ---------------------------------------------------------------------------------------------

/// Each listed job's ID with its children's IDs.
type Shape = Vec<(String, Vec<String>)>;

fn shape(jobs: &[Job]) -> Shape {
    jobs.iter()
        .map(|j| {
            (
                j.id.clone(),
                j.children.iter().map(|c| c.id.clone()).collect(),
            )
        })
        .collect()
}

/// What the list responses show of each job (children included): the v3 and the v5 views.
fn views(jobs: &[Job]) -> Vec<Value> {
    jobs.iter()
        .map(|j| {
            json!({
                "v3": serde_json::to_value(JobInfo::from(j)).unwrap_or(Value::Null),
                "v5": serde_json::to_value(JobListResp::from(j)).unwrap_or(Value::Null),
            })
        })
        .collect()
}

fn agree(
    what: &str,
    got_total: u64,
    got: &[Job],
    want_total: u64,
    want: &[Job],
) -> Result<(), String> {
    if got_total != want_total {
        return Err(format!(
            "{what}: total {got_total}, model says {want_total}"
        ));
    }
    let (g, w) = (shape(got), shape(want));
    if g != w {
        return Err(format!("{what}: jobs\n  store {g:?}\n  model {w:?}"));
    }
    let (g, w) = (views(got), views(want));
    if let Some(i) = (0..g.len()).find(|&i| g[i] != w[i]) {
        return Err(format!(
            "{what}: fields of job {i}\n  store {}\n  model {}",
            g[i], w[i]
        ));
    }
    Ok(())
}

/// Reads the whole all-items stream.
async fn stream_all(
    store: &dyn Backend,
    tenant: &Tenant,
    q: &JobQuery,
) -> Result<(u64, Vec<Job>), String> {
    let stream = store
        .job_list_all(tenant, q)
        .await
        .map_err(|e| format!("job_list_all: {e}"))?;
    let chunks: Vec<_> = stream.chunks.collect().await;
    let mut jobs = Vec::new();
    for chunk in chunks {
        jobs.extend(chunk.map_err(|e| format!("job_list_all chunk: {e}"))?);
    }
    Ok((stream.total, jobs))
}

/// Runs `q` on the store (page and stream) and on the model; returns the store's total and page.
async fn compare(
    store: &dyn Backend,
    project: &ModelProject,
    q: &JobQuery,
) -> Result<(u64, Shape), String> {
    let all = model_all(&project.jobs, q);
    let want_total = all.len() as u64;
    let page = store
        .job_list(&project.tenant, q)
        .await
        .map_err(|e| format!("job_list: {e}"))?;
    agree(
        "job_list",
        page.total,
        &page.jobs,
        want_total,
        &model_page(&all, q.paging),
    )?;
    let (total, streamed) = stream_all(store, &project.tenant, q).await?;
    agree("job_list_all", total, &streamed, want_total, &all)?;
    Ok((page.total, shape(&page.jobs)))
}

fn caller(tenant: &Tenant, limits: Option<&[&str]>) -> Caller {
    Caller {
        tenant: tenant.clone(),
        user_id: "model-test".into(),
        roles: vec![Role::Admin],
        enterprise_projects: limits.map(|l| l.iter().map(|s| s.to_string()).collect()),
    }
}

fn dump(jobs: &[Job]) -> String {
    fn line(out: &mut String, prefix: &str, j: &Job) {
        let ep = |e: &Endpoint| {
            format!(
                "{}/{}",
                e.inst_id.as_deref().unwrap_or("-"),
                e.ip.as_deref().unwrap_or("-")
            )
        };
        let _ = writeln!(
            out,
            "{prefix}{} {:?} t+{} {} {} {} {} {} {} ep={} tags={:?} src={} dst={}",
            j.id,
            j.name,
            j.create_time_ms - BASE_MS,
            j.status,
            j.db_use_type,
            j.engine_type,
            j.net_type,
            j.job_direction,
            j.charging_mode,
            j.enterprise_project_id,
            j.tags,
            ep(&j.source_endpoint),
            ep(&j.target_endpoint),
        );
    }
    let mut out = String::new();
    for j in jobs {
        line(&mut out, "  ", j);
        for c in &j.children {
            line(&mut out, "    child ", c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Random stores
// ---------------------------------------------------------------------------------------------

const NAME_CHARS: &[char] = &['A', 'a', 'B', 'b', '%', '_', '\\', '-', ' ', '迁'];
const STATUSES: &[JobStatus] = &[
    JobStatus::IncreTransferStarted,
    JobStatus::Configuration,
    JobStatus::Deleted,
    JobStatus::Pausing,
    JobStatus::CreateFailed,
];
const DB_USE_TYPES: &[DbUseType] = &[
    DbUseType::Migration,
    DbUseType::Sync,
    DbUseType::CloudDataGuard,
];
const ENGINES: &[&str] = &["mysql", "postgresql", "mysql-to-kafka"];
const NET_TYPES: &[NetType] = &[NetType::Vpn, NetType::Vpc, NetType::Eip];
const EPS: &[&str] = &["0", "e1"];
const TAG_KEYS: &[&str] = &["env", "team"];
const TAG_VALUES: &[&str] = &["a", "b"];
const INST_IDS: &[&str] = &["i1", "i2", "i3"];
const IPS: &[&str] = &["10.0.0.1", "10.0.0.2"];

/// A job before its ID is known.
#[derive(Debug, Clone)]
struct JobGene {
    name: String,
    /// Put (a maybe upper-cased copy of) another job's ID into the name, at a position.
    embed_id: Option<(Index, Index, bool)>,
    time: i64,
    status: JobStatus,
    db_use_type: DbUseType,
    engine: &'static str,
    net: NetType,
    direction: JobDirection,
    charging: ChargingMode,
    multi_az: bool,
    ep: &'static str,
    tags: Vec<(String, String)>,
    source: Endpoint,
    target: Endpoint,
}

#[derive(Debug, Clone)]
struct TopGene {
    job: JobGene,
    children: Vec<JobGene>,
}

#[derive(Debug, Clone)]
struct ProjectGene {
    /// IDs of 1–3 hex digits (colliding with name text) instead of `0abc-id`.
    short_ids: bool,
    /// ID number `i` is `(i * mult + off) mod 4096`: unique, in no relation to insertion order.
    mult: u32,
    off: u32,
    jobs: Vec<TopGene>,
}

fn endpoint() -> impl Strategy<Value = Endpoint> {
    (
        prop::option::of(select(INST_IDS)),
        prop::option::of(select(IPS)),
    )
        .prop_map(|(id, ip)| Endpoint {
            inst_id: id.map(str::to_string),
            ip: ip.map(str::to_string),
            ..Endpoint::default()
        })
}

fn job_gene() -> impl Strategy<Value = JobGene> {
    let name = prop::collection::vec(select(NAME_CHARS), 0..=8)
        .prop_map(|cs| cs.into_iter().collect::<String>());
    let tags = [
        prop::option::of(select(TAG_VALUES)),
        prop::option::of(select(TAG_VALUES)),
    ]
    .prop_map(|vs| {
        TAG_KEYS
            .iter()
            .zip(vs)
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
            .collect::<Vec<_>>()
    });
    (
        name,
        prop::option::weighted(0.25, (any::<Index>(), any::<Index>(), any::<bool>())),
        0i64..4,
        select(STATUSES),
        select(DB_USE_TYPES),
        select(ENGINES),
        (
            select(NET_TYPES),
            select(JobDirection::ALL),
            select(ChargingMode::ALL),
            prop::bool::weighted(0.2),
        ),
        select(EPS),
        tags,
        endpoint(),
        endpoint(),
    )
        .prop_map(
            |(
                name,
                embed_id,
                time,
                status,
                db_use_type,
                engine,
                (net, direction, charging, multi_az),
                ep,
                tags,
                source,
                target,
            )| {
                JobGene {
                    name,
                    embed_id,
                    time,
                    status,
                    db_use_type,
                    engine,
                    net,
                    direction,
                    charging,
                    multi_az,
                    ep,
                    tags,
                    source,
                    target,
                }
            },
        )
}

fn top_gene() -> impl Strategy<Value = TopGene> {
    let children =
        prop_oneof![4 => Just(Vec::new()), 1 => prop::collection::vec(job_gene(), 1..=2)];
    (job_gene(), children).prop_map(|(job, children)| TopGene { job, children })
}

fn project_gene() -> impl Strategy<Value = ProjectGene> {
    (
        prop::bool::weighted(0.3),
        0u32..2048,
        0u32..4096,
        prop::collection::vec(top_gene(), 0..=60),
    )
        .prop_map(|(short_ids, m, off, jobs)| ProjectGene {
            short_ids,
            mult: 2 * m + 1,
            off,
            jobs,
        })
}

impl ProjectGene {
    fn id(&self, i: usize) -> String {
        let n = (i as u32).wrapping_mul(self.mult).wrapping_add(self.off) & 0xfff;
        if self.short_ids {
            format!("{n:x}")
        } else {
            format!("{n:04x}-id")
        }
    }

    fn jobs(&self) -> Vec<Job> {
        let count: usize = self.jobs.iter().map(|t| 1 + t.children.len()).sum();
        let ids: Vec<String> = (0..count).map(|i| self.id(i)).collect();
        let mut next = ids.iter();
        let mut out = Vec::new();
        for top in &self.jobs {
            let mut job = make_job(&top.job, next.next().cloned().unwrap_or_default(), &ids);
            for c in &top.children {
                job.children
                    .push(make_job(c, next.next().cloned().unwrap_or_default(), &ids));
            }
            out.push(job);
        }
        out
    }
}

fn make_job(g: &JobGene, id: String, ids: &[String]) -> Job {
    let mut name = g.name.clone();
    if let Some((which, at, upper)) = &g.embed_id {
        let other = &ids[which.index(ids.len())];
        let other = if *upper {
            other.to_uppercase()
        } else {
            other.clone()
        };
        let chars: Vec<char> = name.chars().collect();
        let at = at.index(chars.len() + 1);
        name = chars[..at].iter().collect::<String>()
            + &other
            + &chars[at..].iter().collect::<String>();
    }
    Job {
        id,
        name,
        status: g.status,
        description: String::new(),
        create_time_ms: BASE_MS + g.time,
        engine_type: g.engine.to_string(),
        net_type: g.net,
        billing_tag: false,
        job_direction: g.direction,
        db_use_type: g.db_use_type,
        task_type: TaskType::FullIncrTrans,
        node_new_framework: false,
        error_msg: g.status.is_failure().then(|| "boom".to_string()),
        enterprise_project_id: g.ep.to_string(),
        charging_mode: g.charging,
        is_multi_az: g.multi_az,
        tags: g.tags.clone(),
        source_endpoint: g.source.clone(),
        target_endpoint: g.target.clone(),
        children: Vec::new(),
        running: None,
    }
}

/// Writes every project (with enterprise projects "0" and "e1") to a fresh store. A name is
/// unique among a project's live top-level jobs (the schema enforces it): a repeated one gets a
/// `~n` suffix, here and in the model alike.
async fn build(projects: &[Vec<Job>]) -> (TestDatabase, Arc<dyn Backend>, Vec<ModelProject>) {
    let db = TestDatabase::fresh().await;
    let store = db.open().await;
    let mut out = Vec::new();
    for (i, jobs) in projects.iter().enumerate() {
        let eps: Vec<String> = EPS.iter().map(|e| e.to_string()).collect();
        let tenant = store
            .project_upsert(
                &format!("{:032x}", i + 1),
                &format!("project-{i}"),
                &eps,
                BASE_MS,
            )
            .await
            .expect("a project");
        let mut taken = HashSet::new();
        let jobs: Vec<Job> = jobs
            .iter()
            .cloned()
            .map(|mut j| {
                if j.status != JobStatus::Deleted {
                    let mut n = 1;
                    let base = j.name.clone();
                    while !taken.insert(j.name.clone()) {
                        n += 1;
                        j.name = format!("{base}~{n}");
                    }
                }
                j
            })
            .collect();
        store.jobs_insert(&tenant, &jobs).await.expect("the jobs");
        out.push(ModelProject { tenant, jobs });
    }
    (db, store, out)
}

// ---------------------------------------------------------------------------------------------
// Random queries
// ---------------------------------------------------------------------------------------------

/// A body field: absent, `null`, `""` or a value.
#[derive(Debug, Clone)]
enum Field<T> {
    Absent,
    Null,
    Empty,
    Value(T),
}

fn field<T: Clone + std::fmt::Debug + 'static>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Field<T>> {
    prop_oneof![
        3 => Just(Field::Absent),
        1 => Just(Field::Null),
        1 => Just(Field::Empty),
        3 => s.prop_map(Field::Value),
    ]
}

impl<T> Field<T> {
    /// Writes the field into `body` under `key`, the value as `value` renders it.
    fn put<V: Into<Value>>(
        &self,
        body: &mut Map<String, Value>,
        key: &str,
        value: impl FnOnce(&T) -> V,
    ) {
        let v = match self {
            Field::Absent => return,
            Field::Null => Value::Null,
            Field::Empty => Value::from(""),
            Field::Value(t) => value(t).into(),
        };
        body.insert(key.into(), v);
    }
}

/// A value copied from the query's anchor (a random top-level job of the queried project, so
/// that filters often select something) or picked at random.
#[derive(Debug, Clone)]
enum Pick<T> {
    Anchor,
    Random(T),
}

fn pick<T: Clone + std::fmt::Debug + 'static>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Pick<T>> {
    prop_oneof![4 => Just(Pick::Anchor), 1 => s.prop_map(Pick::Random)]
}

impl<T: Clone> Pick<T> {
    /// The anchor's value (`fallback` when there is no anchor or it has none) or the random one.
    fn get(&self, from_anchor: Option<T>, fallback: T) -> T {
        match self {
            Pick::Anchor => from_anchor.unwrap_or(fallback),
            Pick::Random(v) => v.clone(),
        }
    }
}

impl Pick<&'static str> {
    /// As [`get`](Pick::get), for text.
    fn text(&self, from_anchor: Option<&str>, fallback: &str) -> String {
        match self {
            Pick::Anchor => from_anchor.unwrap_or(fallback).to_string(),
            Pick::Random(v) => v.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
enum NameGene {
    /// Part of a job's name (the anchor's or any job's, children included), in random case,
    /// maybe padded with spaces.
    Part {
        job: Pick<Index>,
        start: Index,
        len: usize,
        case: u16,
        pad: bool,
    },
    /// A short random text (1–2 characters take the scan path, 3+ the gram index).
    Random(String),
    /// A job's ID (the anchor's or any job's) in random case.
    Id { job: Pick<Index>, case: u16 },
    /// A comma list of real (`Some`) and unknown (`None`) IDs.
    Ids(Vec<Option<Pick<Index>>>),
    /// Only spaces: no filter.
    Blank,
}

/// One tag filter item: the key is one of the anchor's (when `anchor` and it has tags) or a
/// random one; the value the anchor's for that key or a random one. In the legacy array an
/// absent, `null` or `""` value means "has this key"; in the map they become the anchor's
/// value (absent, `null`) or `""` (which no job carries).
#[derive(Debug, Clone)]
struct TagGene {
    anchor: bool,
    key: Index,
    value: Field<Pick<&'static str>>,
}

#[derive(Debug, Clone)]
struct TagsGene {
    legacy_array: bool,
    items: Vec<TagGene>,
}

#[derive(Debug, Clone)]
struct QueryGene {
    project: Index,
    anchor: Index,
    limited: bool,
    db_use_type: Pick<DbUseType>,
    status: Field<Pick<JobStatus>>,
    engine: Field<Pick<&'static str>>,
    net: Field<Pick<NetType>>,
    name: Option<NameGene>,
    tags: Option<TagsGene>,
    instance_ids: Option<Vec<Pick<&'static str>>>,
    instance_ip: Option<Pick<&'static str>>,
    enterprise_project: Option<Option<&'static str>>,
    cur_page: Option<Option<i64>>,
    per_page: Option<Option<i64>>,
    sort: Sort,
}

fn sort_gene() -> impl Strategy<Value = Sort> {
    (select(SortKey::ALL), select(SortDir::ALL)).prop_map(|(key, dir)| Sort { key, dir })
}

const QUERY_TAG_KEYS: &[&str] = &["env", "team", "zone"];

fn name_gene() -> impl Strategy<Value = NameGene> {
    let random_chars: Vec<char> = NAME_CHARS
        .iter()
        .copied()
        .chain(['0', '1', 'c', 'd', 'i'])
        .collect();
    prop_oneof![
        4 => (pick(any::<Index>()), any::<Index>(), 1usize..=5, any::<u16>(), prop::bool::weighted(0.2))
            .prop_map(|(job, start, len, case, pad)| NameGene::Part { job, start, len, case, pad }),
        3 => prop::collection::vec(select(random_chars), 1..=4)
            .prop_map(|cs| NameGene::Random(cs.into_iter().collect())),
        2 => (pick(any::<Index>()), any::<u16>()).prop_map(|(job, case)| NameGene::Id { job, case }),
        2 => prop::collection::vec(prop::option::weighted(0.7, pick(any::<Index>())), 0..=4).prop_map(NameGene::Ids),
        1 => Just(NameGene::Blank),
    ]
}

fn tags_gene() -> impl Strategy<Value = TagsGene> {
    let item = (
        prop::bool::weighted(0.7),
        any::<Index>(),
        field(pick(select(&["a", "b", "c"][..]))),
    )
        .prop_map(|(anchor, key, value)| TagGene { anchor, key, value });
    (any::<bool>(), prop::collection::vec(item, 0..=3)).prop_map(|(legacy_array, items)| TagsGene {
        legacy_array,
        items,
    })
}

fn query_gene() -> impl Strategy<Value = QueryGene> {
    let statuses: Vec<JobStatus> = STATUSES
        .iter()
        .copied()
        .chain([JobStatus::ChildTransferStarted])
        .collect();
    let engines: Vec<&'static str> = ENGINES.iter().copied().chain(["mongodb"]).collect();
    let filters = (
        field(pick(select(statuses))),
        field(pick(select(engines))),
        field(pick(select(NET_TYPES))),
        prop::option::weighted(0.6, name_gene()),
        prop::option::weighted(0.25, tags_gene()),
        prop::option::weighted(
            0.2,
            prop::collection::vec(pick(select(&["i1", "i2", "i3", "i9", " i2 "][..])), 0..=3),
        ),
        prop::option::weighted(
            0.2,
            pick(select(
                &["10.0.0.1", "10.0.0.2", "10.0.0.9", " 10.0.0.1 ", ""][..],
            )),
        ),
        prop::option::weighted(
            0.3,
            prop::option::weighted(0.8, select(&["0", "e1", "e2"][..])),
        ),
    );
    (
        (any::<Index>(), any::<Index>(), prop::bool::weighted(0.25)),
        pick(select(DB_USE_TYPES)),
        filters,
        prop::option::weighted(0.8, prop::option::weighted(0.9, 0i64..=5)),
        prop::option::weighted(0.8, prop::option::weighted(0.9, 0i64..=7)),
        sort_gene(),
    )
        .prop_map(
            |((project, anchor, limited), db_use_type, f, cur_page, per_page, sort)| QueryGene {
                project,
                anchor,
                limited,
                db_use_type,
                status: f.0,
                engine: f.1,
                net: f.2,
                name: f.3,
                tags: f.4,
                instance_ids: f.5,
                instance_ip: f.6,
                enterprise_project: f.7,
                cur_page,
                per_page,
                sort,
            },
        )
}

fn recase(s: &str, mask: u16) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 16) & 1 == 1 {
                c.to_uppercase().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The jobs of one project a query is written against.
struct Target<'a> {
    /// Top-level jobs and children.
    all: Vec<&'a Job>,
    anchor: Option<&'a Job>,
}

impl<'a> Target<'a> {
    fn job(&self, p: &Pick<Index>) -> Option<&'a Job> {
        match p {
            Pick::Anchor => self.anchor,
            Pick::Random(i) => self.all.get(i.index(self.all.len().max(1))).copied(),
        }
    }
}

fn name_text(g: &NameGene, t: &Target<'_>) -> String {
    match g {
        NameGene::Part {
            job,
            start,
            len,
            case,
            pad,
        } => {
            let chars: Vec<char> = t
                .job(job)
                .map(|j| j.name.chars().collect())
                .unwrap_or_default();
            if chars.is_empty() {
                return "a".into();
            }
            let start = start.index(chars.len());
            let len = (*len).min(chars.len() - start);
            let part = recase(&chars[start..start + len].iter().collect::<String>(), *case);
            if *pad {
                format!("  {part} ")
            } else {
                part
            }
        }
        NameGene::Random(s) => s.clone(),
        NameGene::Id { job, case } => t
            .job(job)
            .map(|j| recase(&j.id, *case))
            .unwrap_or_else(|| "0001-id".into()),
        NameGene::Ids(items) => {
            let ids: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Some(i) => t
                        .job(i)
                        .map_or_else(|| "ffff-none".into(), |j| j.id.clone()),
                    None => "ffff-none".into(),
                })
                .collect();
            let mut text = ids.join(", ");
            if ids.len() < 2 {
                text.push(',');
            }
            text
        }
        NameGene::Blank => "   ".into(),
    }
}

fn tags_value(g: &TagsGene, anchor: Option<&Job>) -> Value {
    let anchor_tags = anchor.map(|j| j.tags.as_slice()).unwrap_or_default();
    let items = g.items.iter().map(|item| {
        let key = match anchor_tags {
            tags if item.anchor && !tags.is_empty() => tags[item.key.index(tags.len())].0.clone(),
            _ => QUERY_TAG_KEYS[item.key.index(QUERY_TAG_KEYS.len())].to_string(),
        };
        let of_anchor = anchor_tags
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone());
        (key, of_anchor, &item.value)
    });
    if g.legacy_array {
        let list: Vec<Value> = items
            .map(|(key, of_anchor, value)| {
                let mut item = Map::new();
                item.insert("key".into(), key.into());
                value.put(&mut item, "value", |p| p.text(of_anchor.as_deref(), "c"));
                Value::Object(item)
            })
            .collect();
        Value::Array(list)
    } else {
        let map: Map<String, Value> = items
            .map(|(key, of_anchor, value)| {
                let v = match value {
                    Field::Value(p) => p.text(of_anchor.as_deref(), "c"),
                    Field::Empty => String::new(),
                    Field::Absent | Field::Null => of_anchor.unwrap_or_else(|| "c".into()),
                };
                (key, Value::from(v))
            })
            .collect();
        Value::Object(map)
    }
}

/// The JSON body of `g` against the queried project's jobs.
fn body(g: &QueryGene, t: &Target<'_>) -> String {
    let a = t.anchor;
    let mut b = Map::new();
    let db_use_type = g
        .db_use_type
        .get(a.map(|j| j.db_use_type), DbUseType::Migration);
    b.insert("db_use_type".into(), db_use_type.as_str().into());
    g.status.put(&mut b, "status", |p| {
        p.get(a.map(|j| j.status), JobStatus::Configuration)
            .as_str()
    });
    g.engine.put(&mut b, "engine_type", |p| {
        p.text(a.map(|j| j.engine_type.as_str()), "mysql")
    });
    g.net.put(&mut b, "net_type", |p| {
        p.get(a.map(|j| j.net_type), NetType::Vpc).as_str()
    });
    if let Some(n) = &g.name {
        b.insert("name".into(), name_text(n, t).into());
    }
    if let Some(tags) = &g.tags {
        b.insert("tags".into(), tags_value(tags, a));
    }
    if let Some(ids) = &g.instance_ids {
        // The anchor's source instance at even positions, its target at odd ones (either when
        // the other is missing): one job can match two listed IDs.
        let ends = a.map(|j| [&j.source_endpoint, &j.target_endpoint]);
        let ids: Vec<String> = ids
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let of_anchor = ends.and_then(|[s, t]| {
                    let (first, second) = if i % 2 == 0 { (s, t) } else { (t, s) };
                    first.inst_id.as_deref().or(second.inst_id.as_deref())
                });
                p.text(of_anchor, "i9")
            })
            .collect();
        b.insert("instance_ids".into(), json!(ids));
    }
    if let Some(ip) = &g.instance_ip {
        let of_anchor = a.and_then(|j| {
            j.target_endpoint
                .ip
                .clone()
                .or_else(|| j.source_endpoint.ip.clone())
        });
        b.insert(
            "instance_ip".into(),
            ip.text(of_anchor.as_deref(), "10.0.0.9").into(),
        );
    }
    if let Some(ep) = g.enterprise_project {
        b.insert(
            "enterprise_project_id".into(),
            ep.map_or(Value::Null, Value::from),
        );
    }
    if let Some(p) = g.cur_page {
        b.insert("cur_page".into(), p.map_or(Value::Null, Value::from));
    }
    if let Some(p) = g.per_page {
        b.insert("per_page".into(), p.map_or(Value::Null, Value::from));
    }
    Value::Object(b).to_string()
}

/// What validation must say for `g`, when not a query: a paging error or `Forbidden`.
fn expected_error(g: &QueryGene) -> Option<&'static str> {
    let cur = g.cur_page.flatten().unwrap_or(1);
    let per = g.per_page.flatten().unwrap_or(10);
    if per == 0 && cur > 1 {
        Some("invalid page")
    } else if g.limited && matches!(g.enterprise_project, Some(Some(ep)) if ep != "e1") {
        Some("forbidden")
    } else {
        None
    }
}

async fn run_queries(
    store: &dyn Backend,
    projects: &[ModelProject],
    queries: &[QueryGene],
) -> Result<(), TestCaseError> {
    for g in queries {
        let project = &projects[g.project.index(projects.len())];
        let target = Target {
            all: project
                .jobs
                .iter()
                .flat_map(|j| std::iter::once(j).chain(&j.children))
                .collect(),
            anchor: project.jobs.get(g.anchor.index(project.jobs.len().max(1))),
        };
        let body = body(g, &target);
        let limits: &[&str] = &["e1"];
        let who = caller(&project.tenant, g.limited.then_some(limits));
        let req =
            parse_body(body.as_bytes()).map_err(|e| TestCaseError::fail(format!("{body}: {e}")))?;
        let q = match (req.validate(&who), expected_error(g)) {
            (Ok(q), None) => JobQuery { sort: g.sort, ..q },
            (Err(Error::InvalidPage(_)), Some("invalid page"))
            | (Err(Error::Forbidden), Some("forbidden")) => continue,
            (got, want) => {
                return Err(TestCaseError::fail(format!(
                    "validating {body}: got {got:?}, expected {want:?}"
                )));
            }
        };
        if let Err(e) = compare(store, project, &q).await {
            return Err(TestCaseError::fail(format!(
                "{e}\nbody {body}\nquery {q:?}\nproject {}:\n{}",
                project.tenant.key(),
                dump(&project.jobs)
            )));
        }
    }
    Ok(())
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Runtime::new().expect("a tokio runtime"))
}

/// 64 cases (each a fresh store and 4–10 queries) unless `PROPTEST_CASES` says otherwise; no
/// regression file is written (a failure prints the shrunk store and query instead).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_store_lists_exactly_what_the_model_lists(
        world in prop::collection::vec(project_gene(), 1..=3),
        queries in prop::collection::vec(query_gene(), 4..=10),
    ) {
        let jobs: Vec<Vec<Job>> = world.iter().map(ProjectGene::jobs).collect();
        runtime().block_on(async {
            let (_db, store, projects) = build(&jobs).await;
            run_queries(&*store, &projects, &queries).await
        })?;
    }
}

/// Reads `q` page by page (`size` jobs a page) until a page past the end, as a client paging
/// with `offset`/`limit` does; every page must report the same total.
async fn page_through(
    store: &dyn Backend,
    tenant: &Tenant,
    q: &JobQuery,
    size: u64,
) -> Result<(u64, Vec<String>), String> {
    let mut ids = Vec::new();
    let mut offset = 0;
    let mut total = None;
    // Bounded: a model project has at most a few hundred jobs.
    for _ in 0..1000 {
        let page = store
            .job_list(
                tenant,
                &JobQuery {
                    paging: Paging::Page {
                        offset,
                        limit: size,
                    },
                    ..q.clone()
                },
            )
            .await
            .map_err(|e| format!("job_list: {e}"))?;
        if *total.get_or_insert(page.total) != page.total {
            return Err(format!(
                "the total moved to {} at offset {offset}",
                page.total
            ));
        }
        if page.jobs.is_empty() {
            return Ok((page.total, ids));
        }
        ids.extend(page.jobs.into_iter().map(|j| j.id));
        offset += size;
    }
    Err("paging did not end".into())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn paging_through_any_order_gives_every_match_once_and_in_order(
        world in prop::collection::vec(project_gene(), 1..=2),
        walks in prop::collection::vec(
            (
                any::<Index>(),
                select(DB_USE_TYPES),
                prop::option::weighted(0.3, select(STATUSES)),
                sort_gene(),
                1u64..=7,
            ),
            1..=4,
        ),
    ) {
        let jobs: Vec<Vec<Job>> = world.iter().map(ProjectGene::jobs).collect();
        runtime().block_on(async {
            let (_db, store, projects) = build(&jobs).await;
            for (project, db_use_type, status, sort, size) in &walks {
                let project = &projects[project.index(projects.len())];
                let mut body = json!({ "db_use_type": db_use_type.as_str() });
                if let Some(st) = status {
                    body["status"] = st.as_str().into();
                }
                let q = parse_body(body.to_string().as_bytes())
                    .and_then(|b| b.validate(&caller(&project.tenant, None)))
                    .map(|q| JobQuery { sort: *sort, ..q })
                    .map_err(|e| TestCaseError::fail(format!("{body}: {e}")))?;
                let want: Vec<String> = model_all(&project.jobs, &q).into_iter().map(|j| j.id).collect();
                let (total, got) = page_through(&*store, &project.tenant, &q, *size)
                    .await
                    .map_err(TestCaseError::fail)?;
                let unique: HashSet<&String> = got.iter().collect();
                prop_assert_eq!(unique.len(), got.len(), "a job repeated: {:?}", got);
                prop_assert_eq!(total, want.len() as u64);
                prop_assert_eq!(
                    &got, &want,
                    "{} {:?} by {} pages of {}\n{}", body, sort, size, size, dump(&project.jobs)
                );
            }
            Ok(())
        })?;
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-built cases
// ---------------------------------------------------------------------------------------------

struct Fixture {
    _db: TestDatabase,
    store: Arc<dyn Backend>,
    projects: Vec<ModelProject>,
}

async fn fixture(projects: Vec<Vec<Job>>) -> Fixture {
    let (db, store, projects) = build(&projects).await;
    Fixture {
        _db: db,
        store,
        projects,
    }
}

/// A migration job in enterprise project "0", created `t` ms after the base time.
fn job(id: &str, name: &str, t: i64) -> Job {
    Job {
        id: id.into(),
        name: name.into(),
        status: JobStatus::Configuration,
        description: String::new(),
        create_time_ms: BASE_MS + t,
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

impl Fixture {
    /// Runs `body` (a `db_use_type` of `migration` added when absent) in `project` as a caller
    /// with `limits`, checking store and model agree; the total and the page's IDs with children.
    async fn list_as(
        &self,
        project: usize,
        limits: Option<&[&str]>,
        body: Value,
    ) -> Result<(u64, Shape), Error> {
        let mut body = body;
        if let Value::Object(m) = &mut body {
            m.entry("db_use_type").or_insert_with(|| "migration".into());
        }
        let p = &self.projects[project];
        let q = parse_body(body.to_string().as_bytes())?.validate(&caller(&p.tenant, limits))?;
        Ok(compare(&*self.store, p, &q)
            .await
            .unwrap_or_else(|e| panic!("{e}\nbody {body}")))
    }

    /// As [`list_as`](Self::list_as) for an unlimited caller: the total and the page's IDs.
    async fn list(&self, project: usize, body: Value) -> (u64, Vec<String>) {
        let (total, page) = self
            .list_as(project, None, body.clone())
            .await
            .expect("a valid query");
        (total, page.into_iter().map(|(id, _)| id).collect())
    }

    async fn ids(&self, project: usize, body: Value) -> Vec<String> {
        self.list(project, body).await.1
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn percent_and_underscore_in_a_name_match_literally() {
    let fx = fixture(vec![vec![
        job("j1", "100%_done", 5),
        job("j2", "100xxdone", 4),
        job("j3", "100%xdone", 3),
        job("j4", "a\\b", 2),
        job("j5", "axb", 1),
        job("j6", "a_b", 0),
    ]])
    .await;
    assert_eq!(fx.ids(0, json!({"name": "%_"})).await, strs(&["j1"]));
    assert_eq!(fx.ids(0, json!({"name": "0%_d"})).await, strs(&["j1"]));
    assert_eq!(fx.ids(0, json!({"name": "%"})).await, strs(&["j1", "j3"]));
    assert_eq!(fx.ids(0, json!({"name": "_"})).await, strs(&["j1", "j6"]));
    assert_eq!(fx.ids(0, json!({"name": "a_b"})).await, strs(&["j6"]));
    assert_eq!(fx.ids(0, json!({"name": "\\"})).await, strs(&["j4"]));
    assert_eq!(fx.ids(0, json!({"name": "A\\B"})).await, strs(&["j4"]));
}

#[tokio::test]
async fn ties_in_create_time_are_ordered_by_id_descending() {
    // Byte-wise: "a" (0x61) > "B" (0x42) > "00a0-id" > "000b-id" > "0001-id".
    let fx = fixture(vec![vec![
        job("0001-id", "x", 7),
        job("B", "x", 7),
        job("00a0-id", "x", 7),
        job("a", "x", 7),
        job("000b-id", "x", 7),
        job("later", "x", 8),
        job("earlier", "x", 6),
    ]])
    .await;
    let order = strs(&[
        "later", "a", "B", "00a0-id", "000b-id", "0001-id", "earlier",
    ]);
    assert_eq!(fx.ids(0, json!({"per_page": 0})).await, order);
    let mut paged = Vec::new();
    for page in 1..=7 {
        paged.extend(fx.ids(0, json!({"cur_page": page, "per_page": 1})).await);
    }
    assert_eq!(paged, order);
    assert_eq!(
        fx.ids(0, json!({"name": "x", "cur_page": 2, "per_page": 3}))
            .await,
        order[3..6].to_vec()
    );
}

#[tokio::test]
async fn children_are_nested_and_never_listed_on_their_own() {
    let mut parent = job("p1", "parent", 10);
    parent.db_use_type = DbUseType::Sync;
    for (id, t) in [("c-old", 11), ("c-new", 12), ("c-tie", 11)] {
        let mut child = job(id, &format!("lonely child {id}"), t);
        child.db_use_type = DbUseType::Sync;
        child.status = JobStatus::ChildTransferStarted;
        child.tags = vec![("env".into(), "child".into())];
        child.source_endpoint.inst_id = Some("child-inst".into());
        parent.children.push(child);
    }
    let mut other = job("p2", "other", 20);
    other.db_use_type = DbUseType::Sync;
    let fx = fixture(vec![vec![parent, other]]).await;
    let sync = |extra: Value| {
        let mut b = json!({"db_use_type": "sync"});
        if let (Value::Object(b), Value::Object(e)) = (&mut b, extra) {
            b.extend(e);
        }
        b
    };
    let (total, page) = fx.list_as(0, None, sync(json!({}))).await.expect("valid");
    assert_eq!(total, 2);
    assert_eq!(
        page,
        vec![
            ("p2".into(), vec![]),
            ("p1".into(), strs(&["c-new", "c-tie", "c-old"]))
        ]
    );
    for filter in [
        json!({"name": "lonely"}),
        json!({"name": "ch"}),
        json!({"name": "c-new"}),
        json!({"name": "c-new,c-old"}),
        json!({"tags": {"env": "child"}}),
        json!({"instance_ids": ["child-inst"]}),
        json!({"status": "CHILD_TRANSFER_STARTED"}),
    ] {
        let (total, page) = fx
            .list_as(0, None, sync(filter.clone()))
            .await
            .expect("valid");
        assert_eq!((total, page), (0, vec![]), "{filter}");
    }
}

#[tokio::test]
async fn deleted_jobs_are_hidden_unless_asked_for() {
    let mut gone = job("gone", "old one", 3);
    gone.status = JobStatus::Deleted;
    let mut gone2 = job("gone2", "old two", 4);
    gone2.status = JobStatus::Deleted;
    let fx = fixture(vec![vec![job("live", "old live", 1), gone, gone2]]).await;
    assert_eq!(fx.list(0, json!({})).await, (1, strs(&["live"])));
    assert_eq!(
        fx.list(0, json!({"name": "old"})).await,
        (1, strs(&["live"]))
    );
    assert_eq!(fx.list(0, json!({"name": "gone"})).await, (0, vec![]));
    assert_eq!(
        fx.list(0, json!({"status": "DELETED"})).await,
        (2, strs(&["gone2", "gone"]))
    );
    assert_eq!(
        fx.list(0, json!({"status": "DELETED", "name": "gone"}))
            .await,
        (1, strs(&["gone"]))
    );
    assert_eq!(
        fx.list(0, json!({"status": ""})).await,
        (1, strs(&["live"]))
    );
}

#[tokio::test]
async fn one_project_never_sees_another_projects_jobs() {
    let project = |tag: &str, n: usize| -> Vec<Job> {
        (0..n)
            .map(|i| {
                let mut j = job(
                    &format!("{i:04x}-id"),
                    &format!("shared name {tag}"),
                    i as i64,
                );
                j.tags = vec![("env".into(), "prod".into())];
                j.source_endpoint.inst_id = Some("inst".into());
                j.source_endpoint.ip = Some("10.0.0.1".into());
                j
            })
            .collect()
    };
    let fx = fixture(vec![project("one", 3), project("two", 5)]).await;
    for body in [
        json!({}),
        json!({"name": "shared"}),
        json!({"name": "sh"}),
        json!({"name": "0001-id"}),
        json!({"name": "0001-id,0004-id"}),
        json!({"tags": {"env": "prod"}}),
        json!({"instance_ids": ["inst"]}),
        json!({"instance_ip": "10.0.0.1"}),
    ] {
        let totals = (
            fx.list(0, body.clone()).await.0,
            fx.list(1, body.clone()).await.0,
        );
        let expected = match body.get("name").and_then(Value::as_str) {
            Some("0001-id") => (1, 1),
            Some("0001-id,0004-id") => (1, 2),
            _ => (3, 5),
        };
        assert_eq!(totals, expected, "{body}");
    }
    assert_eq!(fx.list(0, json!({"name": "two"})).await, (0, vec![]));
    assert_eq!(fx.list(1, json!({"name": "one"})).await, (0, vec![]));
}

#[tokio::test]
async fn a_name_matches_a_job_by_its_exact_id_or_by_containing_the_text() {
    let fx = fixture(vec![vec![
        job("00ab-id", "plain", 3),
        job("0cd0-id", "copy of 00AB-ID here", 2),
        job("00ab-idx", "unrelated", 1),
        job("ab", "zz", 0),
    ]])
    .await;
    assert_eq!(
        fx.ids(0, json!({"name": "00Ab-Id"})).await,
        strs(&["00ab-id", "0cd0-id"])
    );
    // A comma list matches IDs only, exactly.
    assert_eq!(
        fx.ids(0, json!({"name": "00AB-ID, nope"})).await,
        strs(&["00ab-id"])
    );
    assert_eq!(fx.ids(0, json!({"name": ","})).await, Vec::<String>::new());
    // A two-character text that is an ID (the scan path).
    assert_eq!(
        fx.ids(0, json!({"name": "AB"})).await,
        strs(&["0cd0-id", "ab"])
    );
}

#[tokio::test]
async fn names_match_case_insensitively_on_both_search_paths() {
    let fx = fixture(vec![vec![
        job("j1", "迁移Orders-EU", 2),
        job("j2", "迁x", 1),
        job("j3", "ORDERS", 0),
    ]])
    .await;
    assert_eq!(fx.ids(0, json!({"name": "迁"})).await, strs(&["j1", "j2"]));
    assert_eq!(fx.ids(0, json!({"name": "迁移or"})).await, strs(&["j1"]));
    assert_eq!(
        fx.ids(0, json!({"name": "oRdErS"})).await,
        strs(&["j1", "j3"])
    );
    assert_eq!(fx.ids(0, json!({"name": "Rs"})).await, strs(&["j1", "j3"]));
    assert_eq!(fx.ids(0, json!({"name": "  s-e  "})).await, strs(&["j1"]));
}

#[tokio::test]
async fn tags_match_as_pairs_or_as_bare_keys() {
    let tagged = |id: &str, t: i64, tags: &[(&str, &str)]| {
        let mut j = job(id, id, t);
        j.tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        j
    };
    let fx = fixture(vec![vec![
        tagged("j1", 3, &[("env", "prod"), ("team", "db")]),
        tagged("j2", 2, &[("env", "test")]),
        tagged("j3", 1, &[("team", "db")]),
    ]])
    .await;
    assert_eq!(
        fx.ids(0, json!({"tags": {"env": "prod"}})).await,
        strs(&["j1"])
    );
    assert_eq!(
        fx.ids(0, json!({"tags": {"env": "prod", "team": "db"}}))
            .await,
        strs(&["j1"])
    );
    assert_eq!(
        fx.ids(0, json!({"tags": [{"key": "env"}]})).await,
        strs(&["j1", "j2"])
    );
    assert_eq!(
        fx.ids(
            0,
            json!({"tags": [{"key": "env", "value": ""}, {"key": "team"}]})
        )
        .await,
        strs(&["j1"])
    );
    assert_eq!(
        fx.ids(0, json!({"tags": [{"key": "team", "value": "db"}]}))
            .await,
        strs(&["j1", "j3"])
    );
    assert_eq!(
        fx.ids(0, json!({"tags": {"env": "PROD"}})).await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn instance_filters_match_the_source_or_the_target() {
    let with = |id: &str, t: i64, src: (&str, &str), dst: (&str, &str)| {
        let mut j = job(id, id, t);
        j.source_endpoint = Endpoint {
            inst_id: Some(src.0.into()),
            ip: Some(src.1.into()),
            ..Endpoint::default()
        };
        j.target_endpoint = Endpoint {
            inst_id: Some(dst.0.into()),
            ip: Some(dst.1.into()),
            ..Endpoint::default()
        };
        j
    };
    let fx = fixture(vec![vec![
        with("j1", 3, ("i1", "10.0.0.1"), ("i2", "10.0.0.2")),
        with("j2", 2, ("i3", "10.0.0.3"), ("i1", "10.0.0.1")),
        with("j3", 1, ("i4", "10.0.0.4"), ("i4", "10.0.0.4")),
    ]])
    .await;
    assert_eq!(
        fx.ids(0, json!({"instance_ids": ["i1"]})).await,
        strs(&["j1", "j2"])
    );
    assert_eq!(
        fx.ids(0, json!({"instance_ids": ["i2", "i4"]})).await,
        strs(&["j1", "j3"])
    );
    assert_eq!(
        fx.ids(0, json!({"instance_ip": " 10.0.0.2 "})).await,
        strs(&["j1"])
    );
    assert_eq!(
        fx.ids(
            0,
            json!({"instance_ids": ["i1"], "instance_ip": "10.0.0.3"})
        )
        .await,
        strs(&["j2"])
    );
}

#[tokio::test]
async fn a_job_matching_two_of_the_listed_instance_ids_is_listed_once() {
    // Its source is on i1 and its target on i2: one job, whichever endpoint matches.
    let mut j = job("j1", "n", 0);
    j.source_endpoint.inst_id = Some("i1".into());
    j.target_endpoint.inst_id = Some("i2".into());
    let fx = fixture(vec![vec![j]]).await;
    assert_eq!(
        fx.list(0, json!({"instance_ids": ["i1", "i2"]})).await,
        (1, strs(&["j1"]))
    );
    assert_eq!(
        fx.list(0, json!({"instance_ids": ["i1", "i2"], "name": "n"}))
            .await,
        (1, strs(&["j1"]))
    );
    assert_eq!(
        fx.list(0, json!({"instance_ids": ["i1", "i2"], "per_page": 0}))
            .await,
        (1, strs(&["j1"]))
    );
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_but_keeps_the_total() {
    let fx = fixture(vec![(0..5)
        .map(|i| job(&format!("j{i}"), "n", i))
        .collect()])
    .await;
    assert_eq!(
        fx.list(0, json!({"cur_page": 3, "per_page": 2})).await,
        (5, strs(&["j0"]))
    );
    assert_eq!(
        fx.list(0, json!({"cur_page": 4, "per_page": 2})).await,
        (5, vec![])
    );
    assert_eq!(
        fx.list(0, json!({"cur_page": 4, "per_page": 2, "name": "n"}))
            .await,
        (5, vec![])
    );
}

#[tokio::test]
async fn a_limited_caller_sees_only_its_enterprise_projects_and_is_forbidden_others() {
    let mut e1 = job("in-e1", "x", 2);
    e1.enterprise_project_id = "e1".into();
    let fx = fixture(vec![vec![e1, job("in-0", "x", 1)]]).await;
    let limited: Option<&[&str]> = Some(&["e1"]);
    let listed = fx.list_as(0, limited, json!({})).await.expect("valid");
    assert_eq!(listed, (1, vec![("in-e1".into(), vec![])]));
    let asked = fx
        .list_as(0, limited, json!({"enterprise_project_id": "e1"}))
        .await
        .expect("valid");
    assert_eq!(asked.0, 1);
    for other in ["0", "e2"] {
        let denied = fx
            .list_as(0, limited, json!({"enterprise_project_id": other}))
            .await;
        assert!(
            matches!(denied, Err(Error::Forbidden)),
            "{other}: {denied:?}"
        );
    }
    assert_eq!(
        fx.list(0, json!({"enterprise_project_id": "e2"})).await,
        (0, vec![])
    );
    assert_eq!(
        fx.list(0, json!({"enterprise_project_id": "0"})).await,
        (1, strs(&["in-0"]))
    );
}

#[tokio::test]
async fn the_all_items_stream_returns_every_match_across_chunks() {
    // More than two of the store's 200-job chunks, with children and many time ties.
    let jobs: Vec<Job> = (0..450)
        .map(|i| {
            let mut j = job(
                &format!("{:04x}-id", (i * 37) % 4096),
                &format!("bulk {}", i % 7),
                i as i64 / 4,
            );
            if i % 50 == 0 {
                j.children.push(job(&format!("child-{i}"), "c", i as i64));
            }
            if i % 9 == 0 {
                j.status = JobStatus::Deleted;
            }
            j
        })
        .collect();
    let fx = fixture(vec![jobs]).await;
    let (total, page) = fx.list(0, json!({"cur_page": 0})).await;
    assert_eq!(total, 400);
    assert_eq!(page.len(), 400);
    let (total, page) = fx.list(0, json!({"per_page": 0, "name": "bulk 3"})).await;
    assert_eq!((total, page.len()), (57, 57));
    let (total, page) = fx.list(0, json!({"cur_page": 40, "per_page": 10})).await;
    assert_eq!((total, page.len()), (400, 10));
}
