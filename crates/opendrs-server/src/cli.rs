//! The `opendrs` command line: `serve` (with `--demo`), `admin …`, `sign`, `openapi`, and the client
//! (`jobs …`, `configure`, `completions`).

use crate::{app::shutdown_signal, client, config::Config, demo, telemetry, Application};
use clap::{Args, Parser, Subcommand};
use opendrs_core::store::Backend;
use opendrs_store::generate;
use std::sync::Arc;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "opendrs",
    version,
    about = "A self-hostable Huawei Cloud DRS job API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// Administer a store.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Print the OpenAPI document.
    Openapi,
    /// Sign a request with AK/SK (SDK-HMAC-SHA256) and print the headers to send, for curl or wrk.
    Sign(SignArgs),
    /// Jobs on an OpenDRS (or DRS-compatible) endpoint: list, show, status, create, start, pause, resume,
    /// modify, terminate, delete, tag. Signed with AK/SK as the SDKs sign.
    Jobs(client::JobsArgs),
    /// Write a named profile (endpoint, AK, SK, project) for `opendrs jobs`.
    Configure(client::ConfigureArgs),
    /// Print a shell completion script (bash, zsh, fish, …).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct SignArgs {
    #[arg(long, env = "OPENDRS_AK")]
    pub ak: String,
    #[arg(long, env = "OPENDRS_SK", hide_env_values = true)]
    pub sk: String,
    #[arg(long, default_value = "POST")]
    pub method: String,
    /// Full URL, such as http://127.0.0.1:8080/v3/<project_id>/jobs.
    #[arg(long)]
    pub url: String,
    /// The exact body bytes to send.
    #[arg(long)]
    pub body_file: Option<PathBuf>,
    /// Print `-H 'Name: value'` arguments instead of `Name: value` lines.
    #[arg(long)]
    pub curl: bool,
}

/// Flags shared by every command that opens a store.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Configuration file (TOML).
    #[arg(long, env = "OPENDRS_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory (default ./opendrs-data).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// The database: sqlite://PATH (default <data-dir>/opendrs.db) or postgres://USER@HOST:PORT/DB.
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Serve /metrics on this address only (default: on --listen, beside the API).
    #[arg(long)]
    pub metrics_listen: Option<SocketAddr>,
    /// Seed demo projects on first start and write <data-dir>/demo.json.
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Fill the store with realistic synthetic jobs (deterministic for a seed).
    Generate(GenerateArgs),
    /// Accounts (domains).
    Account {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: AccountAction,
    },
    /// Projects and their enterprise projects.
    Project {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: ProjectAction,
    },
    /// Users: create, disable, enable, password, enterprise-project limits.
    User {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Role bindings (drs_admin, drs_viewer) on projects.
    Role {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: RoleAction,
    },
    /// Access keys (AK/SK).
    Key {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Job quotas: how many tasks that are not deleted a project may have.
    Quota {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: QuotaAction,
    },
    /// The audit trail of writes: who did what, when, to which jobs, with which outcome.
    Audit(AuditArgs),
    /// The executor's virtual clock (servers running with `executor_clock = "virtual"`).
    Clock {
        #[command(flatten)]
        store: StoreArgs,
        #[command(subcommand)]
        action: ClockAction,
    },
    /// Write a consistent copy of the SQLite database to FILE while servers keep serving and
    /// writing (PostgreSQL: use pg_dump).
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file to write (refused if it exists, unless --force).
        #[arg(long)]
        to: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Replace the SQLite database of a STOPPED data directory by a backup (PostgreSQL: use
    /// pg_restore). Refused while any process has the database open.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Apply the database's pending migrations (the server also does at start) and show its version.
    Migrate {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List projects, users and keys.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// What to list.
        #[arg(value_enum)]
        what: ListWhat,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Only this project (its ID).
    #[arg(long)]
    pub project: Option<String>,
    /// From this time on (RFC 3339 or epoch ms).
    #[arg(long)]
    pub since: Option<String>,
    /// Before this time (RFC 3339 or epoch ms).
    #[arg(long)]
    pub until: Option<String>,
    /// The newest this many records.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// JSON output for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ClockAction {
    /// Moves the clock forward and applies every transition that falls due, e.g. `advance 30s`.
    Advance {
        /// How far: 1500ms, 90s, 5m, 2h, 1d (a bare number is ms).
        by: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum QuotaAction {
    /// Set a project's quota (`--instances N`, 0 to 10000000), or return it to
    /// `default_job_quota` (`--default`). Jobs over a lowered quota stay; new ones are refused.
    Set {
        /// The project's ID.
        #[arg(long)]
        project: String,
        #[arg(long, required_unless_present = "default", conflicts_with = "default")]
        instances: Option<u64>,
        /// Use `default_job_quota` again.
        #[arg(long)]
        default: bool,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show a project's quota and its tasks that count against it.
    Show {
        /// The project's ID.
        #[arg(long)]
        project: String,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountAction {
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectAction {
    Create {
        #[arg(long)]
        account: String,
        /// Such as cn-north-4.
        #[arg(long)]
        name: String,
        /// 32 lowercase hex characters (generated when absent).
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add an enterprise project.
    AddEnterpriseProject {
        #[arg(long)]
        project: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserAction {
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        /// Generated and shown once when absent.
        #[arg(long, env = "OPENDRS_NEW_PASSWORD")]
        password: Option<String>,
        #[arg(long)]
        json: bool,
    },
    Disable {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
    Enable {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
    },
    /// Set a new password (earlier tokens stop working).
    Password {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long, env = "OPENDRS_NEW_PASSWORD")]
        password: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Limit the user to these enterprise projects of a project (none: no limit).
    Limit {
        #[arg(long)]
        account: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        project: String,
        #[arg(long = "enterprise-project")]
        enterprise_projects: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoleAction {
    Grant {
        #[arg(long)]
        account: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        project: String,
        #[arg(long)]
        role: String,
    },
    Revoke {
        #[arg(long)]
        account: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        project: String,
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyAction {
    /// Create an AK/SK pair (the SK is shown once).
    Create {
        #[arg(long)]
        account: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        json: bool,
    },
    /// Replace a key by a new pair for the same user.
    Rotate {
        ak: String,
        #[arg(long)]
        json: bool,
    },
    Delete {
        ak: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ListWhat {
    Projects,
    Users,
    Keys,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Top-level jobs in all.
    #[arg(long)]
    pub jobs: u64,
    /// Projects to spread them over.
    #[arg(long, default_value_t = 1)]
    pub projects: u64,
    /// Jobs in the first project (the rest are spread evenly).
    #[arg(long, default_value_t = 0)]
    pub big_project_jobs: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn config(args: &StoreArgs) -> anyhow::Result<Config> {
    let mut c = Config::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(d) = &args.data_dir {
        c.data_dir = d.clone();
    }
    if let Some(u) = &args.database_url {
        c.database_url = Some(u.clone());
    }
    Ok(c)
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Admin(AdminCommand::Generate(args)) => generate_jobs(args).await,
        Command::Admin(AdminCommand::Clock {
            store,
            action: ClockAction::Advance { by },
        }) => {
            let ms = crate::lifecycle_admin::parse_duration_ms(&by)?;
            let (config, s) = open_store(&store).await?;
            let (now, report) = crate::lifecycle_admin::clock_advance(&*s, &config, ms).await?;
            println!(
                "virtual clock at {now} ({} UTC): {} transitions applied, {} deleted jobs purged",
                opendrs_core::job::format_list_time(now),
                report.applied,
                report.purged
            );
            Ok(())
        }
        Command::Admin(cmd) => admin_command(cmd).await,
        Command::Sign(args) => sign(args),
        Command::Jobs(args) => client::run(args).await,
        Command::Configure(args) => client::configure(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "opendrs", &mut script);
            client::output::emit(String::from_utf8_lossy(&script).trim_end())
        }
        Command::Openapi => {
            print!("{}", crate::http::openapi::document_json());
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = config(&args.store)?;
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(m) = args.metrics_listen {
        config.metrics_listen = Some(m);
    }
    telemetry::init(&config);
    let data_dir = config.data_dir.clone();
    let config_copy = config.clone();
    let app = Application::build(config).await?;
    let addr = app.local_addr()?;
    match app.metrics_addr() {
        Some(m) => tracing::info!(address = %m, "metrics at http://{m}/metrics"),
        None => tracing::info!("metrics at http://{addr}/metrics"),
    }
    if args.demo {
        let master = crate::authn::master_key::load(&config_copy)?;
        let mut info = demo::ensure(&**app.store(), &master, &data_dir).await?;
        app.authenticator().refresh().await?;
        info.endpoint = format!("http://{addr}");
        demo::write_file(&data_dir, &info)?;
        println!("{}", demo::try_it(&info));
    }
    tracing::info!(%addr, data_dir = %data_dir.display(), database = %config_copy.database()?.display(), "OpenDRS listening");
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

async fn generate_jobs(args: GenerateArgs) -> anyhow::Result<()> {
    let config = config(&args.store)?;
    telemetry::init(&config);
    std::fs::create_dir_all(&config.data_dir)?;
    let spec = generate::Spec {
        jobs: args.jobs,
        projects: args.projects,
        big_project_jobs: args.big_project_jobs,
        seed: args.seed,
    };
    let store = config.open_database().await?;
    let bar = indicatif::ProgressBar::new(spec.jobs);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} jobs {per_sec} eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let summary = generate::generate(&*store, &spec, |n| bar.set_position(n)).await?;
    bar.finish_and_clear();
    eprintln!(
        "generated {} jobs in {} projects in {:.1?}",
        summary.jobs,
        summary.projects,
        started.elapsed()
    );
    println!("{}", serde_json::to_string_pretty(&summary)?);
    Ok(())
}

async fn open_store(args: &StoreArgs) -> anyhow::Result<(Config, Arc<dyn Backend>)> {
    let config = config(args)?;
    std::fs::create_dir_all(&config.data_dir)?;
    let store = config.open_database().await?;
    Ok((config, store))
}

fn role(name: &str) -> anyhow::Result<opendrs_core::caller::Role> {
    opendrs_core::caller::Role::parse(name)
        .ok_or_else(|| anyhow::anyhow!("unknown role {name:?}: use drs_admin or drs_viewer"))
}

/// Prints `value` as JSON, or its human form.
fn show(json: bool, value: serde_json::Value, human: String) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!("{human}");
    }
    Ok(())
}

async fn admin_command(cmd: AdminCommand) -> anyhow::Result<()> {
    use crate::admin;
    use serde_json::json;
    match cmd {
        AdminCommand::Generate(_) => anyhow::bail!("generate runs asynchronously"),
        AdminCommand::Account {
            store,
            action: AccountAction::Create { name, json },
        } => {
            let (_, s) = open_store(&store).await?;
            let id = admin::account_create(&*s, &name).await?;
            show(
                json,
                json!({"id": id, "name": name}),
                format!("account {name} created: {id}"),
            )
        }
        AdminCommand::Project { store, action } => {
            let (_, s) = open_store(&store).await?;
            match action {
                ProjectAction::Create {
                    account,
                    name,
                    id,
                    json,
                } => {
                    let t = admin::project_create(&*s, &account, &name, id.as_deref()).await?;
                    show(
                        json,
                        json!({"id": t.project_id(), "name": name}),
                        format!("project {name} created: {}", t.project_id()),
                    )
                }
                ProjectAction::AddEnterpriseProject { project, id, name } => {
                    admin::enterprise_project_create(
                        &*s,
                        &project,
                        &id,
                        name.as_deref().unwrap_or(&id),
                    )
                    .await?;
                    println!("enterprise project {id} added to {project}");
                    Ok(())
                }
            }
        }
        AdminCommand::User { store, action } => {
            let (_, s) = open_store(&store).await?;
            match action {
                UserAction::Create {
                    account,
                    name,
                    password,
                    json,
                } => {
                    let (id, pw) =
                        admin::user_create(&*s, &account, &name, password.as_deref()).await?;
                    show(
                        json,
                        json!({"id": id, "name": name, "password": pw}),
                        format!("user {name} created: {id}\npassword (shown once): {pw}"),
                    )
                }
                UserAction::Disable { account, name } => {
                    admin::user_set_enabled(&*s, &account, &name, false).await?;
                    println!("user {name} disabled");
                    Ok(())
                }
                UserAction::Enable { account, name } => {
                    admin::user_set_enabled(&*s, &account, &name, true).await?;
                    println!("user {name} enabled");
                    Ok(())
                }
                UserAction::Password {
                    account,
                    name,
                    password,
                    json,
                } => {
                    let pw =
                        admin::user_set_password(&*s, &account, &name, password.as_deref()).await?;
                    show(
                        json,
                        json!({"name": name, "password": pw}),
                        format!("new password for {name} (shown once): {pw}"),
                    )
                }
                UserAction::Limit {
                    account,
                    name,
                    project,
                    enterprise_projects,
                } => {
                    admin::user_limit(&*s, &account, &name, &project, &enterprise_projects).await?;
                    println!("user {name} limited to {enterprise_projects:?} in {project}");
                    Ok(())
                }
            }
        }
        AdminCommand::Role { store, action } => {
            let (_, s) = open_store(&store).await?;
            let (account, user, project, r, grant) = match action {
                RoleAction::Grant {
                    account,
                    user,
                    project,
                    role,
                } => (account, user, project, role, true),
                RoleAction::Revoke {
                    account,
                    user,
                    project,
                    role,
                } => (account, user, project, role, false),
            };
            admin::role_set(&*s, &account, &user, &project, role(&r)?, grant).await?;
            println!(
                "{} {r} {} {user} on {project}",
                if grant { "granted" } else { "revoked" },
                if grant { "to" } else { "from" }
            );
            Ok(())
        }
        AdminCommand::Key { store, action } => {
            let (config, s) = open_store(&store).await?;
            let master = crate::authn::master_key::load(&config)?;
            match action {
                KeyAction::Create {
                    account,
                    user,
                    json,
                } => {
                    let k = admin::key_create(&*s, &master, &account, &user).await?;
                    show(
                        json,
                        serde_json::to_value(&k)?,
                        format!("AK: {}\nSK (shown once): {}", k.ak, k.sk),
                    )
                }
                KeyAction::Rotate { ak, json } => {
                    let k = admin::key_rotate(&*s, &master, &ak).await?;
                    show(
                        json,
                        serde_json::to_value(&k)?,
                        format!("{ak} replaced by\nAK: {}\nSK (shown once): {}", k.ak, k.sk),
                    )
                }
                KeyAction::Delete { ak } => {
                    admin::key_delete(&*s, &ak).await?;
                    println!("access key {ak} deleted");
                    Ok(())
                }
            }
        }
        AdminCommand::List { store, what, json } => {
            let (_, s) = open_store(&store).await?;
            list(&*s, what, json).await
        }
        AdminCommand::Quota { store, action } => {
            use crate::quota_admin::{quota_set, quota_show};
            let (config, s) = open_store(&store).await?;
            let default = config.default_job_quota;
            let (view, json) = match action {
                QuotaAction::Set {
                    project,
                    instances,
                    default: _,
                    json,
                } => (quota_set(&*s, &project, instances, default).await?, json),
                QuotaAction::Show { project, json } => {
                    (quota_show(&*s, &project, default).await?, json)
                }
            };
            show(json, serde_json::to_value(&view)?, view.line())
        }
        AdminCommand::Audit(args) => {
            use crate::lifecycle_admin::{audit, audit_line, parse_time};
            let (_, s) = open_store(&args.store).await?;
            let filter = opendrs_core::audit::AuditFilter {
                project_id: args.project,
                since_ms: args.since.as_deref().map(parse_time).transpose()?,
                until_ms: args.until.as_deref().map(parse_time).transpose()?,
                limit: args.limit.max(1),
            };
            let records = audit(&*s, &filter).await?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&records)?);
            } else {
                for r in &records {
                    println!("{}", audit_line(r));
                }
            }
            Ok(())
        }
        AdminCommand::Clock { .. } => anyhow::bail!("clock runs asynchronously"),
        AdminCommand::Backup {
            store,
            to,
            force,
            json,
        } => crate::backup::backup(&config(&store)?, &to, force, json).await,
        AdminCommand::Restore { store, from, json } => {
            crate::backup::restore(&config(&store)?, &from, json).await
        }
        AdminCommand::Migrate { store } => {
            let (config, s) = open_store(&store).await?;
            let (version, known) = s.schema_versions().await?;
            println!(
                "{} is at schema version {version} (this build knows {known})",
                config.database()?.display()
            );
            Ok(())
        }
    }
}

async fn list(s: &dyn Backend, what: ListWhat, as_json: bool) -> anyhow::Result<()> {
    use serde_json::json;
    let snap = s.identity_snapshot().await?;
    let rows: Vec<serde_json::Value> = match what {
        ListWhat::Projects => s
            .project_list()
            .await?
            .iter()
            .map(|p| {
                let domain_id = snap
                    .projects
                    .get(p.tenant.project_id())
                    .and_then(|e| e.domain_id.clone());
                json!({"id": p.tenant.project_id(), "name": p.name, "domain_id": domain_id,
                       "account": p.account})
            })
            .collect(),
        ListWhat::Users => {
            let mut v: Vec<_> = snap.users.values().collect();
            v.sort_by(|a, b| (&a.domain_name, &a.name).cmp(&(&b.domain_name, &b.name)));
            v.iter()
                .map(|u| {
                    let mut roles: Vec<String> = u
                        .roles
                        .iter()
                        .flat_map(|(p, rs)| rs.iter().map(move |r| format!("{}@{p}", r.as_str())))
                        .collect();
                    roles.sort();
                    json!({"id": u.id, "account": u.domain_name, "name": u.name, "enabled": u.enabled, "roles": roles,
                           "enterprise_projects": u.enterprise_projects})
                })
                .collect()
        }
        ListWhat::Keys => s
            .key_list()
            .await?
            .into_iter()
            .map(|k| json!({"ak": k.ak, "account": k.account, "user": k.user, "created_at_ms": k.created_at_ms}))
            .collect(),
    };
    if as_json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        for r in rows {
            println!(
                "{}",
                r.as_object()
                    .map(|o| o
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("  "))
                    .unwrap_or_default()
            );
        }
    }
    Ok(())
}

fn sign(args: SignArgs) -> anyhow::Result<()> {
    use axum::http::{HeaderMap, HeaderName, HeaderValue};
    let url: axum::http::Uri = args.url.parse()?;
    let host = url
        .authority()
        .ok_or_else(|| anyhow::anyhow!("the URL needs a host"))?
        .to_string();
    let body = match &args.body_file {
        Some(p) => std::fs::read(p)?,
        None => Vec::new(),
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("host"),
        HeaderValue::from_str(&host)?,
    );
    headers.insert(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("application/json"),
    );
    let project = url.path().split('/').nth(2).unwrap_or_default().to_string();
    if !project.is_empty() {
        headers.insert(
            HeaderName::from_static("x-project-id"),
            HeaderValue::from_str(&project)?,
        );
    }
    opendrs_core::signing::sign_request(
        &args.ak,
        args.sk.as_bytes(),
        &args.method,
        url.path(),
        url.query(),
        &mut headers,
        &body,
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|e| anyhow::anyhow!("cannot sign: {e}"))?;
    for (name, value) in headers.iter().filter(|(n, _)| n.as_str() != "host") {
        let line = format!("{}: {}", name, value.to_str().unwrap_or_default());
        if args.curl {
            println!("-H '{line}'");
        } else {
            println!("{line}");
        }
    }
    Ok(())
}
