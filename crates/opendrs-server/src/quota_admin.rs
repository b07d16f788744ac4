//! `opendrs admin quota set|show`: a project's job quota, configured per project (or back to
//! `default_job_quota`) and shown with its use, as `GET /v3/{project_id}/quotas` answers it.

use opendrs_core::{
    caller::Tenant,
    quota::{validate_instances, QuotaUsage},
    store::Backend,
};
use serde::Serialize;

/// A project's quota as `admin quota show` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaView {
    pub project_id: String,
    /// The quota that applies.
    pub quota: u64,
    /// Whether it was configured for the project (else it is `default_job_quota`).
    pub configured: bool,
    pub used: u64,
    pub max: u64,
}

impl QuotaView {
    fn of(tenant: &Tenant, usage: QuotaUsage, default: u64) -> Self {
        QuotaView {
            project_id: tenant.project_id().to_string(),
            quota: usage.quota(default),
            configured: usage.instances.is_some(),
            used: usage.used,
            max: opendrs_core::quota::MAX_INSTANCES,
        }
    }

    /// The human form.
    pub fn line(&self) -> String {
        format!(
            "project {}: quota {} ({}), used {}, max {}",
            self.project_id,
            self.quota,
            if self.configured {
                "configured"
            } else {
                "default_job_quota"
            },
            self.used,
            self.max
        )
    }
}

async fn tenant(store: &dyn Backend, project_id: &str) -> anyhow::Result<Tenant> {
    store
        .project_find(project_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no such project {project_id}"))
}

/// Sets the project's quota (`None`: back to the default); returns what now applies.
pub async fn quota_set(
    store: &dyn Backend,
    project_id: &str,
    instances: Option<u64>,
    default: u64,
) -> anyhow::Result<QuotaView> {
    if let Some(n) = instances {
        validate_instances(n).map_err(|_| {
            anyhow::anyhow!(
                "--instances: expected 0 to {}, got {n}",
                opendrs_core::quota::MAX_INSTANCES
            )
        })?;
    }
    let t = tenant(store, project_id).await?;
    store.quota_set(&t, instances).await?;
    quota_show_tenant(store, &t, default).await
}

/// The project's quota and use.
pub async fn quota_show(
    store: &dyn Backend,
    project_id: &str,
    default: u64,
) -> anyhow::Result<QuotaView> {
    let t = tenant(store, project_id).await?;
    quota_show_tenant(store, &t, default).await
}

async fn quota_show_tenant(
    store: &dyn Backend,
    t: &Tenant,
    default: u64,
) -> anyhow::Result<QuotaView> {
    let usage = store.quota_read(t).await?;
    Ok(QuotaView::of(t, usage, default))
}
