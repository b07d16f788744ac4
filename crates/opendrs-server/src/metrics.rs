//! The service's metrics, rendered at `/metrics` in the Prometheus text format (0.0.4) by
//! `prometheus-client`: requests by route template, status and DRS error code, latency
//! histograms, authentication failures by reason, throttled requests, the executor, the store's
//! waits, the page cache and open streams. One registry per [`Application`](crate::Application).
//! Recording is atomic counters, a read-locked label lookup and a histogram's short mutex: no lock
//! is held across an await.

use opendrs_core::{executor::RunReport, service::PageCacheStats, store::StoreProbe};
use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric},
    metrics::{
        counter::{ConstCounter, Counter},
        family::Family,
        gauge::{ConstGauge, Gauge},
        histogram::Histogram,
    },
    registry::Registry,
};
use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

/// The `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Request latency buckets, seconds: 0.5 ms to 10 s.
const LATENCY: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Wait buckets (pool, writer queue), seconds: 50 µs to 5 s.
const WAIT: [f64; 14] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0, 5.0,
];
/// Executor lag buckets, seconds: 10 ms to 10 min.
const LAG: [f64; 12] = [
    0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 600.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// The matched route template (`/v3/{project_id}/jobs`), never the raw path.
    route: String,
    method: &'static str,
    status: u16,
    /// The DRS `error_code`; empty on success.
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabel {
    limit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: &'static str,
}

/// Why a request was refused at the door: the `reason` of `opendrs_auth_failures_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Denial {
    /// No credential (or an empty header).
    Missing,
    /// Two credentials, or two of a kind.
    Ambiguous,
    /// A credential header, `Authorization` or `X-Sdk-Date` that cannot be parsed.
    Malformed,
    /// `X-Sdk-Date` too far from the server clock.
    ClockSkew,
    /// An AK that is not (or no longer) known.
    UnknownKey,
    /// A signature that does not verify.
    BadSignature,
    /// A token that cannot be opened (forged, damaged, another master key).
    BadToken,
    TokenExpired,
    /// A token whose user was disabled, removed or given a new password since.
    Revoked,
    /// A disabled user's key.
    UserDisabled,
    /// Valid credentials without a role on the path's project (or for another project).
    ProjectMismatch,
    /// A password login that failed (unknown user, wrong password).
    LoginFailed,
    /// A password login refused because the user or the address is locked.
    LoginLocked,
}

impl Denial {
    const ALL: [Denial; 13] = [
        Denial::Missing,
        Denial::Ambiguous,
        Denial::Malformed,
        Denial::ClockSkew,
        Denial::UnknownKey,
        Denial::BadSignature,
        Denial::BadToken,
        Denial::TokenExpired,
        Denial::Revoked,
        Denial::UserDisabled,
        Denial::ProjectMismatch,
        Denial::LoginFailed,
        Denial::LoginLocked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Denial::Missing => "missing",
            Denial::Ambiguous => "ambiguous",
            Denial::Malformed => "malformed",
            Denial::ClockSkew => "clock_skew",
            Denial::UnknownKey => "unknown_key",
            Denial::BadSignature => "bad_signature",
            Denial::BadToken => "bad_token",
            Denial::TokenExpired => "token_expired",
            Denial::Revoked => "revoked",
            Denial::UserDisabled => "user_disabled",
            Denial::ProjectMismatch => "project_mismatch",
            Denial::LoginFailed => "login_failed",
            Denial::LoginLocked => "login_locked",
        }
    }
}

/// Which limit refused a request: the `limit` of `opendrs_throttled_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The project's token bucket (`throttle_rate`, `throttle_burst`).
    ProjectRate,
    /// No password check free within `login_queue_ms`.
    LoginQueue,
    /// The project's all-items streams (`max_streams_per_project`).
    Streams,
}

impl Limit {
    const ALL: [Limit; 3] = [Limit::ProjectRate, Limit::LoginQueue, Limit::Streams];

    fn as_str(self) -> &'static str {
        match self {
            Limit::ProjectRate => "project_rate",
            Limit::LoginQueue => "login_queue",
            Limit::Streams => "streams",
        }
    }
}

/// Every metric of one service instance.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    auth_failures: Family<ReasonLabel, Counter>,
    throttled: Family<LimitLabel, Counter>,
    executor_runs: Counter,
    executor_errors: Counter,
    executor_due: Counter,
    executor_applied: Counter,
    executor_purged: Counter,
    executor_lag: Histogram,
    db: Arc<DbWaits>,
    streams_open: Gauge,
    page_cache: Arc<PageCacheCollector>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "opendrs_http_requests",
            "HTTP requests answered, by route template, method, status and DRS error code",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY)) as fn() -> Histogram,
        );
        registry.register(
            "opendrs_http_request_duration_seconds",
            "Time from receiving a request to its response head (a stream's first byte)",
            latency.clone(),
        );
        let auth_failures = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "opendrs_auth_failures",
            "Requests and logins refused by authentication or project authorization, by reason",
            auth_failures.clone(),
        );
        let throttled = Family::<LimitLabel, Counter>::default();
        registry.register(
            "opendrs_throttled",
            "Requests refused with 429 by a limit (project_rate, login_queue, streams)",
            throttled.clone(),
        );
        let counter = |registry: &mut Registry, name: &str, help: &str| {
            let c = Counter::default();
            registry.register(name, help, c.clone());
            c
        };
        let executor_runs = counter(
            &mut registry,
            "opendrs_executor_runs",
            "Executor runs (each settles everything due)",
        );
        let executor_errors = counter(
            &mut registry,
            "opendrs_executor_errors",
            "Executor runs that failed (storage errors; retried)",
        );
        let executor_due = counter(
            &mut registry,
            "opendrs_executor_transitions_due",
            "Data-plane transitions claimed as due",
        );
        let executor_applied = counter(
            &mut registry,
            "opendrs_executor_transitions_applied",
            "Data-plane transitions applied",
        );
        let executor_purged = counter(
            &mut registry,
            "opendrs_executor_jobs_purged",
            "Deleted jobs purged after their retention",
        );
        let executor_lag = Histogram::new(LAG);
        registry.register(
            "opendrs_executor_lag_seconds",
            "How late the most overdue transition of an applying run was (executor clock)",
            executor_lag.clone(),
        );
        let db = Arc::new(DbWaits {
            pool: Histogram::new(WAIT),
            write: Histogram::new(WAIT),
        });
        registry.register(
            "opendrs_db_pool_wait_seconds",
            "Time waiting for a pooled database connection (0 when one was free)",
            db.pool.clone(),
        );
        registry.register(
            "opendrs_db_write_wait_seconds",
            "Time from asking to write until the write transaction began (SQLite: the writer queue)",
            db.write.clone(),
        );
        let streams_open = Gauge::default();
        registry.register(
            "opendrs_streams_open",
            "All-items (cur_page 0) list streams being written",
            streams_open.clone(),
        );
        let page_cache = Arc::new(PageCacheCollector::default());
        registry.register_collector(Box::new(page_cache.clone()));
        let build = Family::<VersionLabel, Gauge>::default();
        build
            .get_or_create(&VersionLabel {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("opendrs_build_info", "The running build", build);
        // Every reason and limit is there from the start, at 0: a rate over a series that
        // appears only with its first event would miss that event.
        for why in Denial::ALL {
            let _ = auth_failures.get_or_create(&ReasonLabel {
                reason: why.as_str(),
            });
        }
        for limit in Limit::ALL {
            let _ = throttled.get_or_create(&LimitLabel {
                limit: limit.as_str(),
            });
        }
        Metrics {
            registry,
            requests,
            latency,
            auth_failures,
            throttled,
            executor_runs,
            executor_errors,
            executor_due,
            executor_applied,
            executor_purged,
            executor_lag,
            db,
            streams_open,
            page_cache,
        }
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        if let Err(e) =
            prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
        {
            tracing::error!(error = %e, "metrics could not be rendered");
        }
        out
    }

    /// One answered request.
    pub fn request(
        &self,
        route: &str,
        method: &'static str,
        status: u16,
        code: &str,
        took: Duration,
    ) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method,
                status,
                code: code.to_string(),
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
                method,
            })
            .observe(took.as_secs_f64());
    }

    pub fn denied(&self, why: Denial) {
        self.auth_failures
            .get_or_create(&ReasonLabel {
                reason: why.as_str(),
            })
            .inc();
    }

    pub fn throttled(&self, limit: Limit) {
        self.throttled
            .get_or_create(&LimitLabel {
                limit: limit.as_str(),
            })
            .inc();
    }

    /// One executor run: what was due, applied and purged, and how late it was.
    pub fn executor_ran(&self, run: &RunReport) {
        self.executor_runs.inc();
        self.executor_due.inc_by(run.due as u64);
        self.executor_applied.inc_by(run.applied as u64);
        self.executor_purged.inc_by(run.purged as u64);
        if let Some(lag) = run.lag_ms {
            self.executor_lag.observe(lag.max(0) as f64 / 1000.0);
        }
    }

    pub fn executor_failed(&self) {
        self.executor_runs.inc();
        self.executor_errors.inc();
    }

    /// What the store reports its waits to.
    pub fn store_probe(&self) -> Arc<dyn StoreProbe> {
        self.db.clone()
    }

    /// The gauge of open streams.
    pub fn streams_open(&self) -> Gauge {
        self.streams_open.clone()
    }

    /// Reports the page cache behind `stats` (the first call counts).
    pub fn watch_page_cache(&self, stats: Arc<PageCacheStats>) {
        let _ = self.page_cache.stats.set(stats);
    }
}

/// The store's waits.
struct DbWaits {
    pool: Histogram,
    write: Histogram,
}

impl StoreProbe for DbWaits {
    fn pool_wait(&self, waited: Duration) {
        self.pool.observe(waited.as_secs_f64());
    }

    fn write_wait(&self, waited: Duration) {
        self.write.observe(waited.as_secs_f64());
    }
}

/// Reads the page cache's own counters at scrape time.
#[derive(Debug, Default)]
struct PageCacheCollector {
    stats: OnceLock<Arc<PageCacheStats>>,
}

impl Collector for PageCacheCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(s) = self.stats.get() else {
            return Ok(());
        };
        for (name, help, value) in [
            (
                "opendrs_page_cache_hits",
                "List pages answered from the page cache",
                s.hits(),
            ),
            (
                "opendrs_page_cache_misses",
                "List pages read from the store while the cache was on",
                s.misses(),
            ),
        ] {
            let c = ConstCounter::new(value);
            c.encode(encoder.encode_descriptor(name, help, None, c.metric_type())?)?;
        }
        for (name, help, value) in [
            (
                "opendrs_page_cache_entries",
                "Pages held by the page cache",
                s.entries(),
            ),
            (
                "opendrs_page_cache_bytes",
                "Bytes held by the page cache",
                s.bytes(),
            ),
        ] {
            let g = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            g.encode(encoder.encode_descriptor(name, help, None, g.metric_type())?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
