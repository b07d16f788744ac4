//! The v5 task timeline (`ShowTimeline`): the wire answer, and how a job's recorded status
//! changes read as timeline entries. Entries come newest first; the store reads them.

use crate::{enums::JobStatus, window::Window};
use serde::Serialize;

/// Default page size of the timeline.
pub const DEFAULT_LIMIT: u64 = 10;
/// Largest page of the timeline.
pub const MAX_LIMIT: u64 = 1000;

/// The page of the timeline a query string asks for: `limit` 1–1000 (default 10), `offset` ≥ 0.
pub fn window(query: Option<&str>) -> crate::Result<Window> {
    Window::parse(query, DEFAULT_LIMIT, MAX_LIMIT)
}

/// One recorded status change of a job, as a store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    /// Wall clock, ms.
    pub at_ms: i64,
    /// The status the job reached.
    pub status: JobStatus,
    /// Why a step failed, when it did.
    pub error_msg: Option<String>,
    /// The name of the user whose operation made the change (`None`: the data plane did).
    pub user_name: Option<String>,
}

/// One page of a job's history, newest first, with the number of entries in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelinePage {
    /// The job's enterprise project (the caller's limits are applied by the core).
    pub enterprise_project_id: String,
    pub total: u64,
    pub events: Vec<TimelineEvent>,
}

/// The wire answer (the SDK's `ShowTimelineResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShowTimelineResponse {
    /// How many entries the job's timeline has in all.
    pub count: u64,
    /// The page asked for, newest first.
    pub timelines: Vec<TimelineInfo>,
}

/// One entry (the SDK's `TimelineInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TimelineInfo {
    /// The status the task reached, as the list shows statuses (such as `CREATING`).
    pub name: &'static str,
    /// `failed` when the change is a failure (a `…_FAILED` status), `success` otherwise.
    pub status: &'static str,
    /// When, in UTC: `yyyy-MM-ddTHH:mm:ssZ`.
    pub operation_time: String,
    /// The user whose operation made the change; absent for the data plane's own steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub user_name: Option<String>,
}

impl From<&TimelineEvent> for TimelineInfo {
    fn from(e: &TimelineEvent) -> Self {
        let failed = e.status.is_failure() || e.error_msg.is_some();
        TimelineInfo {
            name: e.status.as_str(),
            status: if failed { "failed" } else { "success" },
            operation_time: format_operation_time(e.at_ms),
            user_name: e.user_name.clone(),
        }
    }
}

/// `operation_time`: ISO 8601 in UTC to the second, as the original writes it
/// (`2024-12-19T03:44:36Z`).
pub fn format_operation_time(ms: i64) -> String {
    const FMT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(FMT).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: JobStatus, error_msg: Option<&str>, user: Option<&str>) -> TimelineEvent {
        TimelineEvent {
            at_ms: 1_734_579_876_543,
            status,
            error_msg: error_msg.map(str::to_string),
            user_name: user.map(str::to_string),
        }
    }

    #[test]
    fn an_entry_names_the_status_reached_at_the_second_in_utc() {
        let info = TimelineInfo::from(&event(JobStatus::Creating, None, Some("alice")));
        assert_eq!(info.name, "CREATING");
        assert_eq!(info.status, "success");
        assert_eq!(info.operation_time, "2024-12-19T03:44:36Z");
        assert_eq!(info.user_name.as_deref(), Some("alice"));
    }

    #[test]
    fn a_failure_status_or_a_recorded_failure_is_a_failed_entry() {
        let failed = TimelineInfo::from(&event(JobStatus::StartJobFailed, Some("boom"), None));
        assert_eq!((failed.name, failed.status), ("START_JOB_FAILED", "failed"));
        let json = serde_json::to_value(&failed).expect("json");
        assert!(json.get("user_name").is_none(), "absent, not null: {json}");
    }

    #[test]
    fn the_default_page_is_ten_entries_from_the_newest() {
        let w = window(None).expect("valid");
        assert_eq!((w.offset, w.limit), (0, DEFAULT_LIMIT));
        assert!(window(Some("limit=1001")).is_err());
    }
}
