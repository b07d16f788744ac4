//! Progress (`batch-progress`) and RPO/RTO (`batch-rpo-and-rto`) of a job, computed from what
//! is stored (status, history times, the pending step and its due time) and the executor's
//! clock — so they move as the executor moves the job, and stand still on a virtual clock.
//!
//! The full transfer is the pending `full_transfer` step: its share done is the time elapsed
//! since it was scheduled over its duration; its phases are `struct` (first 10 %), `data`
//! (next 80 %) and `index` (last 10 %). Incremental figures (delay, rates, checkpoints) are a
//! deterministic function of the job and the clock; while a task is paused or failed, its delay
//! grows from the time it stopped.

use super::answers::{ProgressInfo, QueryProgressResp, RpoAndRtoInfo};
use crate::{
    batch::JobRecord,
    enums::{DbUseType, JobStatus, TaskType},
    error::Error,
    executor::Timings,
    job::format_list_time,
    lifecycle::Step,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A number in `0..n` fixed by the job and a bucket of time.
fn noise(job_id: &str, salt: &str, bucket: i64, n: u64) -> u64 {
    let d = Sha256::new()
        .chain_update(job_id.as_bytes())
        .chain_update(salt.as_bytes())
        .chain_update(bucket.to_be_bytes())
        .finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&d[..8]);
    u64::from_be_bytes(head) % n.max(1)
}

/// The full transfer's share done (0.0..=1.0) and, while it runs, its due time.
fn full_share(r: &JobRecord, now: i64) -> (f64, Option<i64>) {
    let pending = r
        .pending
        .as_ref()
        .filter(|p| Step::parse(&p.step) == Some(Step::FullTransfer));
    if let Some(p) = pending {
        let span = (p.due_at - p.scheduled_at).max(1) as f64;
        let share = ((now - p.scheduled_at) as f64 / span).clamp(0.0, 1.0);
        return (share, Some(p.due_at));
    }
    let done = r.full_transfer_complete_ms.is_some()
        || matches!(
            r.job.status,
            JobStatus::FullTransferComplete | JobStatus::IncreTransferStarted
        );
    if done {
        return (1.0, None);
    }
    if r.job.status == JobStatus::FullTransferFailed {
        // Where the run broke off: fixed per job.
        return (
            noise(&r.job.id, "failed_at", 0, 90) as f64 / 100.0 + 0.05,
            None,
        );
    }
    (0.0, None)
}

/// When the task's status last changed, on the executor's clock (a job not changed since it was
/// stored: its update time).
fn stopped_at(r: &JobRecord) -> i64 {
    r.status_since_ms.unwrap_or(r.update_time_ms)
}

/// Whether the task has reached incremental replication (and may be paused or failed in it).
fn in_incremental(r: &JobRecord) -> bool {
    let reached = r.job.task_type == TaskType::IncrTrans && r.actual_start_ms.is_some()
        || r.full_transfer_complete_ms.is_some() && r.job.task_type != TaskType::FullTrans;
    match r.job.status {
        JobStatus::IncreTransferStarted | JobStatus::IncreTransferFailed => true,
        JobStatus::Pausing => reached,
        _ => false,
    }
}

fn secs(ms: i64) -> String {
    ((ms.max(0) + 999) / 1000).to_string()
}

fn percent(share: f64) -> String {
    format!("{}%", (share.clamp(0.0, 1.0) * 100.0).floor() as u32)
}

/// `progress_map`: the full transfer's phases.
fn phases(share: f64, due: Option<i64>, full_ms: i64, now: i64) -> BTreeMap<String, ProgressInfo> {
    let mut out = BTreeMap::new();
    for (name, from, to) in [
        ("struct", 0.0, 0.1),
        ("data", 0.1, 0.9),
        ("index", 0.9, 1.0),
    ] {
        let part = ((share - from) / (to - from)).clamp(0.0, 1.0);
        let remaining = match due {
            Some(due) if part < 1.0 => {
                let end = due - ((1.0 - to) * full_ms as f64) as i64;
                Some(secs(end - now))
            }
            _ => None,
        };
        out.insert(
            name.to_string(),
            ProgressInfo {
                completed: percent(part),
                remaining_time: remaining,
            },
        );
    }
    out
}

/// The progress of one job at `now` (executor clock, ms).
pub fn progress(r: &JobRecord, now: i64, t: &Timings) -> QueryProgressResp {
    let j = &r.job;
    let has_full = j.task_type != TaskType::IncrTrans;
    let (share, due) = full_share(r, now);
    let full_ms = t.full_transfer_ms as i64;
    let remaining_ms = match j.status {
        JobStatus::Creating | JobStatus::Configuration | JobStatus::WaitingForStart => {
            t.start_ms as i64 + if has_full { full_ms } else { 0 }
        }
        JobStatus::StartJobing => {
            let start_left = r
                .pending
                .as_ref()
                .map_or(t.start_ms as i64, |p| p.due_at - now);
            start_left.max(0) + if has_full && share < 1.0 { full_ms } else { 0 }
        }
        JobStatus::FullTransferStarted => due.map_or(0, |d| d - now),
        _ => 0,
    };
    let incremental = in_incremental(r);
    let running = j.status == JobStatus::IncreTransferStarted;
    let delay_ms: i64 = if running {
        noise(&j.id, "delay", now.div_euclid(10_000), 1_500) as i64
    } else if incremental {
        (now - stopped_at(r)).max(0)
    } else {
        -1
    };
    let rows: i64 = if running {
        50 + noise(&j.id, "rows", now.div_euclid(60_000), 4_950) as i64
    } else if incremental {
        0
    } else {
        -1
    };
    let started = r.actual_start_ms.is_some()
        || !matches!(
            j.status,
            JobStatus::Creating | JobStatus::Configuration | JobStatus::WaitingForStart
        );
    QueryProgressResp {
        job_id: Some(j.id.clone()),
        progress: Some(if has_full {
            ((share * 100.0).floor() as u32).to_string()
        } else if incremental {
            "100".to_string()
        } else {
            "0".to_string()
        }),
        incre_trans_delay: Some(if delay_ms < 0 {
            "-1".into()
        } else {
            (delay_ms / 1000).to_string()
        }),
        incre_trans_delay_millis: Some(delay_ms.to_string()),
        task_mode: Some(j.task_type.as_str().to_string()),
        transfer_status: Some(j.status.as_str().to_string()),
        process_time: Some(if started { now.to_string() } else { "0".into() }),
        remaining_time: Some(secs(remaining_ms)),
        progress_map: has_full.then(|| phases(share, due, full_ms, now)),
        error_code: None,
        error_msg: None,
        apply_rows_rate: Some(rows),
        apply_bytes_rate: Some(if rows < 0 { -1 } else { rows * 512 }),
    }
}

/// RPO (business database → DRS) and RTO (DRS → DR database) of a DR job at `now`.
pub fn rpo_rto(r: &JobRecord, now: i64) -> Result<(RpoAndRtoInfo, RpoAndRtoInfo), Error> {
    let j = &r.job;
    if j.db_use_type != DbUseType::CloudDataGuard {
        return Err(Error::NotForThisTask);
    }
    if !in_incremental(r) {
        return Err(Error::NotReplicating { status: j.status });
    }
    let stopped = (now - stopped_at(r)).max(0);
    let (rpo_ms, rto_ms) = if j.status == JobStatus::IncreTransferStarted {
        let rpo = noise(&j.id, "rpo", now.div_euclid(10_000), 800) as i64;
        (
            rpo,
            rpo + noise(&j.id, "rto", now.div_euclid(10_000), 400) as i64,
        )
    } else {
        (stopped, stopped)
    };
    let since = r
        .full_transfer_complete_ms
        .or(r.actual_start_ms)
        .unwrap_or(r.job.create_time_ms);
    let binlog = j.engine_type.contains("mysql") || j.engine_type.contains("taurus");
    let info = |delay: i64| {
        let at = now - delay;
        let elapsed = (at - since).max(0);
        RpoAndRtoInfo {
            check_point: Some(if binlog {
                format!(
                    "mysql-bin.{:06}:{}",
                    1 + elapsed / 3_600_000,
                    4 + (elapsed / 1000 * 197) % 1_000_000_000
                )
            } else {
                "NA".into()
            }),
            delay: Some(delay.to_string()),
            gtid_set: Some("NA".into()),
            time: Some(format_list_time(at)),
        }
    };
    Ok((info(rpo_ms), info(rto_ms)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        batch::PendingStep,
        enums::{JobDirection, NetType},
        job::{Endpoint, Job},
    };

    fn record(status: JobStatus, scenario: DbUseType) -> JobRecord {
        JobRecord {
            job: Job {
                id: "job-1".into(),
                name: "n".into(),
                status,
                description: String::new(),
                create_time_ms: 0,
                engine_type: "mysql".into(),
                net_type: NetType::Vpc,
                billing_tag: false,
                job_direction: JobDirection::Up,
                db_use_type: scenario,
                task_type: TaskType::FullIncrTrans,
                node_new_framework: true,
                error_msg: None,
                enterprise_project_id: "0".into(),
                tags: Vec::new(),
                source_endpoint: Endpoint::default(),
                target_endpoint: Endpoint::default(),
                children: Vec::new(),
                charging_mode: crate::enums::ChargingMode::OnDemand,
                is_multi_az: false,
                running: None,
            },
            parent_id: None,
            update_time_ms: 1_000,
            spec: Default::default(),
            actual_start_ms: None,
            full_transfer_complete_ms: None,
            status_since_ms: None,
            workflow: None,
            pending: None,
        }
    }

    #[test]
    fn the_full_transfer_moves_with_the_executor_clock() {
        let mut r = record(JobStatus::FullTransferStarted, DbUseType::Migration);
        r.actual_start_ms = Some(0);
        r.pending = Some(PendingStep {
            step: "full_transfer".into(),
            scheduled_at: 10_000,
            due_at: 40_000,
        });
        let t = Timings::default();
        let at = |now| progress(&r, now, &t);
        assert_eq!(at(10_000).progress.as_deref(), Some("0"));
        let half = at(25_000);
        assert_eq!(half.progress.as_deref(), Some("50"));
        assert_eq!(half.remaining_time.as_deref(), Some("15"));
        let map = half.progress_map.expect("phases");
        assert_eq!(map["struct"].completed, "100%");
        assert_eq!(map["data"].completed, "50%");
        assert_eq!(map["index"].completed, "0%");
        assert_eq!(at(40_000).progress.as_deref(), Some("100"));
        assert_eq!(half.incre_trans_delay.as_deref(), Some("-1"));
    }

    #[test]
    fn a_job_not_started_has_no_progress_and_an_estimate() {
        let r = record(JobStatus::Configuration, DbUseType::Migration);
        let p = progress(&r, 5_000, &Timings::default());
        assert_eq!(p.progress.as_deref(), Some("0"));
        assert_eq!(p.process_time.as_deref(), Some("0"));
        assert_eq!(p.remaining_time.as_deref(), Some("35"));
        assert_eq!(p.apply_rows_rate, Some(-1));
    }

    #[test]
    fn incremental_figures_depend_on_the_clock_and_a_pause_makes_the_delay_grow() {
        let mut r = record(JobStatus::IncreTransferStarted, DbUseType::CloudDataGuard);
        r.full_transfer_complete_ms = Some(500);
        let p = progress(&r, 100_000, &Timings::default());
        assert_eq!(p.progress.as_deref(), Some("100"));
        assert!(p.apply_rows_rate.is_some_and(|n| n >= 50));
        let (rpo, rto) = rpo_rto(&r, 100_000).expect("dr");
        assert!(rpo.check_point.is_some_and(|c| c.starts_with("mysql-bin.")));
        let (rpo_d, rto_d): (i64, i64) = (
            rpo.delay.and_then(|d| d.parse().ok()).unwrap_or(-1),
            rto.delay.and_then(|d| d.parse().ok()).unwrap_or(-1),
        );
        assert!(rto_d >= rpo_d && rpo_d >= 0);
        r.job.status = JobStatus::Pausing;
        let (rpo, _) = rpo_rto(&r, 61_000).expect("paused");
        assert_eq!(rpo.delay.as_deref(), Some("60000"));
        let p = progress(&r, 61_000, &Timings::default());
        assert_eq!(p.incre_trans_delay.as_deref(), Some("60"));
    }

    #[test]
    fn rpo_and_rto_are_for_replicating_dr_tasks_only() {
        let m = record(JobStatus::IncreTransferStarted, DbUseType::Migration);
        assert_eq!(rpo_rto(&m, 0).err(), Some(Error::NotForThisTask));
        let cfg = record(JobStatus::Configuration, DbUseType::CloudDataGuard);
        assert_eq!(rpo_rto(&cfg, 0).err().map(|e| e.code()), Some("DRS.M00304"));
    }
}
