//! Job quotas: ShowQuotas' answer, the range a quota may take, and THE rule deciding whether a
//! project may create one more job (its live top-level jobs below its quota), counted inside
//! the creating transaction. A backend only stores the configured quota and counts the jobs.

use crate::error::{Error, Result};
use serde::Serialize;

/// The only resource DRS reports a quota for.
pub const RESOURCE_TYPE: &str = "instances";
/// The lowest quota (`min`): a project with quota 0 creates nothing.
pub const MIN_INSTANCES: u64 = 0;
/// The highest quota a project may have (`max`), configured or by default.
pub const MAX_INSTANCES: u64 = 10_000_000;
/// The quota of a project nobody configured, unless `default_job_quota` says otherwise: far
/// above the generated benchmark projects (100,000 jobs) and the creation benchmarks.
pub const DEFAULT_INSTANCES: u64 = 1_000_000;

/// A project's configured quota and what it consumes, as a store reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuotaUsage {
    /// The quota an administrator set; `None`: the service's default applies.
    pub instances: Option<u64>,
    /// The project's top-level jobs that are not `DELETED` (children do not count).
    pub used: u64,
}

impl QuotaUsage {
    /// The quota that applies: the configured one, else `default`, never above the maximum.
    pub fn quota(&self, default: u64) -> u64 {
        self.instances.unwrap_or(default).min(MAX_INSTANCES)
    }
}

/// A quota an administrator sets: within `MIN_INSTANCES..=MAX_INSTANCES`.
pub fn validate_instances(n: u64) -> Result<u64> {
    if (MIN_INSTANCES..=MAX_INSTANCES).contains(&n) {
        Ok(n)
    } else {
        Err(Error::invalid_with(
            "instances",
            crate::error::Reason::OutOfRange {
                min: MIN_INSTANCES as i64,
                max: MAX_INSTANCES as i64,
            },
        ))
    }
}

/// The quota seen by ONE creating transaction, which holds the project's quota lock: it admits
/// jobs while the count stays below the quota and counts each job it creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaGate {
    quota: u64,
    used: u64,
}

impl QuotaGate {
    pub fn new(usage: QuotaUsage, default: u64) -> Self {
        QuotaGate {
            quota: usage.quota(default),
            used: usage.used,
        }
    }

    /// Whether one more job fits (`DRS.M05067` otherwise).
    pub fn check(&self) -> Result<()> {
        if self.used < self.quota {
            Ok(())
        } else {
            Err(Error::QuotaExceeded { quota: self.quota })
        }
    }

    /// How many more jobs fit.
    pub fn room(&self) -> u64 {
        self.quota.saturating_sub(self.used)
    }

    /// The quota in force.
    pub fn quota(&self) -> u64 {
        self.quota
    }

    /// Counts a job this transaction created.
    pub fn count(&mut self) {
        self.used = self.used.saturating_add(1);
    }
}

/// The answer of `GET /v3/{project_id}/quotas` (`ShowQuotasResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ShowQuotasResponse {
    pub quotas: QueryQuotaInfo,
}

/// `QueryQuotaInfo`: one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QueryQuotaInfo {
    pub resource: QuotaResource,
}

/// `QuotaResource`: the quota of one resource type and its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuotaResource {
    /// Always `instances`.
    #[serde(rename = "type")]
    pub kind: String,
    pub min: u64,
    pub max: u64,
    /// The quota that applies now.
    pub quota: u64,
    /// The project's live (not deleted) top-level jobs.
    pub used: u64,
}

impl ShowQuotasResponse {
    pub fn of(usage: QuotaUsage, default: u64) -> Self {
        ShowQuotasResponse {
            quotas: QueryQuotaInfo {
                resource: QuotaResource {
                    kind: RESOURCE_TYPE.into(),
                    min: MIN_INSTANCES,
                    max: MAX_INSTANCES,
                    quota: usage.quota(default),
                    used: usage.used,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_admits_jobs_until_the_count_reaches_the_quota() {
        let mut gate = QuotaGate::new(
            QuotaUsage {
                instances: Some(3),
                used: 1,
            },
            100,
        );
        for _ in 0..2 {
            gate.check().expect("below the quota");
            gate.count();
        }
        assert_eq!(gate.check(), Err(Error::QuotaExceeded { quota: 3 }));
    }

    #[test]
    fn a_project_over_a_lowered_quota_creates_nothing() {
        let gate = QuotaGate::new(
            QuotaUsage {
                instances: Some(2),
                used: 5,
            },
            100,
        );
        assert!(gate.check().is_err());
        let zero = QuotaGate::new(
            QuotaUsage {
                instances: Some(0),
                used: 0,
            },
            100,
        );
        assert!(zero.check().is_err(), "quota 0 admits nothing");
    }

    #[test]
    fn the_default_applies_until_a_quota_is_configured_and_never_above_the_maximum() {
        let unset = QuotaUsage {
            instances: None,
            used: 7,
        };
        assert_eq!(unset.quota(50), 50);
        assert_eq!(unset.quota(u64::MAX), MAX_INSTANCES);
        let set = QuotaUsage {
            instances: Some(9),
            used: 7,
        };
        assert_eq!(set.quota(50), 9);
    }

    #[test]
    fn a_configured_quota_must_lie_within_min_and_max() {
        assert_eq!(validate_instances(0), Ok(0));
        assert_eq!(validate_instances(MAX_INSTANCES), Ok(MAX_INSTANCES));
        assert!(validate_instances(MAX_INSTANCES + 1).is_err());
    }

    #[test]
    fn the_answer_has_the_sdk_shape() {
        let answer = ShowQuotasResponse::of(
            QuotaUsage {
                instances: Some(20),
                used: 4,
            },
            DEFAULT_INSTANCES,
        );
        assert_eq!(
            serde_json::to_value(answer).expect("json"),
            serde_json::json!({"quotas": {"resource": {
                "type": "instances", "min": 0, "max": MAX_INSTANCES, "quota": 20, "used": 4
            }}})
        );
    }
}
