//! The server process as the soak samples it each minute: resident memory (VmRSS), threads and
//! open file descriptors from /proc/PID, and the size of watched paths (a file, or a directory
//! summed recursively, e.g. the SQLite database and its WAL, or PostgreSQL's base/ and pg_wal/).

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProcSample {
    pub rss_kib: u64,
    pub threads: u64,
    pub fds: u64,
}

/// VmRSS and Threads from a /proc/PID/status text.
pub fn parse_status(text: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
    };
    Some((field("VmRSS:")?, field("Threads:")?))
}

pub fn sample_process(pid: u32) -> Result<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("process {pid} is gone"))?;
    let (rss_kib, threads) =
        parse_status(&status).with_context(|| format!("no VmRSS/Threads for {pid}"))?;
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .with_context(|| format!("cannot read /proc/{pid}/fd"))?
        .count() as u64;
    Ok(ProcSample {
        rss_kib,
        threads,
        fds,
    })
}

/// A watched path and its label (a CSV column `<label>_bytes`).
#[derive(Debug, Clone)]
pub struct Watch {
    pub label: String,
    pub path: PathBuf,
}

impl std::str::FromStr for Watch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (label, path) = s
            .split_once('=')
            .ok_or_else(|| format!("expected LABEL=PATH, got {s:?}"))?;
        if label.is_empty() || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("label {label:?}: letters, digits and _ only"));
        }
        Ok(Watch {
            label: label.to_string(),
            path: PathBuf::from(path),
        })
    }
}

/// Bytes under `path`: a file's length, a directory's files summed (at most `depth` levels,
/// symlinks not followed); 0 when it does not exist (a WAL between checkpoints may not).
pub fn path_bytes(path: &Path, depth: u32) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    if !meta.is_dir() || depth == 0 {
        return 0;
    }
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| path_bytes(&e.path(), depth - 1))
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_parsing_reads_resident_memory_and_threads() {
        let text = "Name:\topendrs\nVmHWM:\t  90000 kB\nVmRSS:\t   51234 kB\nThreads:\t12\n";
        assert_eq!(parse_status(text), Some((51_234, 12)));
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_can_be_sampled() {
        let s = sample_process(std::process::id()).expect("own process");
        assert!(s.rss_kib > 0 && s.threads >= 1 && s.fds >= 1, "{s:?}");
    }

    #[test]
    fn a_watch_needs_a_plain_label() {
        let w: Watch = "wal=/tmp/x.db-wal".parse().expect("valid");
        assert_eq!(
            (w.label.as_str(), w.path.as_path()),
            ("wal", Path::new("/tmp/x.db-wal"))
        );
        assert!("no-equals".parse::<Watch>().is_err());
        assert!("a,b=/x".parse::<Watch>().is_err());
    }

    #[test]
    fn path_bytes_sums_a_directory_and_is_zero_for_a_missing_path() {
        let dir = std::env::temp_dir().join(format!("loadgen-bytes-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(dir.join("a"), [0u8; 10]).expect("write");
        std::fs::write(dir.join("sub/b"), [0u8; 5]).expect("write");
        assert_eq!(path_bytes(&dir, 8), 15);
        assert_eq!(path_bytes(&dir.join("a"), 8), 10);
        assert_eq!(path_bytes(&dir.join("missing"), 8), 0);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
