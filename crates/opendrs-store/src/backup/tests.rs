use super::*;
use crate::SqliteStore;
use opendrs_core::store::AdminStore;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A migrated database with `jobs` generated jobs; the store stays open (as a server's would).
fn database(dir: &Path, jobs: u64) -> (PathBuf, SqliteStore) {
    let path = dir.join("opendrs.db");
    let store = SqliteStore::open(&path).expect("open");
    let spec = crate::generate::Spec {
        jobs,
        projects: 2,
        big_project_jobs: 0,
        seed: 3,
    };
    runtime()
        .block_on(crate::generate::generate(&store, &spec, |_| {}))
        .expect("generate");
    (path, store)
}

fn projects_in(path: &Path) -> i64 {
    Connection::open(path)
        .expect("open")
        .query_row("SELECT count(*) FROM projects", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn a_backup_taken_while_another_connection_commits_holds_what_was_committed_before_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, store) = database(dir.path(), 300);
    let before = projects_in(&db);
    // A writer commits a project every few milliseconds while the backup runs.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (stop, store) = (stop.clone(), store.clone());
        std::thread::spawn(move || {
            let rt = runtime();
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && n < 2000 {
                let id = format!("{:032x}", 0xabc0_0000u64 + u64::from(n));
                rt.block_on(store.project_upsert(&id, "w", &[], 0))
                    .expect("write");
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    let to = dir.path().join("backup.db");
    let copied = backup(&db, &to, false).expect("backup");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().expect("writer");
    assert!(written > 0, "the writer wrote during the test");
    assert_eq!(
        copied.jobs,
        job_count(&Connection::open(&to).expect("open"), &to).expect("n")
    );
    assert!(copied.jobs >= 300, "{copied:?}");
    assert_eq!(
        copied.schema_version,
        crate::schema::latest_version() as u64
    );
    assert!(
        projects_in(&to) >= before,
        "everything committed before is there"
    );
    intact(&Connection::open(&to).expect("open"), &to).expect("intact");
    assert!(
        !dir.path().join("backup.db-wal").exists(),
        "the backup is one self-contained file"
    );
}

#[test]
fn a_backup_does_not_overwrite_a_file_unless_told_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _store) = database(dir.path(), 10);
    let to = dir.path().join("b.db");
    std::fs::write(&to, "keep me").expect("write");
    assert!(matches!(
        backup(&db, &to, false),
        Err(BackupError::Exists(_))
    ));
    assert_eq!(std::fs::read_to_string(&to).expect("read"), "keep me");
    backup(&db, &to, true).expect("replaced");
    assert_eq!(projects_in(&to), 2);
}

#[test]
fn a_backup_of_a_missing_or_foreign_database_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let to = dir.path().join("b.db");
    let missing = dir.path().join("nothing.db");
    assert!(matches!(
        backup(&missing, &to, false),
        Err(BackupError::Missing(_))
    ));
    assert!(!missing.exists(), "no database is created by a backup");
    let other = dir.path().join("other.db");
    Connection::open(&other)
        .expect("open")
        .execute_batch("CREATE TABLE t (x)")
        .expect("create");
    assert!(matches!(
        backup(&other, &to, false),
        Err(BackupError::NotOpenDrs(_))
    ));
    assert!(!to.exists());
}

#[test]
fn a_restore_replaces_a_stopped_database_with_the_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, store) = database(dir.path(), 50);
    let to = dir.path().join("backup.db");
    backup(&db, &to, false).expect("backup");
    // Changes after the backup are gone after the restore.
    runtime()
        .block_on(store.project_upsert("ffffffffffffffffffffffffffffffff", "later", &[], 0))
        .expect("write");
    drop(store);
    assert_eq!(projects_in(&db), 3);
    let restored = restore(&to, &db).expect("restore");
    assert!(restored.jobs >= 50, "{restored:?}");
    assert_eq!(projects_in(&db), 2);
    // A server opens it as usual.
    let reopened = SqliteStore::open(&db).expect("reopen");
    assert_eq!(
        runtime().block_on(reopened.job_count_all()).expect("count"),
        restored.jobs
    );
}

#[test]
fn a_restore_into_a_fresh_directory_creates_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, _store) = database(dir.path(), 20);
    let to = dir.path().join("backup.db");
    backup(&db, &to, false).expect("backup");
    let fresh = dir.path().join("new/data/opendrs.db");
    let restored = restore(&to, &fresh).expect("restore");
    assert_eq!(projects_in(&fresh), 2);
    assert!(restored.jobs >= 20);
}

#[test]
fn a_restore_is_refused_while_a_store_has_the_database_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, store) = database(dir.path(), 10);
    let to = dir.path().join("backup.db");
    backup(&db, &to, false).expect("backup");
    let e = restore(&to, &db).expect_err("in use");
    assert!(matches!(e, BackupError::InUse(_)), "{e}");
    assert!(e.to_string().contains("stop it"), "{e}");
    // The open store is unharmed and keeps working.
    runtime()
        .block_on(store.project_upsert("eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "x", &[], 0))
        .expect("still writable");
}

#[test]
fn a_restore_refuses_what_is_not_an_undamaged_opendrs_database_of_a_known_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("target/opendrs.db");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 8192]).expect("write");
    let e = restore(&junk, &target).expect_err("junk");
    assert!(matches!(e, BackupError::NotSqlite(_)), "{e}");

    let other = dir.path().join("other.db");
    Connection::open(&other)
        .expect("open")
        .execute_batch("CREATE TABLE t (x)")
        .expect("create");
    let e = restore(&other, &target).expect_err("foreign");
    assert!(matches!(e, BackupError::NotOpenDrs(_)), "{e}");

    let (db, store) = database(dir.path(), 5);
    drop(store);
    let newer = dir.path().join("newer.db");
    backup(&db, &newer, false).expect("backup");
    Connection::open(&newer)
        .expect("open")
        .pragma_update(
            None,
            "user_version",
            crate::schema::latest_version() as i64 + 1,
        )
        .expect("bump");
    let e = restore(&newer, &target).expect_err("newer");
    assert!(matches!(e, BackupError::TooNew { .. }), "{e}");
    assert!(e.to_string().contains("newer than this build"), "{e}");

    assert!(matches!(
        restore(&dir.path().join("absent.db"), &target),
        Err(BackupError::Missing(_))
    ));
    assert!(
        !target.exists(),
        "nothing was written for a refused restore"
    );
}

#[test]
fn a_restore_refuses_a_damaged_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, store) = database(dir.path(), 400);
    drop(store);
    let copy = dir.path().join("damaged.db");
    backup(&db, &copy, false).expect("backup");
    // Overwrite a page in the middle of the file (not the header or the schema page).
    let mut bytes = std::fs::read(&copy).expect("read");
    let page = 4096;
    assert!(bytes.len() > 6 * page, "{} bytes", bytes.len());
    let at = bytes.len() / 2 / page * page;
    for b in &mut bytes[at..at + page] {
        *b = 0x5a;
    }
    std::fs::write(&copy, &bytes).expect("write");
    let e = restore(&copy, &dir.path().join("t/opendrs.db")).expect_err("damaged");
    assert!(matches!(e, BackupError::Damaged { .. }), "{e}");
}
