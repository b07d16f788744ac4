//! The simulated precheck: which items a job's precheck has (by engine), how each comes out
//! (deterministically, from what is stored about the job), and how far a run has got at a
//! moment of the executor's clock. Nothing here connects anywhere.
//!
//! Rules: `srcDbConnection` / `dstDbConnection` fail when the job's stored endpoint is
//! unreachable by [`Reachability`] or when the latest connection test of that endpoint failed;
//! `isUserRequireSslLink` is an `ALARM` (which does not block) when the source does not use
//! SSL; every other item passes.

use super::{
    reach::Reachability,
    state::{
        CheckResult, ConnectionResult, Connections, ObjectSelection, PrecheckItem, PrecheckRun,
    },
};
use crate::job::Endpoint;

/// What the precheck looks at.
#[derive(Debug, Clone, Copy)]
pub struct PrecheckInput<'a> {
    pub engine_type: &'a str,
    pub source: &'a Endpoint,
    pub target: &'a Endpoint,
    pub connections: &'a Connections,
    pub objects: Option<&'a ObjectSelection>,
    pub reach: &'a Reachability,
}

fn item(group: &str, name: &str) -> PrecheckItem {
    PrecheckItem {
        group: group.into(),
        item: name.into(),
        result: CheckResult::Passed,
        failed_reason: None,
        data: None,
        skipped: false,
    }
}

fn connection(
    name: &str,
    ep: &Endpoint,
    last_test: Option<&ConnectionResult>,
    reach: &Reachability,
) -> PrecheckItem {
    let ip = ep.ip.clone().unwrap_or_default();
    let mut it = item("network", name);
    it.data = Some(
        serde_json::json!({ "ip": ip, "db_port": ep.db_port, "inst_id": ep.inst_id }).to_string(),
    );
    if let Err(u) = reach.check_endpoint(ep.ip.as_deref(), ep.db_port, ep.inst_id.as_deref()) {
        it.result = CheckResult::Failed;
        it.failed_reason = Some(u.reason());
    } else if last_test.is_some_and(|t| !t.success) {
        it.result = CheckResult::Failed;
        it.failed_reason = Some("LAST_CONNECTION_TEST_FAILED".into());
    }
    it
}

/// The items of a precheck of a job, with their outcomes, in the order shown.
pub fn items(input: PrecheckInput<'_>) -> Vec<PrecheckItem> {
    let mut out = vec![
        connection(
            "srcDbConnection",
            input.source,
            input.connections.source.as_ref(),
            input.reach,
        ),
        connection(
            "dstDbConnection",
            input.target,
            input.connections.target.as_ref(),
            input.reach,
        ),
        item("db_version", "srcDbVersionSupport"),
        item("db_version", "dstDbVersionSupport"),
        item("db_user_privilege", "srcDbPrivilegesIsEnough"),
        item("db_user_privilege", "dstDbPrivilegesIsEnough"),
        item("db_target_status", "dstStatusCheck"),
    ];
    let mut disk = item("db_disk_size", "dstDbDiskSize");
    disk.data = Some(r#"{"diskSizeTimes":"1.5"}"#.into());
    out.push(disk);
    let mut objects = item("db_params", "userSelectObjectsCheck");
    let selected = match input.objects {
        Some(o) if o.selected => serde_json::json!(o.objects.len()),
        _ => serde_json::json!("all"),
    };
    objects.data = Some(serde_json::json!({ "selected_objects": selected }).to_string());
    out.push(objects);
    let engine = input.engine_type;
    let family: &[&str] = if engine.contains("mongodb") {
        &["srcCollHasTtlIndex", "srcMongoInstanceType"]
    } else if engine.contains("mysql") || engine.contains("taurus") {
        &[
            "srcBinlogFormatCheck",
            "srcBinlogRowImageCheck",
            "dbCharacterSetConsistency",
        ]
    } else {
        &["dbCharacterSetConsistency"]
    };
    out.extend(family.iter().map(|name| item("db_params", name)));
    let mut ssl = item("db_params", "isUserRequireSslLink");
    if input.source.ssl_link != Some(true) {
        ssl.result = CheckResult::Alarm;
        ssl.failed_reason = Some("SRC_SSL_DISABLED".into());
    }
    out.push(ssl);
    out
}

/// How far a run has got at `now` (executor clock): (percent done, items finished so far).
/// A run is 100 % only once the executor has completed it.
pub fn progress(run: &PrecheckRun, now: i64) -> (u32, &[PrecheckItem]) {
    if run.done {
        return (100, &run.items);
    }
    let span = (run.due_at - run.started_at).max(1) as f64;
    let fraction = ((now - run.started_at) as f64 / span).clamp(0.0, 1.0);
    let shown = ((fraction * run.items.len() as f64) as usize).min(run.items.len());
    (((fraction * 100.0) as u32).min(99), &run.items[..shown])
}

/// The share of `items` of the whole run that passed (`ALARM` counts as passed), in percent.
pub fn passed_rate(run: &PrecheckRun, finished: &[PrecheckItem]) -> u32 {
    if run.items.is_empty() {
        return 100;
    }
    let passed = finished.iter().filter(|i| i.counts_as_passed()).count();
    (passed * 100 / run.items.len()) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::PrecheckMode;

    fn ep(ip: &str) -> Endpoint {
        Endpoint {
            ip: Some(ip.into()),
            db_port: Some(3306),
            ..Endpoint::default()
        }
    }

    fn run_of(items: Vec<PrecheckItem>, done: bool) -> PrecheckRun {
        PrecheckRun {
            precheck_id: "j".into(),
            mode: PrecheckMode::ForStartJob,
            started_at: 1_000,
            due_at: 2_000,
            done,
            items,
            used: false,
        }
    }

    #[test]
    fn a_reachable_job_passes_with_an_alarm_for_a_source_without_ssl() {
        let (s, t) = (ep("10.0.0.1"), ep("10.0.0.2"));
        let c = Connections::default();
        let r = Reachability::default();
        let items = items(PrecheckInput {
            engine_type: "mysql",
            source: &s,
            target: &t,
            connections: &c,
            objects: None,
            reach: &r,
        });
        let run = run_of(items, true);
        assert!(run.passed());
        assert_eq!(passed_rate(&run, &run.items), 100);
        assert!(run.items.iter().any(|i| i.result == CheckResult::Alarm));
        assert!(run.items.iter().any(|i| i.item == "srcBinlogFormatCheck"));
    }

    #[test]
    fn an_unreachable_target_or_a_failed_last_test_fails_its_connection_item() {
        let (s, t) = (ep("10.0.0.1"), ep("dst.invalid"));
        let failed_test = Connections {
            source: Some(ConnectionResult {
                success: false,
                tested_at: 0,
                ip: "10.0.0.9".into(),
                db_port: None,
                reason: None,
            }),
            target: None,
        };
        let r = Reachability::default();
        let items = items(PrecheckInput {
            engine_type: "mongodb",
            source: &s,
            target: &t,
            connections: &failed_test,
            objects: None,
            reach: &r,
        });
        let failed: Vec<_> = items
            .iter()
            .filter(|i| i.result == CheckResult::Failed)
            .map(|i| (i.item.as_str(), i.failed_reason.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            failed,
            vec![
                ("srcDbConnection", "LAST_CONNECTION_TEST_FAILED".to_string()),
                (
                    "dstDbConnection",
                    "HOST_UNREACHABLE:dst.invalid".to_string()
                )
            ]
        );
        let run = run_of(items, true);
        assert!(!run.passed());
        assert!(passed_rate(&run, &run.items) < 100);
    }

    #[test]
    fn a_run_shows_its_items_as_the_executor_clock_moves_and_completes_only_when_done() {
        let items: Vec<_> = (0..10).map(|i| item("g", &format!("i{i}"))).collect();
        let run = run_of(items, false);
        assert_eq!(progress(&run, 1_000).0, 0);
        let (p, shown) = progress(&run, 1_500);
        assert_eq!((p, shown.len()), (50, 5));
        assert_eq!(
            progress(&run, 9_000).0,
            99,
            "not 100 % before the executor completes it"
        );
        let done = PrecheckRun { done: true, ..run };
        assert_eq!(progress(&done, 1_000).0, 100);
    }
}
