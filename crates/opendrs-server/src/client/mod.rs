//! The command-line client (`opendrs jobs …`, `opendrs configure`): any OpenDRS or DRS-compatible endpoint
//! over HTTP, requests signed with AK/SK as the official SDKs sign them.
//!
//! `mod.rs` holds the arguments; `jobs.rs` the command handlers, `watch.rs` `--watch`, `http.rs` the signed
//! requests, `output.rs` tables/JSON/YAML, `profile.rs` the credentials file and the precedence
//! flags > environment > profile.

pub mod http;
pub mod jobs;
pub mod output;
pub mod profile;
pub mod watch;

use clap::{Args, Subcommand, ValueEnum};
use output::OutputFormat;
use std::{fmt, path::PathBuf};

/// Where to connect and how to print, for every `jobs` command (flags over environment over profile).
#[derive(Args)]
pub struct ConnArgs {
    /// The endpoint, such as http://127.0.0.1:8080 (only scheme, host and port are used, as the SDKs do).
    #[arg(long, env = "OPENDRS_ENDPOINT", global = true)]
    pub endpoint: Option<String>,
    /// Access key.
    #[arg(long, env = "OPENDRS_AK", global = true)]
    pub ak: Option<String>,
    /// Secret key (prefer OPENDRS_SK or a profile: flags are visible to other local users).
    #[arg(long, env = "OPENDRS_SK", hide_env_values = true, global = true)]
    pub sk: Option<String>,
    /// Project ID.
    #[arg(long, env = "OPENDRS_PROJECT_ID", global = true)]
    pub project_id: Option<String>,
    /// A profile written by `opendrs configure` (default: `default`, when present).
    #[arg(long, env = "OPENDRS_PROFILE", global = true)]
    pub profile: Option<String>,
    /// Output: a table, or the API's answer as JSON or YAML.
    #[arg(long, short = 'o', value_enum, default_value = "table", global = true)]
    pub output: OutputFormat,
}

impl fmt::Debug for ConnArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnArgs")
            .field("endpoint", &self.endpoint)
            .field("ak", &self.ak)
            .field("sk", &self.sk.as_ref().map(|_| "<hidden>"))
            .field("project_id", &self.project_id)
            .field("profile", &self.profile)
            .field("output", &self.output)
            .finish()
    }
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub command: JobsCommand,
}

/// The job scenario (`db_use_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JobType {
    Migration,
    Sync,
    #[value(name = "cloudDataGuard")]
    CloudDataGuard,
}

impl JobType {
    pub fn as_str(self) -> &'static str {
        match self {
            JobType::Migration => "migration",
            JobType::Sync => "sync",
            JobType::CloudDataGuard => "cloudDataGuard",
        }
    }
}

/// `--watch` and its bounds.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Follow the statuses until none is transient (CREATING, STARTJOBING, FULL_TRANSFER_STARTED, …).
    #[arg(long)]
    pub watch: bool,
    /// Give up watching after this long (90s, 10m, 1h).
    #[arg(long, default_value = "10m", requires = "watch")]
    pub timeout: String,
    /// Time between two status reads.
    #[arg(long, default_value = "2s", requires = "watch")]
    pub interval: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The scenario.
    #[arg(long = "type", value_enum, default_value = "migration")]
    pub job_type: JobType,
    /// Such as CONFIGURATION or FULL_TRANSFER_STARTED.
    #[arg(long)]
    pub status: Option<String>,
    /// Engine type, such as mysql.
    #[arg(long)]
    pub engine: Option<String>,
    /// Network type: vpn, vpc or eip.
    #[arg(long)]
    pub net_type: Option<String>,
    /// Part of the name, an ID, or IDs separated by commas.
    #[arg(long)]
    pub name: Option<String>,
    /// Enterprise project ID.
    #[arg(long)]
    pub enterprise_project: Option<String>,
    /// A tag every job must carry, KEY=VALUE (repeatable).
    #[arg(long = "tag", value_parser = parse_key_value)]
    pub tags: Vec<(String, String)>,
    /// An instance ID (repeatable).
    #[arg(long = "instance-id")]
    pub instance_ids: Vec<String>,
    /// An instance IP address.
    #[arg(long)]
    pub instance_ip: Option<String>,
    /// The page (from 1).
    #[arg(long, default_value_t = 1, conflicts_with = "all")]
    pub page: i64,
    /// Jobs per page (default 10; 100 with --all).
    #[arg(long)]
    pub per_page: Option<i64>,
    /// Every page, until total_record jobs are read.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The request body (`{"jobs": [...]}`, a list of jobs or one job; `-` reads standard input).
    #[arg(long, conflicts_with = "name")]
    pub file: Option<PathBuf>,
    #[arg(long, required_unless_present = "file")]
    pub name: Option<String>,
    #[arg(long = "type", value_enum, default_value = "migration")]
    pub job_type: JobType,
    #[arg(long, default_value = "mysql")]
    pub engine: String,
    /// up (to the cloud), down or non-dbs.
    #[arg(long, default_value = "up")]
    pub direction: String,
    #[arg(long, default_value = "vpc")]
    pub net_type: String,
    #[arg(long, default_value = "high")]
    pub node_type: String,
    /// FULL_TRANS, FULL_INCR_TRANS or INCR_TRANS.
    #[arg(long, default_value = "FULL_INCR_TRANS")]
    pub task_type: String,
    /// The subnet of the replication instance (customize_sutnet_id).
    #[arg(long)]
    pub subnet_id: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub enterprise_project: Option<String>,
    /// A tag, KEY=VALUE (repeatable).
    #[arg(long = "tag", value_parser = parse_key_value)]
    pub tags: Vec<(String, String)>,
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    #[arg(long)]
    pub source_ip: Option<String>,
    #[arg(long)]
    pub source_port: Option<u16>,
    #[arg(long)]
    pub source_user: Option<String>,
    /// An RDS instance ID instead of an address.
    #[arg(long)]
    pub source_instance: Option<String>,
    #[arg(long, env = "OPENDRS_SOURCE_DB_PASSWORD", hide_env_values = true)]
    pub source_password: Option<String>,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    #[arg(long)]
    pub target_ip: Option<String>,
    #[arg(long)]
    pub target_port: Option<u16>,
    #[arg(long)]
    pub target_user: Option<String>,
    /// An RDS instance ID instead of an address.
    #[arg(long)]
    pub target_instance: Option<String>,
    #[arg(long, env = "OPENDRS_TARGET_DB_PASSWORD", hide_env_values = true)]
    pub target_password: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs (Querying Tasks of a Tenant) with the query's filters.
    List(ListArgs),
    /// The details of jobs (batch-detail).
    Show {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// The statuses of jobs (batch-status).
    Status {
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Create a job from flags, or jobs from a file (batch-creation).
    Create(Box<CreateArgs>),
    /// Precheck jobs before their first start (batch-precheck; with --watch, wait for the
    /// results of batch-precheck-result and fail unless every job passed).
    Precheck {
        #[arg(required = true)]
        ids: Vec<String>,
        /// forRetryJob (before retrying a failed job) instead of forStartJob.
        #[arg(long)]
        retry: bool,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Start jobs now or at a time (batch-starting); a job starts after a passed precheck.
    Start {
        #[arg(required = true)]
        ids: Vec<String>,
        /// Start at this time (RFC 3339 or epoch ms) instead of now.
        #[arg(long)]
        at: Option<String>,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Pause jobs (batch-pause-task).
    Pause {
        #[arg(required = true)]
        ids: Vec<String>,
        /// all, or target (pause only the writes to the target).
        #[arg(long, default_value = "all", value_parser = ["all", "target"])]
        mode: String,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Resume paused jobs, retry failed ones (batch-retry-task).
    Resume {
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Rename or describe a job (batch-modification).
    Modify {
        id: String,
        #[arg(long, required_unless_present = "description")]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    /// Stop jobs and release their resources (batch-jobs, delete_type terminate).
    Terminate {
        #[arg(required = true)]
        ids: Vec<String>,
        /// force_terminate instead of terminate.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Delete stopped jobs (batch-jobs, delete_type delete).
    Delete {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Add or remove a job's tags (the v5 tag APIs), then show its tags.
    Tag {
        id: String,
        /// KEY=VALUE to set (repeatable).
        #[arg(long, value_parser = parse_key_value)]
        add: Vec<(String, String)>,
        /// KEY to remove (repeatable).
        #[arg(long)]
        remove: Vec<String>,
        /// The job's scenario (read from its details when absent).
        #[arg(long = "type", value_enum)]
        job_type: Option<JobType>,
    },
}

#[derive(Args)]
pub struct ConfigureArgs {
    /// The profile to write.
    #[arg(long, env = "OPENDRS_PROFILE")]
    pub profile: Option<String>,
    #[arg(long)]
    pub endpoint: Option<String>,
    #[arg(long)]
    pub ak: Option<String>,
    /// The secret key, for scripts (asked without echo on a terminal otherwise).
    #[arg(long)]
    pub sk: Option<String>,
    #[arg(long)]
    pub project_id: Option<String>,
}

impl fmt::Debug for ConfigureArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigureArgs")
            .field("profile", &self.profile)
            .field("endpoint", &self.endpoint)
            .field("ak", &self.ak)
            .field("sk", &self.sk.as_ref().map(|_| "<hidden>"))
            .field("project_id", &self.project_id)
            .finish()
    }
}

/// `KEY=VALUE`.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

/// `opendrs configure`.
pub fn configure(args: ConfigureArgs) -> anyhow::Result<()> {
    let path = profile::config_path(|k| std::env::var(k).ok())?;
    let given = profile::Given {
        endpoint: args.endpoint,
        ak: args.ak,
        sk: args.sk,
        project_id: args.project_id,
        profile: args.profile,
    };
    println!("{}", profile::configure(given, &path)?);
    Ok(())
}

/// `opendrs jobs …`.
pub async fn run(args: JobsArgs) -> anyhow::Result<()> {
    let conn = args.conn;
    let path = profile::config_path(|k| std::env::var(k).ok()).ok();
    let creds = profile::resolve(
        profile::Given {
            endpoint: conn.endpoint,
            ak: conn.ak,
            sk: conn.sk,
            project_id: conn.project_id,
            profile: conn.profile,
        },
        path.as_deref(),
    )?;
    let client = http::Client::new(creds)?;
    jobs::run(&client, args.command, conn.output).await
}
