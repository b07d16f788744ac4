//! `--watch`: reads the jobs' statuses (batch-status) every interval until none is transient, printing
//! each change on stderr; bounded by a timeout.

use super::{http::Client, output, WatchArgs};
use anyhow::Context as _;
use opendrs_core::{
    enums::{JobStatus, TaskType},
    lifecycle::data_plane_next,
};
use reqwest::Method;
use serde_json::{json, Value};
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

/// The most IDs one batch request may name.
pub const BATCH: usize = 100;

/// A status the service leaves by itself: one the data plane moves on (CREATING, STARTJOBING,
/// FULL_TRANSFER_STARTED, RELEASE_RESOURCE_STARTED, …) or a scheduled start (WAITING_FOR_START).
/// Unknown statuses count as settled.
pub fn is_transient(status: &str) -> bool {
    JobStatus::parse(status).is_some_and(|s| {
        s == JobStatus::WaitingForStart || data_plane_next(s, TaskType::FullIncrTrans).is_some()
    })
}

/// Every `results` item of a batch read (`batch-status` or `batch-detail`), 100 IDs a request.
pub async fn batch_read(client: &Client, api: &str, ids: &[String]) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(BATCH) {
        let body = json!({"jobs": chunk, "page_req": {"cur_page": 1, "per_page": BATCH}});
        let answer = client.v3(Method::POST, api, &body).await?;
        out.extend(output::results(&answer));
    }
    Ok(out)
}

/// Follows `ids` until no status is transient; the last `batch-status` items. Fails on the timeout.
pub async fn watch(client: &Client, ids: &[String], w: &WatchArgs) -> anyhow::Result<Vec<Value>> {
    let timeout = duration(&w.timeout).context("--timeout")?;
    let interval = duration(&w.interval)
        .context("--interval")?
        .max(Duration::from_millis(10));
    let deadline = Instant::now() + timeout;
    let mut seen: HashMap<String, String> = HashMap::new();
    loop {
        let items = batch_read(client, "batch-status", ids).await?;
        let mut pending = Vec::new();
        for item in &items {
            let (id, status) = (output::cell(item, "id"), output::cell(item, "status"));
            if seen.get(&id) != Some(&status) {
                eprintln!("{id}  {}", if status.is_empty() { "-" } else { &status });
                seen.insert(id.clone(), status.clone());
            }
            if is_transient(&status) {
                pending.push(format!("{id} ({status})"));
            }
        }
        if pending.is_empty() {
            return Ok(items);
        }
        if Instant::now() + interval > deadline {
            anyhow::bail!(
                "still transient after {}: {}",
                w.timeout,
                pending.join(", ")
            );
        }
        tokio::time::sleep(interval).await;
    }
}

/// Reads `ids`' precheck results (batch-precheck-result) every interval until each run is at
/// 100 % (or its item is an error); the last items. Fails on the timeout.
pub async fn precheck_watch(
    client: &Client,
    ids: &[String],
    w: &WatchArgs,
) -> anyhow::Result<Vec<Value>> {
    let timeout = duration(&w.timeout).context("--timeout")?;
    let interval = duration(&w.interval)
        .context("--interval")?
        .max(Duration::from_millis(10));
    let deadline = Instant::now() + timeout;
    loop {
        let mut items = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH) {
            let answer = client
                .v3(
                    Method::POST,
                    "batch-precheck-result",
                    &json!({"jobs": chunk}),
                )
                .await?;
            items.extend(output::results(&answer));
        }
        let pending: Vec<String> = items
            .iter()
            .filter(|i| output::item_error(i).is_none() && output::cell(i, "process") != "100%")
            .map(|i| {
                format!(
                    "{} ({})",
                    output::cell(i, "precheck_id"),
                    output::cell(i, "process")
                )
            })
            .collect();
        if pending.is_empty() {
            return Ok(items);
        }
        if Instant::now() + interval > deadline {
            anyhow::bail!(
                "precheck still running after {}: {}",
                w.timeout,
                pending.join(", ")
            );
        }
        tokio::time::sleep(interval).await;
    }
}

fn duration(s: &str) -> anyhow::Result<Duration> {
    Ok(Duration::from_millis(
        crate::lifecycle_admin::parse_duration_ms(s)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_the_data_plane_moves_are_transient_and_resting_ones_are_not() {
        for s in [
            "CREATING",
            "STARTJOBING",
            "WAITING_FOR_START",
            "FULL_TRANSFER_STARTED",
            "RELEASE_RESOURCE_STARTED",
        ] {
            assert!(is_transient(s), "{s}");
        }
        for s in [
            "CONFIGURATION",
            "INCRE_TRANSFER_STARTED",
            "PAUSING",
            "START_JOB_FAILED",
            "RELEASE_RESOURCE_COMPLETE",
            "DELETED",
            "SOMETHING_NEW",
            "",
        ] {
            assert!(!is_transient(s), "{s}");
        }
    }
}
