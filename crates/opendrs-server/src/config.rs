//! Service configuration: built-in defaults, then a TOML file, then `OPENDRS_*` environment
//! variables, then command-line flags. Every key is listed in the README's table.

use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

/// The effective configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Address to listen on (`listen`, `OPENDRS_LISTEN`, `--listen`).
    pub listen: SocketAddr,
    /// Where `/metrics` is served (`metrics_listen`, `OPENDRS_METRICS_LISTEN`, `--metrics-listen`):
    /// unset, on `listen` beside the API; set, on this address only (and not on `listen`).
    pub metrics_listen: Option<SocketAddr>,
    /// Directory holding the database and generated files (`data_dir`, `OPENDRS_DATA_DIR`, `--data-dir`).
    pub data_dir: PathBuf,
    /// Largest accepted request body in bytes (`body_limit`, `OPENDRS_BODY_LIMIT`).
    pub body_limit: usize,
    /// The database (`database_url`, `OPENDRS_DATABASE_URL`, `--database-url`): `sqlite://PATH`
    /// or `postgres://…`; default: `sqlite://<data_dir>/opendrs.db`.
    pub database_url: Option<String>,
    /// Pooled database connections (`db_connections`, `OPENDRS_DB_CONNECTIONS`).
    pub db_connections: u32,
    /// `text` or `json` logs (`log_format`, `OPENDRS_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// A tracing filter such as `info` or `opendrs=debug` (`log_level`, `OPENDRS_LOG_LEVEL`).
    pub log_level: String,
    /// The master key as 64 hex characters (`master_key`, `OPENDRS_MASTER_KEY`); default: the
    /// file `<data_dir>/master.key`, created on first start.
    pub master_key: Option<String>,
    /// Token lifetime in seconds (`token_ttl_secs`, `OPENDRS_TOKEN_TTL_SECS`).
    pub token_ttl_secs: u64,
    /// Allowed distance between `X-Sdk-Date` and the server clock (`clock_skew_secs`, `OPENDRS_CLOCK_SKEW_SECS`).
    pub clock_skew_secs: u64,
    /// Requests per second per project; 0 disables (`throttle_rate`, `OPENDRS_THROTTLE_RATE`).
    pub throttle_rate: u32,
    /// Bucket size per project (`throttle_burst`, `OPENDRS_THROTTLE_BURST`).
    pub throttle_burst: u32,
    /// How often the identity snapshot is checked for changes, ms (`identity_refresh_ms`, `OPENDRS_IDENTITY_REFRESH_MS`).
    pub identity_refresh_ms: u64,
    /// Accept unauthenticated requests as an administrator of the path's project
    /// (`auth_disabled`, `OPENDRS_AUTH_DISABLED`). For benchmarks and throwaway experiments only.
    pub auth_disabled: bool,
    /// Most rendered list pages kept in memory, served while the data is unchanged; 0 disables
    /// (`page_cache_entries`, `OPENDRS_PAGE_CACHE_ENTRIES`). `page_cache_bytes` bounds them too.
    pub page_cache_entries: usize,
    /// Most bytes the page cache holds, keys and rendered pages together; 0 disables
    /// (`page_cache_bytes`, `OPENDRS_PAGE_CACHE_BYTES`).
    pub page_cache_bytes: usize,
    /// Password checks (Argon2, ~19 MiB each) run at once; 0: one per CPU
    /// (`login_concurrency`, `OPENDRS_LOGIN_CONCURRENCY`).
    pub login_concurrency: usize,
    /// How long a login waits for a free password check before 429 `APIGW.0308`, ms
    /// (`login_queue_ms`, `OPENDRS_LOGIN_QUEUE_MS`).
    pub login_queue_ms: u64,
    /// Failed logins of one user within `login_failure_window_secs` that lock it; 0 disables
    /// (`login_max_failures`, `OPENDRS_LOGIN_MAX_FAILURES`).
    pub login_max_failures: u32,
    /// Failed logins from one client address within the window that lock the address; 0 disables
    /// (`login_address_max_failures`, `OPENDRS_LOGIN_ADDRESS_MAX_FAILURES`).
    pub login_address_max_failures: u32,
    /// The window failed logins are counted in, seconds
    /// (`login_failure_window_secs`, `OPENDRS_LOGIN_FAILURE_WINDOW_SECS`).
    pub login_failure_window_secs: u64,
    /// How long a locked user or address stays locked, seconds
    /// (`login_lockout_secs`, `OPENDRS_LOGIN_LOCKOUT_SECS`).
    pub login_lockout_secs: u64,
    /// Most open client connections; further ones wait in the listen backlog
    /// (`max_connections`, `OPENDRS_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Time a client has to send a request's headers, seconds
    /// (`header_read_timeout_secs`, `OPENDRS_HEADER_READ_TIMEOUT_SECS`).
    pub header_read_timeout_secs: u64,
    /// An idle keep-alive connection is closed after this many seconds
    /// (`idle_timeout_secs`, `OPENDRS_IDLE_TIMEOUT_SECS`).
    pub idle_timeout_secs: u64,
    /// Concurrent `cur_page: 0` (all items) lists per project; more get 429
    /// (`max_streams_per_project`, `OPENDRS_MAX_STREAMS_PER_PROJECT`).
    pub max_streams_per_project: usize,
    /// A streamed list whose client takes longer than this to accept the next chunk is
    /// ended, seconds (`stream_write_timeout_secs`, `OPENDRS_STREAM_WRITE_TIMEOUT_SECS`).
    pub stream_write_timeout_secs: u64,
    /// Longest time to receive and answer a request, seconds (`request_timeout_secs`,
    /// `OPENDRS_REQUEST_TIMEOUT_SECS`); a streamed answer only needs to start within it.
    pub request_timeout_secs: u64,
    /// Run the lifecycle executor in this process (`executor_enabled`, `OPENDRS_EXECUTOR_ENABLED`).
    /// Several processes may run it on one database: each transition is still applied once.
    pub executor_enabled: bool,
    /// `wall` (transitions happen by themselves) or `virtual` (only `opendrs admin clock
    /// advance` moves time) (`executor_clock`, `OPENDRS_EXECUTOR_CLOCK`).
    pub executor_clock: ExecutorClock,
    /// Longest sleep of the executor between checks, ms (`executor_poll_ms`, `OPENDRS_EXECUTOR_POLL_MS`).
    pub executor_poll_ms: u64,
    /// Step durations, ms: `CREATING` → `CONFIGURATION` (`step_create_ms`), starting
    /// (`step_start_ms`), the full transfer (`step_full_transfer_ms`), releasing resources
    /// (`step_release_ms`); `OPENDRS_STEP_*_MS`. All 0: every step settles at once.
    pub step_create_ms: u64,
    pub step_start_ms: u64,
    pub step_full_transfer_ms: u64,
    pub step_release_ms: u64,
    /// A precheck run, ms (`step_precheck_ms`, `OPENDRS_STEP_PRECHECK_MS`).
    pub step_precheck_ms: u64,
    /// A DR switchover, ms (`step_switchover_ms`, `OPENDRS_STEP_SWITCHOVER_MS`).
    pub step_switchover_ms: u64,
    /// Simulated databases on these hosts never answer a connection test or a precheck
    /// (`simulated_unreachable_hosts`, `OPENDRS_SIMULATED_UNREACHABLE_HOSTS`, comma-separated);
    /// hosts under `.invalid` never answer either. OpenDRS never connects to any of them.
    pub simulated_unreachable_hosts: Vec<String>,
    /// Nothing answers on these ports (`simulated_unreachable_ports`,
    /// `OPENDRS_SIMULATED_UNREACHABLE_PORTS`, comma-separated).
    pub simulated_unreachable_ports: Vec<u16>,
    /// Fraction (0..=1) of starts that fail (`fail_start_fraction`, `OPENDRS_FAIL_START_FRACTION`).
    pub fail_start_fraction: f64,
    /// Fraction (0..=1) of full transfers that fail (`fail_transfer_fraction`, `OPENDRS_FAIL_TRANSFER_FRACTION`).
    pub fail_transfer_fraction: f64,
    /// How long a deleted job stays readable before it is purged, seconds
    /// (`deleted_retention_secs`, `OPENDRS_DELETED_RETENTION_SECS`).
    pub deleted_retention_secs: u64,
    /// The job quota of a project no administrator configured one for: its live top-level
    /// jobs may not exceed it (`default_job_quota`, `OPENDRS_DEFAULT_JOB_QUOTA`; at most
    /// 10,000,000; `opendrs admin quota set` overrides it per project).
    pub default_job_quota: u64,
}

/// The executor's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutorClock {
    Wall,
    Virtual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            metrics_listen: None,
            data_dir: PathBuf::from("./opendrs-data"),
            body_limit: 1024 * 1024,
            database_url: None,
            db_connections: 8,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            master_key: None,
            token_ttl_secs: 24 * 3600,
            clock_skew_secs: 15 * 60,
            throttle_rate: 1000,
            throttle_burst: 2000,
            identity_refresh_ms: 1000,
            auth_disabled: false,
            page_cache_entries: 256,
            page_cache_bytes: 16 * 1024 * 1024,
            login_concurrency: 0,
            login_queue_ms: 2000,
            login_max_failures: 5,
            login_address_max_failures: 30,
            login_failure_window_secs: 900,
            login_lockout_secs: 900,
            max_connections: 1024,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_streams_per_project: 4,
            stream_write_timeout_secs: 30,
            request_timeout_secs: 60,
            executor_enabled: true,
            executor_clock: ExecutorClock::Wall,
            executor_poll_ms: 1000,
            step_create_ms: 5_000,
            step_start_ms: 5_000,
            step_full_transfer_ms: 30_000,
            step_release_ms: 5_000,
            step_precheck_ms: 3_000,
            step_switchover_ms: 5_000,
            simulated_unreachable_hosts: Vec::new(),
            simulated_unreachable_ports: Vec::new(),
            fail_start_fraction: 0.0,
            fail_transfer_fraction: 0.0,
            deleted_retention_secs: 7 * 24 * 3600,
            default_job_quota: opendrs_core::quota::DEFAULT_INSTANCES,
        }
    }
}

/// The keys a file may set; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    metrics_listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    body_limit: Option<usize>,
    database_url: Option<String>,
    db_connections: Option<u32>,
    log_format: Option<LogFormat>,
    log_level: Option<String>,
    master_key: Option<String>,
    token_ttl_secs: Option<u64>,
    clock_skew_secs: Option<u64>,
    throttle_rate: Option<u32>,
    throttle_burst: Option<u32>,
    identity_refresh_ms: Option<u64>,
    auth_disabled: Option<bool>,
    page_cache_entries: Option<usize>,
    page_cache_bytes: Option<usize>,
    login_concurrency: Option<usize>,
    login_queue_ms: Option<u64>,
    login_max_failures: Option<u32>,
    login_address_max_failures: Option<u32>,
    login_failure_window_secs: Option<u64>,
    login_lockout_secs: Option<u64>,
    max_connections: Option<usize>,
    header_read_timeout_secs: Option<u64>,
    idle_timeout_secs: Option<u64>,
    max_streams_per_project: Option<usize>,
    stream_write_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    executor_enabled: Option<bool>,
    executor_clock: Option<ExecutorClock>,
    executor_poll_ms: Option<u64>,
    step_create_ms: Option<u64>,
    step_start_ms: Option<u64>,
    step_full_transfer_ms: Option<u64>,
    step_release_ms: Option<u64>,
    step_precheck_ms: Option<u64>,
    step_switchover_ms: Option<u64>,
    simulated_unreachable_hosts: Option<Vec<String>>,
    simulated_unreachable_ports: Option<Vec<u16>>,
    fail_start_fraction: Option<f64>,
    fail_transfer_fraction: Option<f64>,
    deleted_retention_secs: Option<u64>,
    default_job_quota: Option<u64>,
}

fn number<T: std::str::FromStr>(
    parse: &impl Fn(&str) -> Option<String>,
    key: &str,
) -> anyhow::Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    parse(key)
        .map(|v| v.parse::<T>().map_err(|e| anyhow::anyhow!("{key}: {e}")))
        .transpose()
}

/// A comma-separated list (blank items dropped), each item parsed.
fn list<T: std::str::FromStr>(v: &str, key: &str) -> anyhow::Result<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<T>()
                .map_err(|e| anyhow::anyhow!("{key}: {s:?}: {e}"))
        })
        .collect()
}

impl Config {
    /// Defaults, overlaid with `file` (if any) and then with the environment.
    pub fn load(
        file: Option<&std::path::Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let mut c = Config::default();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read config file {}: {e}", path.display()))?;
            let f: FileConfig = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display()))?;
            c.overlay(f);
        }
        let parse = |key: &str| env(key).filter(|v| !v.is_empty());
        let mut f = FileConfig::default();
        if let Some(v) = parse("OPENDRS_LISTEN") {
            f.listen = Some(
                v.parse()
                    .map_err(|e| anyhow::anyhow!("OPENDRS_LISTEN: {e}"))?,
            );
        }
        if let Some(v) = parse("OPENDRS_METRICS_LISTEN") {
            f.metrics_listen = Some(
                v.parse()
                    .map_err(|e| anyhow::anyhow!("OPENDRS_METRICS_LISTEN: {e}"))?,
            );
        }
        f.data_dir = parse("OPENDRS_DATA_DIR").map(PathBuf::from);
        if let Some(v) = parse("OPENDRS_BODY_LIMIT") {
            f.body_limit = Some(
                v.parse()
                    .map_err(|e| anyhow::anyhow!("OPENDRS_BODY_LIMIT: {e}"))?,
            );
        }
        f.database_url = parse("OPENDRS_DATABASE_URL");
        if let Some(v) = parse("OPENDRS_DB_CONNECTIONS") {
            f.db_connections = Some(
                v.parse()
                    .map_err(|e| anyhow::anyhow!("OPENDRS_DB_CONNECTIONS: {e}"))?,
            );
        }
        if let Some(v) = parse("OPENDRS_LOG_FORMAT") {
            f.log_format = Some(match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => anyhow::bail!("OPENDRS_LOG_FORMAT: expected text or json, got {other:?}"),
            });
        }
        f.log_level = parse("OPENDRS_LOG_LEVEL");
        f.master_key = parse("OPENDRS_MASTER_KEY");
        f.token_ttl_secs = number(&parse, "OPENDRS_TOKEN_TTL_SECS")?;
        f.clock_skew_secs = number(&parse, "OPENDRS_CLOCK_SKEW_SECS")?;
        f.throttle_rate = number(&parse, "OPENDRS_THROTTLE_RATE")?;
        f.throttle_burst = number(&parse, "OPENDRS_THROTTLE_BURST")?;
        f.identity_refresh_ms = number(&parse, "OPENDRS_IDENTITY_REFRESH_MS")?;
        f.auth_disabled = number(&parse, "OPENDRS_AUTH_DISABLED")?;
        f.page_cache_entries = number(&parse, "OPENDRS_PAGE_CACHE_ENTRIES")?;
        f.page_cache_bytes = number(&parse, "OPENDRS_PAGE_CACHE_BYTES")?;
        f.login_concurrency = number(&parse, "OPENDRS_LOGIN_CONCURRENCY")?;
        f.login_queue_ms = number(&parse, "OPENDRS_LOGIN_QUEUE_MS")?;
        f.login_max_failures = number(&parse, "OPENDRS_LOGIN_MAX_FAILURES")?;
        f.login_address_max_failures = number(&parse, "OPENDRS_LOGIN_ADDRESS_MAX_FAILURES")?;
        f.login_failure_window_secs = number(&parse, "OPENDRS_LOGIN_FAILURE_WINDOW_SECS")?;
        f.login_lockout_secs = number(&parse, "OPENDRS_LOGIN_LOCKOUT_SECS")?;
        f.max_connections = number(&parse, "OPENDRS_MAX_CONNECTIONS")?;
        f.header_read_timeout_secs = number(&parse, "OPENDRS_HEADER_READ_TIMEOUT_SECS")?;
        f.idle_timeout_secs = number(&parse, "OPENDRS_IDLE_TIMEOUT_SECS")?;
        f.max_streams_per_project = number(&parse, "OPENDRS_MAX_STREAMS_PER_PROJECT")?;
        f.stream_write_timeout_secs = number(&parse, "OPENDRS_STREAM_WRITE_TIMEOUT_SECS")?;
        f.request_timeout_secs = number(&parse, "OPENDRS_REQUEST_TIMEOUT_SECS")?;
        f.executor_enabled = number(&parse, "OPENDRS_EXECUTOR_ENABLED")?;
        if let Some(v) = parse("OPENDRS_EXECUTOR_CLOCK") {
            f.executor_clock = Some(match v.as_str() {
                "wall" => ExecutorClock::Wall,
                "virtual" => ExecutorClock::Virtual,
                other => {
                    anyhow::bail!("OPENDRS_EXECUTOR_CLOCK: expected wall or virtual, got {other:?}")
                }
            });
        }
        f.executor_poll_ms = number(&parse, "OPENDRS_EXECUTOR_POLL_MS")?;
        f.step_create_ms = number(&parse, "OPENDRS_STEP_CREATE_MS")?;
        f.step_start_ms = number(&parse, "OPENDRS_STEP_START_MS")?;
        f.step_full_transfer_ms = number(&parse, "OPENDRS_STEP_FULL_TRANSFER_MS")?;
        f.step_release_ms = number(&parse, "OPENDRS_STEP_RELEASE_MS")?;
        f.step_precheck_ms = number(&parse, "OPENDRS_STEP_PRECHECK_MS")?;
        f.step_switchover_ms = number(&parse, "OPENDRS_STEP_SWITCHOVER_MS")?;
        f.simulated_unreachable_hosts = parse("OPENDRS_SIMULATED_UNREACHABLE_HOSTS")
            .map(|v| list(&v, "OPENDRS_SIMULATED_UNREACHABLE_HOSTS"))
            .transpose()?;
        f.simulated_unreachable_ports = parse("OPENDRS_SIMULATED_UNREACHABLE_PORTS")
            .map(|v| list(&v, "OPENDRS_SIMULATED_UNREACHABLE_PORTS"))
            .transpose()?;
        f.fail_start_fraction = number(&parse, "OPENDRS_FAIL_START_FRACTION")?;
        f.fail_transfer_fraction = number(&parse, "OPENDRS_FAIL_TRANSFER_FRACTION")?;
        f.deleted_retention_secs = number(&parse, "OPENDRS_DELETED_RETENTION_SECS")?;
        f.default_job_quota = number(&parse, "OPENDRS_DEFAULT_JOB_QUOTA")?;
        c.overlay(f);
        if opendrs_core::quota::validate_instances(c.default_job_quota).is_err() {
            anyhow::bail!(
                "default_job_quota: expected 0 to {}, got {}",
                opendrs_core::quota::MAX_INSTANCES,
                c.default_job_quota
            );
        }
        for (key, v) in [
            ("fail_start_fraction", c.fail_start_fraction),
            ("fail_transfer_fraction", c.fail_transfer_fraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                anyhow::bail!("{key}: expected a fraction between 0 and 1, got {v}");
            }
        }
        Ok(c)
    }

    fn overlay(&mut self, f: FileConfig) {
        if let Some(v) = f.listen {
            self.listen = v;
        }
        if f.metrics_listen.is_some() {
            self.metrics_listen = f.metrics_listen;
        }
        if let Some(v) = f.data_dir {
            self.data_dir = v;
        }
        if let Some(v) = f.body_limit {
            self.body_limit = v;
        }
        if f.database_url.is_some() {
            self.database_url = f.database_url;
        }
        if let Some(v) = f.db_connections {
            self.db_connections = v;
        }
        if let Some(v) = f.log_format {
            self.log_format = v;
        }
        if let Some(v) = f.log_level {
            self.log_level = v;
        }
        if f.master_key.is_some() {
            self.master_key = f.master_key;
        }
        if let Some(v) = f.token_ttl_secs {
            self.token_ttl_secs = v;
        }
        if let Some(v) = f.clock_skew_secs {
            self.clock_skew_secs = v;
        }
        if let Some(v) = f.throttle_rate {
            self.throttle_rate = v;
        }
        if let Some(v) = f.throttle_burst {
            self.throttle_burst = v;
        }
        if let Some(v) = f.identity_refresh_ms {
            self.identity_refresh_ms = v;
        }
        if let Some(v) = f.auth_disabled {
            self.auth_disabled = v;
        }
        if let Some(v) = f.page_cache_entries {
            self.page_cache_entries = v;
        }
        if let Some(v) = f.request_timeout_secs {
            self.request_timeout_secs = v;
        }
        macro_rules! take {
            ($($field:ident),+) => { $(if let Some(v) = f.$field { self.$field = v; })+ };
        }
        take!(
            executor_enabled,
            executor_clock,
            executor_poll_ms,
            step_create_ms,
            step_start_ms,
            step_full_transfer_ms,
            step_release_ms,
            step_precheck_ms,
            step_switchover_ms,
            simulated_unreachable_hosts,
            simulated_unreachable_ports,
            fail_start_fraction,
            fail_transfer_fraction,
            deleted_retention_secs,
            default_job_quota,
            page_cache_bytes,
            login_concurrency,
            login_queue_ms,
            login_max_failures,
            login_address_max_failures,
            login_failure_window_secs,
            login_lockout_secs,
            max_connections,
            header_read_timeout_secs,
            idle_timeout_secs,
            max_streams_per_project,
            stream_write_timeout_secs
        );
    }

    /// What the executor and the write path need.
    pub fn executor_settings(&self) -> opendrs_core::executor::ExecutorSettings {
        use opendrs_core::executor::{ClockMode, ExecutorSettings, FailureInjection, Timings};
        ExecutorSettings {
            timings: Timings {
                create_ms: self.step_create_ms,
                start_ms: self.step_start_ms,
                full_transfer_ms: self.step_full_transfer_ms,
                release_ms: self.step_release_ms,
                precheck_ms: self.step_precheck_ms,
                switchover_ms: self.step_switchover_ms,
            },
            clock: match self.executor_clock {
                ExecutorClock::Wall => ClockMode::Wall,
                ExecutorClock::Virtual => ClockMode::Virtual,
            },
            failures: FailureInjection {
                start: self.fail_start_fraction,
                transfer: self.fail_transfer_fraction,
            },
            deleted_retention_ms: self.deleted_retention_secs.saturating_mul(1000),
            batch: 256,
        }
    }

    /// Which simulated databases answer connection tests and prechecks.
    pub fn reachability(&self) -> opendrs_core::workflow::Reachability {
        opendrs_core::workflow::Reachability {
            unreachable_hosts: self.simulated_unreachable_hosts.clone(),
            unreachable_ports: self.simulated_unreachable_ports.clone(),
        }
    }

    /// The database: `database_url`, or the SQLite file `<data_dir>/opendrs.db`.
    pub fn database(&self) -> anyhow::Result<opendrs_store::DatabaseUrl> {
        match &self.database_url {
            Some(url) => opendrs_store::DatabaseUrl::parse(url)
                .map_err(|e| anyhow::anyhow!("database_url: {e}")),
            None => Ok(opendrs_store::DatabaseUrl::Sqlite(
                self.data_dir.join("opendrs.db"),
            )),
        }
    }

    /// Opens (and migrates) the database.
    pub async fn open_database(
        &self,
    ) -> anyhow::Result<std::sync::Arc<dyn opendrs_core::store::Backend>> {
        self.open_database_probed(None).await
    }

    /// Opens (and migrates) the database, reporting its waits to `probe`.
    pub async fn open_database_probed(
        &self,
        probe: Option<std::sync::Arc<dyn opendrs_core::store::StoreProbe>>,
    ) -> anyhow::Result<std::sync::Arc<dyn opendrs_core::store::Backend>> {
        let url = self.database()?;
        opendrs_store::open(
            &url,
            opendrs_store::OpenOptions {
                connections: self.db_connections,
                probe: opendrs_core::store::Probe::new(probe),
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {}: {e}", url.display()))
    }

    /// What the failed-login throttle enforces.
    pub fn lockout_policy(&self) -> crate::authn::lockout::Policy {
        crate::authn::lockout::Policy {
            max_failures: self.login_max_failures,
            address_max_failures: self.login_address_max_failures,
            window: std::time::Duration::from_secs(self.login_failure_window_secs),
            lock: std::time::Duration::from_secs(self.login_lockout_secs),
        }
    }

    /// Password checks that may run at once: `login_concurrency`, or one per CPU.
    pub fn login_slots(&self) -> usize {
        match self.login_concurrency {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_overrides_the_file_which_overrides_the_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nbody_limit = 10\nlog_format = \"json\"\n",
        )
        .expect("write");
        let c = Config::load(Some(&path), |k| {
            (k == "OPENDRS_BODY_LIMIT").then(|| "20".to_string())
        })
        .expect("load");
        assert_eq!(c.listen.port(), 9000);
        assert_eq!(c.body_limit, 20);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.db_connections, Config::default().db_connections);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").expect("write");
        assert!(Config::load(Some(&path), |_| None).is_err());
    }

    #[test]
    fn executor_settings_come_from_the_file_and_the_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "step_create_ms = 7\nexecutor_clock = \"virtual\"\n").expect("write");
        let c = Config::load(Some(&path), |k| {
            (k == "OPENDRS_FAIL_START_FRACTION").then(|| "0.5".to_string())
        })
        .expect("load");
        let s = c.executor_settings();
        assert_eq!(s.timings.create_ms, 7);
        assert_eq!(s.clock, opendrs_core::executor::ClockMode::Virtual);
        assert_eq!(s.failures.start, 0.5);
        assert!(Config::load(None, |k| (k == "OPENDRS_FAIL_START_FRACTION")
            .then(|| "1.5".to_string()))
        .is_err());
    }

    #[test]
    fn the_metrics_address_comes_from_the_file_or_the_environment_and_is_unset_by_default() {
        assert_eq!(Config::default().metrics_listen, None);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "metrics_listen = \"127.0.0.1:9100\"\n").expect("write");
        let c = Config::load(Some(&path), |_| None).expect("load");
        assert_eq!(
            c.metrics_listen,
            Some("127.0.0.1:9100".parse().expect("addr"))
        );
        let c = Config::load(Some(&path), |k| {
            (k == "OPENDRS_METRICS_LISTEN").then(|| "127.0.0.1:9200".to_string())
        })
        .expect("load");
        assert_eq!(
            c.metrics_listen,
            Some("127.0.0.1:9200".parse().expect("addr"))
        );
        assert!(Config::load(None, |k| (k == "OPENDRS_METRICS_LISTEN")
            .then(|| "nowhere".to_string()))
        .is_err());
    }

    #[test]
    fn a_malformed_environment_value_is_an_error() {
        assert!(Config::load(None, |k| (k == "OPENDRS_LISTEN")
            .then(|| "nowhere".to_string()))
        .is_err());
    }
}
