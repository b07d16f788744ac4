//! The audit trail: one record per write request (who, when, which project, which operation,
//! which jobs, the request ID and the outcome), refused requests included.

use crate::store::StoreResult;
use serde::Serialize;

/// Who is writing, and under which request: carried into every store write so that the audit
/// record is committed with the change it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub request_id: String,
}

/// How a write request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every item succeeded.
    Success,
    /// Some items succeeded, some failed.
    Partial,
    /// Every item failed.
    Failure,
    /// The request was refused as a whole (permissions, validation).
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Partial => "partial",
            Outcome::Failure => "failure",
            Outcome::Refused => "refused",
        }
    }

    /// The stored form read back (anything unknown reads as `Refused`).
    pub fn parse(s: &str) -> Outcome {
        match s {
            "success" => Outcome::Success,
            "partial" => Outcome::Partial,
            "failure" => Outcome::Failure,
            _ => Outcome::Refused,
        }
    }

    /// The outcome of a batch whose items failed with these codes (`None`: the item succeeded).
    pub fn of_items<'a>(codes: impl IntoIterator<Item = Option<&'a str>>) -> Outcome {
        let (mut ok, mut failed) = (0usize, 0usize);
        for c in codes {
            match c {
                None => ok += 1,
                Some(_) => failed += 1,
            }
        }
        match (ok, failed) {
            (_, 0) => Outcome::Success,
            (0, _) => Outcome::Failure,
            _ => Outcome::Partial,
        }
    }
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Milliseconds since the epoch (UTC).
    pub at_ms: i64,
    pub project_id: String,
    pub user_id: String,
    /// The API operation, such as `BatchCreateJobs`.
    pub action: String,
    pub job_ids: Vec<String>,
    pub request_id: String,
    pub outcome: Outcome,
    /// Per-item error codes (`job id → code`), or the refusal's code, as JSON text.
    pub detail: String,
}

/// Where audit records go. Writes that change jobs record themselves in their own transaction;
/// this is for writes refused before they reach the jobs (each record its own transaction).
#[async_trait::async_trait]
pub trait AuditLog: Send + Sync + 'static {
    async fn audit_append(&self, record: AuditRecord) -> StoreResult<()>;
}

/// Which audit records to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub project_id: Option<String>,
    /// Inclusive lower bound, ms.
    pub since_ms: Option<i64>,
    /// Exclusive upper bound, ms.
    pub until_ms: Option<i64>,
    pub limit: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_outcome_is_success_partial_or_failure_by_its_items() {
        assert_eq!(Outcome::of_items([None, None]), Outcome::Success);
        assert_eq!(
            Outcome::of_items([None, Some("DRS.M00304")]),
            Outcome::Partial
        );
        assert_eq!(Outcome::of_items([Some("DRS.M05003")]), Outcome::Failure);
    }
}
