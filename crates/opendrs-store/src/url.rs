//! The backend factory: a database URL names the engine (`sqlite://PATH`, `postgres://…`), and
//! [`open`] returns it behind the backend-neutral contract. Servers, the admin commands, the
//! demo and the tests all open their database here.

use opendrs_core::store::{Backend, Probe, StoreError, StoreResult};
use std::{path::PathBuf, sync::Arc};

/// Which database, parsed from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (relative or absolute; `sqlite:///abs/path` also works).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to the client as it is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "a sqlite:// URL needs a file path, such as sqlite://opendrs-data/opendrs.db"
                        .into(),
                );
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        Err(format!(
            "unsupported database URL {:?}: use sqlite://PATH or postgres://USER@HOST:PORT/DB",
            redacted(url)
        ))
    }

    /// The engine's name, for logs.
    pub fn engine(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }

    /// The URL with any password hidden, for logs and messages.
    pub fn display(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => redacted(u),
        }
    }
}

/// `scheme://user:secret@host` → `scheme://user:***@host`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}

/// How to open a database.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Pooled connections.
    pub connections: u32,
    /// Told how long the backend waits for connections and write transactions (metrics).
    pub probe: Probe,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            connections: 8,
            probe: Probe::default(),
        }
    }
}

/// Opens (creating and migrating as needed) the database `url` names.
pub async fn open(url: &DatabaseUrl, options: OpenOptions) -> StoreResult<Arc<dyn Backend>> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || {
                crate::SqliteStore::open_probed(&path, options.connections, options.probe)
            })
            .await
            .map_err(|e| StoreError::other(e.to_string()))??;
            Ok(Arc::new(store))
        }
        DatabaseUrl::Postgres(url) => {
            let store = opendrs_postgres::PgStore::connect_probed(
                url,
                options.connections.max(1) as usize,
                options.probe,
            )
            .await?;
            Ok(Arc::new(store))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_its_engine() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/opendrs.db"),
            Ok(DatabaseUrl::Sqlite("data/opendrs.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/opendrs.db"),
            Ok(DatabaseUrl::Sqlite("/var/lib/opendrs.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@127.0.0.1:5432/drs"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        let e = DatabaseUrl::parse("mongodb://admin:hunter2@db").expect_err("unsupported");
        assert!(!e.contains("hunter2"), "{e}");
        let u = DatabaseUrl::parse("postgres://admin:hunter2@db/drs").expect("pg");
        assert_eq!(u.display(), "postgres://admin:***@db/drs");
    }
}
