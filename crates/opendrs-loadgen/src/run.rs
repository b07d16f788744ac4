//! The run: log in once per project, then a fixed-rate ticker spawning one request per tick
//! (bounded by count and by time), a minute task that samples and reports, and the verdict.

use crate::minute::MinuteStats;
use crate::mix::{self, JobPool, Kind, Shares, WriteOp};
use crate::sample::{path_bytes, sample_process, ProcSample};
use crate::verdict::{judge, MinuteRow, Targets};
use crate::Args;
use anyhow::{bail, Context, Result};
use rand::{rngs::StdRng, Rng, SeedableRng};
use reqwest::{Client, Method};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Jobs the generator remembers for its writes (the oldest leave first).
const POOL_CAPACITY: usize = 5_000;
/// Directory levels summed for a watched directory.
const WATCH_DEPTH: u32 = 8;

struct Shared {
    client: Client,
    base: String,
    projects: Vec<String>,
    tokens: Vec<String>,
    pool: Mutex<JobPool>,
    current: Mutex<MinuteStats>,
    slots: Arc<Semaphore>,
    stop: AtomicBool,
    /// Write items by operation (mix::ALL_WRITES order): accepted, refused.
    items: [[AtomicU64; 2]; 8],
}

/// What one tick sends.
struct Planned {
    kind: Kind,
    method: Method,
    path: String,
    body: String,
    /// The token's project (None: a login, unauthenticated).
    project: Option<usize>,
    write: Option<WriteOp>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn login(client: &Client, base: &str, args: &Args, project: &str) -> Result<String> {
    let body = mix::login_body(&args.domain, &args.user, &args.password, project).to_string();
    for attempt in 0..5u64 {
        let resp = client
            .post(format!("{base}/v3/auth/tokens"))
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .context("login")?;
        if resp.status().as_u16() == 429 {
            tokio::time::sleep(Duration::from_millis(200 * (attempt + 1))).await;
            continue;
        }
        let status = resp.status();
        let token = resp
            .headers()
            .get("x-subject-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        return match token {
            Some(t) if status.is_success() => Ok(t),
            _ => bail!(
                "login to project {project}: HTTP {status}: {}",
                resp.text().await.unwrap_or_default()
            ),
        };
    }
    bail!("login to project {project}: still throttled after 5 attempts")
}

fn plan(shared: &Shared, args: &Args, rng: &mut StdRng, shares: Shares, tick: u64) -> Planned {
    let n = shared.projects.len();
    let project = rng.gen_range(0..n);
    match shares.pick(rng) {
        Kind::List => Planned {
            kind: Kind::List,
            method: Method::POST,
            path: format!("/v3/{}/jobs", shared.projects[project]),
            body: mix::list_body(rng, args.max_page).to_string(),
            project: Some(project),
            write: None,
        },
        Kind::Login => Planned {
            kind: Kind::Login,
            method: Method::POST,
            path: "/v3/auth/tokens".into(),
            body: mix::login_body(
                &args.domain,
                &args.user,
                &args.password,
                &shared.projects[project],
            )
            .to_string(),
            project: None,
            write: None,
        },
        Kind::Write => {
            let op = WriteOp::pick(rng);
            let job = match op {
                WriteOp::Create => None,
                _ => lock(&shared.pool).pick(rng, op == WriteOp::Delete),
            };
            let (p, id) = match &job {
                Some((p, id)) => (*p, Some(id.as_str())),
                None => (project, None),
            };
            let tag = format!("{}-{tick}", args.seed);
            let count = rng.gen_range(1..=5);
            let w = mix::write_request(op, p, &shared.projects[p], id, &tag, count);
            Planned {
                kind: Kind::Write,
                method: Method::from_bytes(w.method.as_bytes()).unwrap_or(Method::POST),
                path: w.path,
                body: w.body.to_string(),
                project: Some(w.project),
                write: Some(w.op),
            }
        }
    }
}

async fn send(shared: Arc<Shared>, p: Planned, scheduled: Instant) {
    let Ok(_slot) = shared.slots.clone().acquire_owned().await else {
        return;
    };
    let mut req = shared
        .client
        .request(p.method, format!("{}{}", shared.base, p.path))
        .header("Content-Type", "application/json")
        .body(p.body);
    if let Some(project) = p.project {
        req = req.header("X-Auth-Token", &shared.tokens[project]);
    }
    let status = match req.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.bytes().await.ok();
            if let (Some(op), Some(bytes)) = (p.write, body) {
                let counts = &shared.items[op.index()];
                let v = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
                let (ok, refused) = match (&v, status) {
                    (Some(v), 200..=299) => mix::item_outcomes(v),
                    (None, 204) => (1, 0),
                    _ => (0, 1),
                };
                counts[0].fetch_add(ok, Ordering::Relaxed);
                counts[1].fetch_add(refused, Ordering::Relaxed);
                if let (WriteOp::Create, 202, Some(project), Some(v)) = (op, status, p.project, v) {
                    let mut pool = lock(&shared.pool);
                    for id in mix::created_ids(&v) {
                        pool.add(project, id);
                    }
                }
            }
            Some(status)
        }
        Err(_) => None,
    };
    let latency = Instant::now().saturating_duration_since(scheduled);
    lock(&shared.current).record(p.kind, status, latency.as_micros() as u64);
}

struct Report {
    csv: std::fs::File,
    rows: Vec<MinuteRow>,
}

impl Report {
    fn header(&mut self, args: &Args) -> Result<()> {
        let watches: String = args
            .watches
            .iter()
            .map(|w| format!(",{}_bytes", w.label))
            .collect();
        writeln!(
            self.csv,
            "minute,elapsed_s,rss_kib,fds,threads{watches},requests,list,write,login,s2xx,s3xx,s4xx,s5xx,no_answer,p50_ms,p99_ms,max_ms,list_p50_ms,list_p99_ms,known_jobs"
        )?;
        Ok(())
    }

    fn minute(
        &mut self,
        args: &Args,
        m: u32,
        elapsed: f64,
        proc: &ProcSample,
        stats: &mut MinuteStats,
        known_jobs: usize,
    ) -> Result<()> {
        let sizes: Vec<u64> = args
            .watches
            .iter()
            .map(|w| path_bytes(&w.path, WATCH_DEPTH))
            .collect();
        let (p50, p99, max) = (
            stats.quantile_ms(0.50),
            stats.quantile_ms(0.99),
            stats.quantile_ms(1.0),
        );
        let (lp50, lp99) = (stats.list_quantile_ms(0.50), stats.list_quantile_ms(0.99));
        let c = stats.classes;
        let sizes_csv: String = sizes.iter().map(|s| format!(",{s}")).collect();
        writeln!(
            self.csv,
            "{m},{elapsed:.1},{},{},{}{sizes_csv},{},{},{},{},{},{},{},{},{},{p50:.3},{p99:.3},{max:.3},{lp50:.3},{lp99:.3},{known_jobs}",
            proc.rss_kib,
            proc.fds,
            proc.threads,
            stats.requests(),
            stats.list,
            stats.write,
            stats.login,
            c[1],
            c[2],
            c[3],
            c[4],
            stats.transport_errors,
        )?;
        self.csv.flush()?;
        let sizes_text: String = args
            .watches
            .iter()
            .zip(&sizes)
            .map(|(w, s)| format!(" {} {:.1} MiB", w.label, *s as f64 / 1_048_576.0))
            .collect();
        println!(
            "minute {m:>3}/{}: {} req (list {} write {} login {}) 2xx {} 4xx {} 5xx {} no-answer {} | p50 {p50:.2} p99 {p99:.2} max {max:.2} ms (list p50 {lp50:.2} p99 {lp99:.2}) | rss {:.1} MiB fds {} threads {} |{sizes_text}",
            args.minutes,
            stats.requests(),
            stats.list,
            stats.write,
            stats.login,
            c[1],
            c[3],
            c[4],
            stats.transport_errors,
            proc.rss_kib as f64 / 1024.0,
            proc.fds,
            proc.threads,
        );
        let _ = std::io::stdout().flush();
        if m > 0 {
            self.rows.push(MinuteRow {
                rss_kib: proc.rss_kib,
                fds: proc.fds,
                s5xx: c[4],
                transport_errors: stats.transport_errors,
                p99_ms: p99,
                list_p99_ms: lp99,
            });
        }
        Ok(())
    }
}

pub async fn run(args: Args) -> Result<bool> {
    if args.rate == 0 || args.minutes == 0 {
        bail!("--rate and --minutes must be at least 1");
    }
    if args.list_percent + args.write_percent > 100 {
        bail!("--list-percent + --write-percent must be at most 100");
    }
    let projects: Vec<String> = std::fs::read_to_string(&args.projects_file)
        .with_context(|| format!("reading {}", args.projects_file.display()))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if projects.is_empty() {
        bail!("no projects in {}", args.projects_file.display());
    }
    // Loopback only: the address is fixed, the port is the one thing given.
    let base = format!("http://127.0.0.1:{}", args.port);
    let client = Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(args.max_in_flight as usize)
        .timeout(Duration::from_secs(args.timeout_secs))
        .build()?;
    let mut tokens = Vec::with_capacity(projects.len());
    for p in &projects {
        tokens.push(login(&client, &base, &args, p).await?);
    }
    eprintln!(
        "opendrs-loadgen: {} projects logged in; {} requests/s for {} min ({} % list, {} % write, {} % login)",
        projects.len(),
        args.rate,
        args.minutes,
        args.list_percent,
        args.write_percent,
        100 - args.list_percent - args.write_percent
    );
    let shared = Arc::new(Shared {
        client,
        base,
        projects,
        tokens,
        pool: Mutex::new(JobPool::new(POOL_CAPACITY)),
        current: Mutex::new(MinuteStats::default()),
        slots: Arc::new(Semaphore::new(args.max_in_flight as usize)),
        stop: AtomicBool::new(false),
        items: Default::default(),
    });
    let mut report = Report {
        csv: std::fs::File::create(&args.csv)
            .with_context(|| format!("creating {}", args.csv.display()))?,
        rows: Vec::new(),
    };
    report.header(&args)?;
    let start = Instant::now();
    let first = sample_process(args.pid)?;
    report.minute(&args, 0, 0.0, &first, &mut MinuteStats::default(), 0)?;

    let mut ticker = {
        let shared = shared.clone();
        let shares = Shares {
            list: args.list_percent,
            write: args.write_percent,
        };
        let mut rng = StdRng::seed_from_u64(args.seed);
        let total = u64::from(args.minutes) * 60 * u64::from(args.rate);
        let rate = u64::from(args.rate);
        let args_t = args.clone();
        tokio::spawn(async move {
            for i in 0..total {
                if shared.stop.load(Ordering::Relaxed) {
                    break;
                }
                let scheduled = start + Duration::from_nanos(i * 1_000_000_000 / rate);
                tokio::time::sleep_until(scheduled).await;
                let p = plan(&shared, &args_t, &mut rng, shares, i);
                tokio::spawn(send(shared.clone(), p, scheduled));
            }
        })
    };

    let mut vanished = None;
    for m in 1..=args.minutes {
        tokio::time::sleep_until(start + Duration::from_secs(60 * u64::from(m))).await;
        if m == args.minutes {
            // The last minute closes once every request has its answer (bounded by the timeout).
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut ticker).await;
            let all = args.max_in_flight;
            let _ = tokio::time::timeout(
                Duration::from_secs(args.timeout_secs + 5),
                shared.slots.acquire_many(all),
            )
            .await;
        }
        let mut stats = std::mem::take(&mut *lock(&shared.current));
        let known = lock(&shared.pool).len();
        match sample_process(args.pid) {
            Ok(s) => report.minute(
                &args,
                m,
                start.elapsed().as_secs_f64(),
                &s,
                &mut stats,
                known,
            )?,
            Err(e) => {
                println!("minute {m:>3}/{}: {e:#}", args.minutes);
                vanished = Some(m);
                shared.stop.store(true, Ordering::Relaxed);
                break;
            }
        }
    }
    shared.stop.store(true, Ordering::Relaxed);
    if !ticker.is_finished() {
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut ticker).await;
    }

    let verdict = judge(
        &report.rows,
        Targets {
            warmup: args.warmup_minutes,
            growth_limit: args.growth_limit,
            p99_factor: args.p99_factor,
        },
    );
    let items: Vec<String> = mix::ALL_WRITES
        .iter()
        .map(|op| {
            let c = &shared.items[op.index()];
            format!(
                "{} {}/{}",
                op.name(),
                c[0].load(Ordering::Relaxed),
                c[1].load(Ordering::Relaxed)
            )
        })
        .collect();
    println!("write items accepted/refused: {}", items.join(", "));
    println!("verdict:");
    for line in &verdict.lines {
        println!("  {line}");
    }
    let passed = verdict.passed && vanished.is_none();
    if let Some(m) = vanished {
        println!("  FAIL the server process was gone at minute {m}");
    }
    println!("VERDICT: {}", if passed { "PASS" } else { "FAIL" });
    Ok(passed)
}
