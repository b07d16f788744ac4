//! Files holding secrets (`master.key`, `demo.json`): created readable by the owner only
//! (mode 0600 from the first byte, never widened afterwards), written in full and synced before
//! they appear under their name, so no reader ever sees a partial or world-readable secret.

use std::{
    io::Write,
    path::{Path, PathBuf},
};

/// A fresh temporary file next to `path`, created with mode 0600 (`O_EXCL`), holding `bytes`,
/// synced to disk.
fn temp_with(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Makes a rename or link of an entry of `path`'s directory durable.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Creates `path` holding `bytes` unless it exists. `Ok(true)`: created; `Ok(false)`: another
/// writer (this or another process) created it first, and it was left as it is.
pub fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let tmp = temp_with(path, bytes)?;
    // A hard link never replaces an existing file: of two processes racing, exactly one wins.
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(path);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes `path` holding `bytes`, replacing it atomically if it exists.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_with(path, bytes)?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).map_or(0, |m| m.permissions().mode() & 0o777)
    }

    #[test]
    fn a_secret_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("master.key");
        assert!(create_new(&path, b"first").expect("create"));
        assert!(!create_new(&path, b"second").expect("create"));
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        replace(&path, b"third").expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"third");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "no temporary file is left: {left:?}");
    }
}
