//! The wall clock, in the one unit the domain uses: milliseconds since the Unix epoch (UTC).

/// Now, in ms since the epoch.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}
