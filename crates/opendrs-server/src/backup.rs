//! `opendrs admin backup` and `opendrs admin restore`: an SQLite database through
//! `opendrs_store::backup` (on a blocking thread; the database is never opened through the
//! factory, which would migrate it); a PostgreSQL database is answered with the `pg_dump` or
//! `pg_restore` command to run instead.

use crate::config::Config;
use opendrs_store::{backup::Copied, DatabaseUrl};
use std::{
    path::{Path, PathBuf},
    time::Instant,
};

/// The SQLite file the configuration names, or the PostgreSQL tool to use instead.
fn sqlite_file(
    config: &Config,
    postgres_hint: impl FnOnce(&str) -> String,
) -> anyhow::Result<PathBuf> {
    match config.database()? {
        DatabaseUrl::Sqlite(path) => Ok(path),
        url @ DatabaseUrl::Postgres(_) => anyhow::bail!(
            "{} is a PostgreSQL database: opendrs copies SQLite databases only. Use PostgreSQL's \
             own tools (README, Operating OpenDRS):\n  {}\n(a password in the URL is hidden \
             here: use the URL you configured, or PGPASSWORD / ~/.pgpass)",
            url.display(),
            postgres_hint(&url.display())
        ),
    }
}

fn report(
    verb: &str,
    db: &Path,
    file: &Path,
    c: &Copied,
    started: Instant,
    json: bool,
) -> anyhow::Result<()> {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "database": format!("sqlite://{}", db.display()),
                "file": file.display().to_string(),
                "schema_version": c.schema_version,
                "jobs": c.jobs,
                "bytes": c.bytes,
            }))?
        );
    } else {
        println!(
            "{verb}: schema version {}, {} jobs, {} bytes, in {:.1?}",
            c.schema_version,
            c.jobs,
            c.bytes,
            started.elapsed()
        );
    }
    Ok(())
}

/// `opendrs admin backup --to FILE`: a consistent copy while servers serve and write.
pub async fn backup(config: &Config, to: &Path, force: bool, json: bool) -> anyhow::Result<()> {
    let db = sqlite_file(config, |url| {
        format!(
            "pg_dump --format=custom --file={} --dbname='{url}'",
            to.display()
        )
    })?;
    let started = Instant::now();
    let (from, file) = (db.clone(), to.to_path_buf());
    let copied =
        tokio::task::spawn_blocking(move || opendrs_store::backup::backup(&from, &file, force))
            .await??;
    report(
        &format!("sqlite://{} backed up to {}", db.display(), to.display()),
        &db,
        to,
        &copied,
        started,
        json,
    )
}

/// `opendrs admin restore --from FILE`: into a database no process has open.
pub async fn restore(config: &Config, from: &Path, json: bool) -> anyhow::Result<()> {
    let db = sqlite_file(config, |url| {
        format!(
            "pg_restore --clean --if-exists --no-owner --dbname='{url}' {}   (with every server stopped)",
            from.display()
        )
    })?;
    let started = Instant::now();
    let (file, into) = (from.to_path_buf(), db.clone());
    let copied =
        tokio::task::spawn_blocking(move || opendrs_store::backup::restore(&file, &into)).await??;
    report(
        &format!("{} restored into sqlite://{}", from.display(), db.display()),
        &db,
        from,
        &copied,
        started,
        json,
    )?;
    let key = config.data_dir.join("master.key");
    if config.master_key.is_none() && !key.exists() {
        eprintln!(
            "note: {} does not exist. Copy the master.key of the data directory the backup was \
             taken from (or set master_key): the backup's access keys are sealed under it, and a \
             server started with another key refuses to start.",
            key.display()
        );
    }
    Ok(())
}
