//! `GET /v5/{project_id}/jobs/{job_id}?type=…` (ShowJobDetail): which view of a job `type` asks
//! for, and the views this service renders from the stored job — `overview`, `detail`, and the
//! workflow's: `network` (the latest connection tests, `v5::network`), `precheck` and `progress`
//! (`v5::runs`), each with the overview's fields.
//!
//! The other types (`log`, `compare`, …) show state this service does not keep: [`plan`]
//! answers them with `DRS.M00202` "not supported by this service yet". To add one: give it a
//! [`Plan`] variant here, read what it needs in `v5::service::job_detail_v5`, and fill the
//! matching fields of [`JobDetailResp`] (the SDK's `JobDetailResp` names them all).

use super::{
    network::QueryNetworkResult,
    params::Params,
    runs::{JobProgressInfo, QueryPreCheckResult},
};
use crate::{
    batch::{JobRecord, Tag},
    enums::{one_of, DetailType},
    error::{Error, Reason, Result},
    job::{format_iso_time, Endpoint},
    ops::{EndpointKind, PeriodOrder},
};
use serde::Serialize;
use serde_json::Value;

/// What a detail request will render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// The job's identity, status and main settings.
    Overview,
    /// Everything the job was created or modified with: endpoints (no passwords), node, alarms.
    Detail,
    /// The latest connection test of each endpoint.
    Network,
    /// The latest precheck run, as far as it has got.
    Precheck,
    /// The transfer's progress at the executor's clock.
    Progress,
}

/// Reads the query string: `type` is required and must be one the SDK knows; the ones that
/// show an operation's state are `DRS.M00202` "not supported by this service yet".
pub fn plan(raw: Option<&str>) -> Result<Plan> {
    let p = Params::parse(raw)?;
    let kind = one_of::<DetailType>(p.one("type")?, "type")?.ok_or_else(|| Error::empty("type"))?;
    match kind {
        DetailType::Overview => Ok(Plan::Overview),
        DetailType::Detail => Ok(Plan::Detail),
        DetailType::Network => Ok(Plan::Network),
        DetailType::Precheck => Ok(Plan::Precheck),
        DetailType::Progress => Ok(Plan::Progress),
        DetailType::Log
        | DetailType::Compare
        | DetailType::File
        | DetailType::IsWritable
        | DetailType::CloudConnection
        | DetailType::Diagnosis
        | DetailType::DiagnosisHistory
        | DetailType::RepairProgress
        | DetailType::RepairDetail
        | DetailType::RepairExportStatus
        | DetailType::DbTableDetails => Err(Error::invalid_with("type", Reason::NotYetSupported)),
    }
}

/// `{"job": …}` (`ShowJobDetailResponse`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowJobDetailResponse {
    pub job: JobDetailResp,
}

/// A job's detail (the SDK's `JobDetailResp`, the fields this service fills). Absent fields
/// are left out.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobDetailResp {
    pub id: String,
    pub status: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    pub create_time: String,
    /// A subtask's parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_job_id: Option<String>,
    pub base_info: JobBaseInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_endpoint: Option<Vec<JobEndpointInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_endpoint: Option<Vec<JobEndpointInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_info: Option<JobNodeInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub alarm_notify: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_order: Option<PeriodOrder>,
    /// `type=network`: the latest test of each endpoint tested (`[]`: none yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_results: Option<Vec<QueryNetworkResult>>,
    /// `type=precheck`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precheck_result: Option<QueryPreCheckResult>,
    /// `type=progress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_info: Option<JobProgressInfo>,
}

/// `base_info` (the SDK's `JobBaseInfo`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobBaseInfo {
    pub name: String,
    /// The scenario.
    pub job_type: String,
    pub engine_type: String,
    pub job_direction: String,
    pub task_type: String,
    pub net_type: String,
    pub charging_mode: String,
    pub enterprise_project_id: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_write: Option<bool>,
    /// Days an abnormal job is kept before it ends by itself (a string, as the SDK types it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_days: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

/// An endpoint (the SDK's `JobEndpointInfo`); never a password.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobEndpointInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_type: Option<String>,
    /// `offline`, `ecs` or `cloud`.
    pub endpoint_type: String,
    /// `so` or `ta`.
    pub endpoint_role: String,
    pub endpoint: BaseEndpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud: Option<CloudBaseInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<CloudVpcInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<BaseEndpointConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<EndpointSslConfig>,
}

/// `endpoint` (the SDK's `BaseEndpoint`); `db_port` is a string, as the SDK types it.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct BaseEndpoint {
    pub endpoint_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_port: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_name: Option<String>,
}

/// `cloud` (the SDK's `CloudBaseInfo`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CloudBaseInfo {
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub az_code: Option<String>,
}

/// `vpc` (the SDK's `CloudVpcInfo`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct CloudVpcInfo {
    pub vpc_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
}

/// `config` (the SDK's `BaseEndpointConfig`).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct BaseEndpointConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_target_readonly: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_num: Option<i64>,
}

/// `ssl` (the SDK's `EndpointSslConfig`), without certificates.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct EndpointSslConfig {
    pub ssl_link: bool,
}

/// `node_info` (the SDK's `JobNodeInfo`): the replication instance.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobNodeInfo {
    pub spec: JobNodeSpecInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc: Option<JobNodeVpcInfo>,
    pub base_info: JobNodeBaseInfo,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobNodeSpecInfo {
    pub node_type: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobNodeVpcInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    pub subnet_id: String,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct JobNodeBaseInfo {
    /// `single`, or `ha` (primary/standby in two availability zones).
    pub instance_type: String,
    /// `x86` or `arm`.
    pub arch: String,
    /// One zone, or two separated by a comma (`ha`).
    pub availability_zone: String,
}

/// The view `plan` asks for, from the stored job (the workflow views' own fields are filled
/// by the service, which knows the executor's clock).
pub fn render(plan: Plan, r: &JobRecord) -> JobDetailResp {
    let j = &r.job;
    let spec = &r.spec;
    let mut base_info = JobBaseInfo {
        name: j.name.clone(),
        job_type: j.db_use_type.as_str().into(),
        engine_type: j.engine_type.clone(),
        job_direction: j.job_direction.as_str().into(),
        task_type: j.task_type.as_str().into(),
        net_type: j.net_type.as_str().into(),
        charging_mode: j.charging_mode.as_str().into(),
        enterprise_project_id: j.enterprise_project_id.clone(),
        description: j.description.clone(),
        ..JobBaseInfo::default()
    };
    let mut out = JobDetailResp {
        id: j.id.clone(),
        status: j.status.as_str().into(),
        create_time: format_iso_time(j.create_time_ms),
        master_job_id: r.parent_id.clone(),
        ..JobDetailResp::default()
    };
    if plan == Plan::Detail {
        base_info.multi_write = spec.multi_write;
        base_info.expired_days = spec.expired_days.clone();
        base_info.tags = Some(
            j.tags
                .iter()
                .map(|(k, v)| Tag {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect(),
        );
        out.source_endpoint = Some(vec![endpoint(
            &j.source_endpoint,
            "so",
            spec.source_kind.as_ref(),
            None,
            spec.node_num,
        )]);
        out.target_endpoint = Some(vec![endpoint(
            &j.target_endpoint,
            "ta",
            spec.target_kind.as_ref(),
            spec.is_target_readonly,
            None,
        )]);
        out.node_info = node_info(r);
        out.alarm_notify = spec.alarm_notify.clone();
        out.period_order = spec.period_order.clone();
    }
    out.base_info = base_info;
    out
}

/// How an endpoint is deployed, when the v5 API did not say: a cloud instance when it has one.
fn inferred_kind(e: &Endpoint) -> EndpointKind {
    let db = e.db_type.clone().unwrap_or_default();
    if e.inst_id.is_some() {
        EndpointKind {
            endpoint_type: "cloud".into(),
            endpoint_name: format!("cloud_{db}"),
        }
    } else {
        EndpointKind {
            endpoint_type: "offline".into(),
            endpoint_name: db,
        }
    }
}

fn endpoint(
    e: &Endpoint,
    role: &str,
    kind: Option<&EndpointKind>,
    is_target_readonly: Option<bool>,
    node_num: Option<i64>,
) -> JobEndpointInfo {
    let kind = kind.cloned().unwrap_or_else(|| inferred_kind(e));
    JobEndpointInfo {
        db_type: e.db_type.clone(),
        endpoint_type: kind.endpoint_type,
        endpoint_role: role.into(),
        endpoint: BaseEndpoint {
            endpoint_name: kind.endpoint_name,
            ip: e.ip.clone(),
            db_port: e.db_port.map(|p| p.to_string()),
            db_user: e.db_user.clone(),
            instance_id: e.inst_id.clone(),
            instance_name: e.inst_name.clone(),
            db_name: e.db_name.clone(),
        },
        cloud: e.region.clone().map(|region| CloudBaseInfo {
            region,
            project_id: e.project_id.clone(),
            az_code: e.az_code.clone(),
        }),
        vpc: e.vpc_id.clone().map(|vpc_id| CloudVpcInfo {
            vpc_id,
            subnet_id: e.subnet_id.clone(),
            security_group_id: e.security_group_id.clone(),
        }),
        config: (is_target_readonly.is_some() || node_num.is_some()).then_some(
            BaseEndpointConfig {
                is_target_readonly,
                node_num,
            },
        ),
        ssl: e.ssl_link.map(|ssl_link| EndpointSslConfig { ssl_link }),
    }
}

fn node_info(r: &JobRecord) -> Option<JobNodeInfo> {
    let spec = &r.spec;
    let node_type = spec.node_type.clone()?;
    let zones: Vec<&str> = [spec.master_az.as_deref(), spec.slave_az.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    Some(JobNodeInfo {
        spec: JobNodeSpecInfo { node_type },
        vpc: spec.subnet_id.clone().map(|subnet_id| JobNodeVpcInfo {
            vpc_id: spec.vpc_id.clone(),
            subnet_id,
        }),
        base_info: JobNodeBaseInfo {
            instance_type: if r.job.is_multi_az { "ha" } else { "single" }.into(),
            arch: spec.arch.clone().unwrap_or_else(|| "x86".into()),
            availability_zone: zones.join(","),
        },
    })
}
