//! Backup and restore of an SQLite database file. A backup is a consistent copy taken while
//! servers read and write the database: SQLite's online backup API copies every page in ONE step,
//! inside one read snapshot (in WAL mode a reader blocks no writer), so the copy holds exactly the
//! transactions committed before it began. A restore copies a backup into a database that no
//! process has open (checked with an exclusive lock, held until the restore ends), after checking
//! that the file is an OpenDRS database this build can run and that it is not damaged.

use rusqlite::{backup::StepResult, Connection, ErrorCode, OpenFlags};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// What a backup or a restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The copy's schema version (`PRAGMA user_version`).
    pub schema_version: u64,
    /// Jobs in the copy (top-level and children).
    pub jobs: u64,
    /// Size of the copy in bytes.
    pub bytes: u64,
}

/// Why a backup or a restore was refused or failed; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no database at {0}")]
    Missing(PathBuf),
    #[error("{0} is not an SQLite database")]
    NotSqlite(PathBuf),
    #[error("{0} is not an OpenDRS database (it has no OpenDRS schema)")]
    NotOpenDrs(PathBuf),
    #[error(
        "{path} has schema version {found}, newer than this build of OpenDRS knows ({known}): \
         restore it with the opendrs that made it, or a newer one"
    )]
    TooNew {
        path: PathBuf,
        found: u64,
        known: u64,
    },
    #[error("{path} is damaged: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{0} is in use: a server (or another process) has the database open; stop it, then restore"
    )]
    InUse(PathBuf),
    #[error("{0} already exists (choose another file, or --force to replace it)")]
    Exists(PathBuf),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Sqlite {
        what: String,
        source: rusqlite::Error,
    },
}

fn sqlite(what: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Sqlite { what, source }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

fn code(e: &rusqlite::Error) -> Option<ErrorCode> {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.code),
        _ => None,
    }
}

/// Checks that `conn` (the file at `path`) is an OpenDRS database; returns its schema version.
fn opendrs_schema(conn: &Connection, path: &Path) -> Result<u64, BackupError> {
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('projects', 'jobs')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| match code(&e) {
            Some(ErrorCode::NotADatabase) => BackupError::NotSqlite(path.to_path_buf()),
            Some(ErrorCode::DatabaseCorrupt) => BackupError::Damaged {
                path: path.to_path_buf(),
                detail: e.to_string(),
            },
            _ => sqlite(format!("cannot read {}", path.display()))(e),
        })?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite(format!("cannot read {}", path.display())))?;
    if tables < 2 || version < 1 {
        return Err(BackupError::NotOpenDrs(path.to_path_buf()));
    }
    Ok(version as u64)
}

/// `PRAGMA integrity_check` must answer `ok`.
fn intact(conn: &Connection, path: &Path) -> Result<(), BackupError> {
    let mut stmt = conn
        .prepare("PRAGMA integrity_check(20)")
        .map_err(sqlite(format!("cannot check {}", path.display())))?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .and_then(|rows| rows.collect())
        .map_err(|e| match code(&e) {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => BackupError::Damaged {
                path: path.to_path_buf(),
                detail: e.to_string(),
            },
            _ => sqlite(format!("cannot check {}", path.display()))(e),
        })?;
    if lines == ["ok"] {
        return Ok(());
    }
    Err(BackupError::Damaged {
        path: path.to_path_buf(),
        detail: lines.join("; "),
    })
}

fn job_count(conn: &Connection, path: &Path) -> Result<u64, BackupError> {
    conn.query_row("SELECT count(*) FROM jobs", [], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
        .map_err(sqlite(format!(
            "cannot count the jobs in {}",
            path.display()
        )))
}

/// Copies every page of `from` into `to` in one step (one read snapshot of `from`), retrying a
/// bounded number of times while a lock is briefly unavailable (WAL recovery, a checkpoint).
fn copy_all(from: &Connection, to: &mut Connection, what: &str) -> Result<(), BackupError> {
    let backup = rusqlite::backup::Backup::new(from, to).map_err(sqlite(what))?;
    for _ in 0..100 {
        match backup.step(-1).map_err(sqlite(what))? {
            StepResult::Done => return Ok(()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Err(BackupError::Sqlite {
        what: what.to_string(),
        source: rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("the database stayed locked for 5 seconds".into()),
        ),
    })
}

fn sync_dir(dir: &Path) {
    // Makes the rename durable; a platform that cannot open a directory has nothing to sync.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes a consistent copy of the database at `db` to the file `to` while other connections
/// (running servers) keep reading and writing it. The copy is written next to `to`, checked with
/// `PRAGMA integrity_check`, synced, and only then renamed into place: `to` is never a partial
/// copy. An existing `to` is refused unless `replace`.
pub fn backup(db: &Path, to: &Path, replace: bool) -> Result<Copied, BackupError> {
    if !db.is_file() {
        return Err(BackupError::Missing(db.to_path_buf()));
    }
    if to.exists() && !replace {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    // Read-write without create: a live WAL database needs its shared-memory file, and a missing
    // file must not be created. Nothing is written through this connection.
    let src = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite(format!("cannot open {}", db.display())))?;
    src.busy_timeout(Duration::from_secs(5))
        .map_err(sqlite("busy timeout"))?;
    opendrs_schema(&src, db)?;
    let dir = to
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let partial = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_file(&partial);
    let written = (|| {
        let mut dst = Connection::open(&partial)
            .map_err(sqlite(format!("cannot create {}", partial.display())))?;
        copy_all(&src, &mut dst, "backing up")?;
        // One self-contained file: no -wal beside it to copy or lose.
        dst.pragma_update(None, "journal_mode", "DELETE")
            .map_err(sqlite("journal mode of the copy"))?;
        let schema_version = opendrs_schema(&dst, &partial)?;
        intact(&dst, &partial)?;
        let jobs = job_count(&dst, &partial)?;
        dst.close()
            .map_err(|(_, e)| sqlite(format!("closing {}", partial.display()))(e))?;
        std::fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(io(format!("syncing {}", partial.display())))?;
        std::fs::rename(&partial, to).map_err(io(format!("renaming into {}", to.display())))?;
        sync_dir(dir);
        let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
        Ok(Copied {
            schema_version,
            jobs,
            bytes,
        })
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(
            dir.join(format!(".{name}.partial-{}-journal", std::process::id())),
        );
    }
    written
}

/// Replaces the database at `db` (created if absent) by the backup `from`. Refused when `from`
/// is not an undamaged OpenDRS database of this build's schema or an older one (a newer server
/// migrates an older backup at its next start), and when any process has `db` open — an
/// exclusive lock is taken first and held until the copy is complete, so no server can start
/// on a half-restored database either.
pub fn restore(from: &Path, db: &Path) -> Result<Copied, BackupError> {
    if !from.is_file() {
        return Err(BackupError::Missing(from.to_path_buf()));
    }
    let src = Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| match code(&e) {
        Some(ErrorCode::NotADatabase) => BackupError::NotSqlite(from.to_path_buf()),
        _ => sqlite(format!("cannot open {}", from.display()))(e),
    })?;
    let found = opendrs_schema(&src, from)?;
    let known = crate::schema::latest_version() as u64;
    if found > known {
        return Err(BackupError::TooNew {
            path: from.to_path_buf(),
            found,
            known,
        });
    }
    intact(&src, from)?;
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    }
    let mut dst = Connection::open(db).map_err(sqlite(format!("cannot open {}", db.display())))?;
    // No waiting: a lock held by anyone else means the database is in use.
    dst.busy_timeout(Duration::ZERO)
        .map_err(sqlite("busy timeout"))?;
    dst.pragma_update(None, "locking_mode", "EXCLUSIVE")
        .map_err(sqlite("locking mode"))?;
    let in_use = |e: rusqlite::Error| match code(&e) {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            BackupError::InUse(db.to_path_buf())
        }
        Some(ErrorCode::NotADatabase) => BackupError::Damaged {
            path: db.to_path_buf(),
            detail: format!("it is not an SQLite database ({e}); move it away first"),
        },
        _ => sqlite(format!("cannot lock {}", db.display()))(e),
    };
    // In EXCLUSIVE locking mode the lock taken here stays held after COMMIT, until the
    // connection closes. Every open connection of a server holds a shared lock on a WAL database,
    // so this fails while a server runs.
    dst.execute_batch("BEGIN EXCLUSIVE; COMMIT;")
        .map_err(in_use)?;
    // Out of WAL (the old -wal is checkpointed and removed), so the copy replaces every page.
    dst.pragma_update(None, "journal_mode", "DELETE")
        .map_err(in_use)?;
    copy_all(&src, &mut dst, "restoring")?;
    intact(&dst, db)?;
    let jobs = job_count(&dst, db)?;
    // Left in rollback-journal mode: a server switches it to WAL when it opens it.
    dst.close()
        .map_err(|(_, e)| sqlite(format!("closing {}", db.display()))(e))?;
    Ok(Copied {
        schema_version: found,
        jobs,
        bytes: std::fs::metadata(from).map(|m| m.len()).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests;
