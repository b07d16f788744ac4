//! Lifecycle administration from the command line: reading the audit trail
//! (`opendrs admin audit`) and moving the executor's virtual clock (`opendrs admin clock advance`).

use opendrs_core::{
    audit::{AuditFilter, AuditRecord},
    executor::{settle, ClockMode, RunReport},
    job::format_list_time,
    store::{Backend, Store},
};

/// A point in time from the command line: RFC 3339 (`2026-11-27T10:00:00Z`) or epoch ms.
pub fn parse_time(s: &str) -> anyhow::Result<i64> {
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| anyhow::anyhow!("{s:?} is neither RFC 3339 nor epoch milliseconds: {e}"))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// A duration from the command line: `1500ms`, `90s`, `5m`, `2h`, `1d` (a bare number is ms).
pub fn parse_duration_ms(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| anyhow::anyhow!("{s:?}: expected a number followed by ms, s, m, h or d"))?;
    let scale = match unit {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        other => anyhow::bail!("{s:?}: unknown unit {other:?} (use ms, s, m, h or d)"),
    };
    n.checked_mul(scale)
        .ok_or_else(|| anyhow::anyhow!("{s:?} is too long"))
}

/// An audit record as shown: the record and, when the user still exists, `account/name`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shown {
    #[serde(flatten)]
    pub record: AuditRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// The audit records matching `filter`, oldest first.
pub async fn audit(store: &dyn Backend, filter: &AuditFilter) -> anyhow::Result<Vec<Shown>> {
    Ok(store
        .audit_list(filter)
        .await?
        .into_iter()
        .map(|(record, user)| Shown { record, user })
        .collect())
}

/// One line per record, for people.
pub fn audit_line(s: &Shown) -> String {
    let r = &s.record;
    format!(
        "{} UTC  {}  {}  {}  {}  jobs={}  request={}  {}",
        format_list_time(r.at_ms),
        r.project_id,
        s.user.as_deref().unwrap_or(&r.user_id),
        r.action,
        r.outcome.as_str(),
        r.job_ids.join(","),
        r.request_id,
        r.detail
    )
}

/// Moves the virtual clock by `ms` and applies every transition that fell due; returns the new
/// time and what was applied.
pub async fn clock_advance(
    store: &dyn Store,
    config: &crate::Config,
    ms: u64,
) -> anyhow::Result<(i64, RunReport)> {
    let now = opendrs_core::writes::clock_advance(store, ms).await?;
    let mut settings = config.executor_settings();
    settings.clock = ClockMode::Virtual;
    let report = settle(store, &settings).await?;
    Ok((now, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration_ms("1500").ok(), Some(1500));
        assert_eq!(parse_duration_ms("90s").ok(), Some(90_000));
        assert_eq!(parse_duration_ms("5m").ok(), Some(300_000));
        assert_eq!(parse_duration_ms("1d").ok(), Some(86_400_000));
        assert!(parse_duration_ms("5 weeks").is_err());
        assert!(parse_duration_ms("s").is_err());
    }

    #[test]
    fn times_are_rfc3339_or_epoch_milliseconds() {
        assert_eq!(parse_time("1700000000000").ok(), Some(1_700_000_000_000));
        assert_eq!(
            parse_time("2023-11-14T22:13:20Z").ok(),
            Some(1_700_000_000_000)
        );
        assert!(parse_time("yesterday").is_err());
    }
}
