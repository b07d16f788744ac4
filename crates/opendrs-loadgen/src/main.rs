//! `opendrs-loadgen`: the soak test's constant-rate, open-loop load against a local OpenDRS
//! server (bench/soak.sh). Loopback only: it takes a port, never an address.
//!
//! Requests are scheduled at fixed times (start + i / rate) whatever the answers take, and each
//! latency runs from the scheduled time (no coordinated omission). Every minute it samples the
//! server process and the watched paths, prints one line and appends a CSV row; at the end it
//! prints the verdict (see verdict.rs) and exits 1 when a target failed.

mod minute;
mod mix;
mod run;
mod sample;
mod verdict;

use clap::Parser;
use std::path::PathBuf;

#[derive(Debug, Clone, Parser)]
#[command(
    version,
    about = "Constant-rate open-loop soak load for OpenDRS (127.0.0.1 only)"
)]
pub struct Args {
    /// The server's port on 127.0.0.1.
    #[arg(long)]
    pub port: u16,
    /// The server's process ID (sampled each minute from /proc).
    #[arg(long)]
    pub pid: u32,
    /// Project IDs, one a line; the user has drs_admin on each.
    #[arg(long)]
    pub projects_file: PathBuf,
    #[arg(long)]
    pub domain: String,
    #[arg(long)]
    pub user: String,
    /// The user's password (a throwaway bench identity).
    #[arg(long)]
    pub password: String,
    /// Length of the load, minutes.
    #[arg(long, default_value_t = 30)]
    pub minutes: u32,
    /// Requests per second (all kinds together).
    #[arg(long, default_value_t = 300)]
    pub rate: u32,
    /// Percent of requests that are list pages.
    #[arg(long, default_value_t = 85)]
    pub list_percent: u32,
    /// Percent that are batch writes (the rest are logins).
    #[arg(long, default_value_t = 10)]
    pub write_percent: u32,
    /// Highest page a list asks for (10 a page).
    #[arg(long, default_value_t = 5)]
    pub max_page: u32,
    /// Requests in flight at most; a request waits for a slot (its latency counts the wait).
    #[arg(long, default_value_t = 512)]
    pub max_in_flight: u32,
    /// Seconds a request may take before it counts as without an answer.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
    /// LABEL=PATH: a file or directory whose size is sampled (repeatable).
    #[arg(long = "watch")]
    pub watches: Vec<sample::Watch>,
    /// The per-minute CSV.
    #[arg(long)]
    pub csv: PathBuf,
    /// Warm-up minutes (default: 5 of 30, scaled to the run).
    #[arg(long)]
    pub warmup_minutes: Option<usize>,
    /// Largest allowed growth of memory and descriptors after warm-up (0.10 = 10 %).
    #[arg(long, default_value_t = 0.10)]
    pub growth_limit: f64,
    /// Largest allowed ratio of the last to the first post-warm-up p99.
    #[arg(long, default_value_t = 2.0)]
    pub p99_factor: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("opendrs-loadgen: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match rt.block_on(run::run(args)) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("opendrs-loadgen: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
