//! `POST /v5/{project_id}/jobs` (CreateJob): the body `{"job": CreateJobReq}` validated into the
//! same [`NewJob`] a v3 `batch-creation` item becomes, and the answer (flat, as the SDK and
//! Terraform read it).

use super::required;
use crate::{
    enums::{one_of, DbUseType, JobDirection, NetType, TaskType},
    error::{Error, Reason, Result},
    job::Endpoint,
    ops::{
        check_description, check_name, check_period_order, check_tags, check_text, EndpointKind,
        JobSpec, NewJob, PeriodOrder, MAX_ENDPOINT_TEXT_CHARS, MAX_ID_CHARS, MAX_IP_CHARS,
        MAX_PASSWORD_CHARS, NODE_TYPES,
    },
    tags::BatchResourceTag,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Database types of a v5 endpoint (the SDK's list, and the scenarios its `endpoint_name` names).
pub const DB_TYPES: &[&str] = &[
    "oracle",
    "gaussdbv5",
    "redis",
    "rediscluster",
    "gaussredis",
    "mysql",
    "postgresql",
    "mongodb",
];
/// Endpoint deployments.
pub const ENDPOINT_TYPES: &[&str] = &["offline", "ecs", "cloud"];
crate::enums::schema_enum!(
    /// `endpoint_type`.
    EndpointType = ENDPOINT_TYPES
);
/// `instance_type` of the replication instance.
pub const INSTANCE_TYPES: &[&str] = &["single", "ha"];
crate::enums::schema_enum!(
    /// `instance_type`.
    InstanceType = INSTANCE_TYPES
);
/// `arch` of the replication instance.
pub const ARCHES: &[&str] = &["x86", "arm"];
crate::enums::schema_enum!(
    /// `arch`.
    Arch = ARCHES
);
/// `type` of a public IP.
pub const PUBLIC_IP_TYPES: &[&str] = &["master", "slave"];
crate::enums::schema_enum!(
    /// `type` of a public IP.
    PublicIpType = PUBLIC_IP_TYPES
);

/// The body (`SingleCreateJobReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SingleCreateJobReq {
    pub job: Option<CreateJobReq>,
}

/// `CreateJobReq`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateJobReq {
    pub base_info: Option<BaseInfoReq>,
    pub source_endpoint: Option<Vec<EndpointInfoReq>>,
    pub target_endpoint: Option<Vec<EndpointInfoReq>>,
    pub period_order: Option<PeriodOrder>,
    pub node_info: Option<NodeInfoReq>,
    pub public_ip_list: Option<Vec<PublicIpReq>>,
}

/// `JobBaseInfo` as requests carry it (creation, and `UpdateJob`'s `params.base_info`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BaseInfoReq {
    pub name: Option<String>,
    /// `migration`, `sync` or `cloudDataGuard`.
    #[schema(value_type = Option<crate::enums::DbUseType>)]
    pub job_type: Option<String>,
    /// Required for `cloudDataGuard` (dual-active).
    pub multi_write: Option<bool>,
    pub engine_type: Option<String>,
    #[schema(value_type = Option<crate::enums::JobDirection>)]
    pub job_direction: Option<String>,
    #[schema(value_type = Option<crate::enums::TaskType>)]
    pub task_type: Option<String>,
    #[schema(value_type = Option<crate::enums::NetType>)]
    pub net_type: Option<String>,
    /// `on_demand` (default) or `period` (then `period_order` is required).
    #[schema(value_type = Option<crate::enums::ChargingMode>)]
    pub charging_mode: Option<String>,
    /// Default `"0"`; not `""`.
    pub enterprise_project_id: Option<String>,
    pub description: Option<String>,
    /// Accepted and ignored: creating never starts a job (action `start` does).
    pub start_time: Option<String>,
    /// `"14"`–`"100"`, default `"14"`.
    pub expired_days: Option<String>,
    pub tags: Option<Vec<BatchResourceTag>>,
    pub is_open_fast_clean: Option<bool>,
}

/// `JobEndpointInfo` as requests carry it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EndpointInfoReq {
    pub db_type: Option<String>,
    /// `offline`, `ecs` or `cloud`.
    #[schema(value_type = Option<EndpointType>)]
    pub endpoint_type: Option<String>,
    /// `so` (source) or `ta` (target).
    #[schema(value_type = Option<crate::workflow::bodies::EndpointSide>)]
    pub endpoint_role: Option<String>,
    pub endpoint: Option<BaseEndpointReq>,
    pub cloud: Option<CloudReq>,
    pub vpc: Option<VpcReq>,
    pub config: Option<ConfigReq>,
    pub ssl: Option<SslReq>,
    #[schema(value_type = Option<Object>)]
    pub customized_dns: Option<Value>,
}

/// `BaseEndpoint` as requests carry it; the password is read (so a wrong type is reported),
/// then dropped: it is never stored or shown.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BaseEndpointReq {
    pub id: Option<String>,
    pub endpoint_name: Option<String>,
    pub ip: Option<String>,
    /// A string, as the SDK types it: 1–65535.
    pub db_port: Option<String>,
    pub db_user: Option<String>,
    pub db_password: Option<String>,
    pub instance_id: Option<String>,
    pub instance_name: Option<String>,
    pub db_name: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub source_sharding: Option<Vec<Value>>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CloudReq {
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub az_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct VpcReq {
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub security_group_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfigReq {
    pub is_target_readonly: Option<bool>,
    /// 1–16.
    pub node_num: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SslReq {
    pub ssl_link: Option<bool>,
    pub ssl_cert_name: Option<String>,
    pub ssl_cert_key: Option<String>,
    pub ssl_cert_check_sum: Option<String>,
    pub ssl_cert_password: Option<String>,
}

/// `JobNodeInfo`: the replication instance.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NodeInfoReq {
    pub spec: Option<NodeSpecReq>,
    pub vpc: Option<NodeVpcReq>,
    pub base_info: Option<NodeBaseReq>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NodeSpecReq {
    /// `micro`, `small`, `medium`, `high`, `xlarge` or `2xlarge`.
    #[schema(value_type = Option<crate::ops::NodeType>)]
    pub node_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NodeVpcReq {
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    pub custom_node_ip: Option<String>,
    pub security_group_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NodeBaseReq {
    /// `single`, or `ha` (primary/standby: two availability zones).
    #[schema(value_type = Option<InstanceType>)]
    pub instance_type: Option<String>,
    /// `x86` or `arm`.
    #[schema(value_type = Option<Arch>)]
    pub arch: Option<String>,
    /// One zone; `ha` two, separated by a comma.
    pub availability_zone: Option<String>,
    pub status: Option<String>,
    pub role: Option<String>,
}

/// `PublicIpConfig`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PublicIpReq {
    pub id: Option<String>,
    pub public_ip: Option<String>,
    /// `master` or `slave`.
    #[serde(rename = "type")]
    #[schema(value_type = Option<PublicIpType>)]
    pub kind: Option<String>,
}

/// The answer (`CreateJobResponse`): flat, as the SDK models it and Terraform reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreateJobResponse {
    pub id: String,
    pub name: String,
    /// `CREATING`.
    pub status: String,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    pub create_time: String,
    /// Always `"false"` (a string, as the SDK types it): jobs are not cloned here.
    pub is_clone_job: String,
}

fn text(v: &Option<String>, field: &str, max: usize) -> Result<()> {
    match v {
        Some(s) => check_text(s, field, max),
        None => Ok(()),
    }
}

fn enumerated<'a>(
    v: &'a Option<String>,
    field: &str,
    allowed: &'static [&'static str],
) -> Result<Option<&'a str>> {
    match v.as_deref() {
        None | Some("") => Ok(None),
        Some(s) if allowed.contains(&s) => Ok(Some(s)),
        Some(_) => Err(Error::invalid_with(field, Reason::OneOf(allowed))),
    }
}

/// One validated endpoint: what is stored, and how the v5 API named it.
struct CheckedEndpoint {
    endpoint: Endpoint,
    kind: EndpointKind,
    config: ConfigReq,
}

fn endpoint(
    list: Option<Vec<EndpointInfoReq>>,
    field: &str,
    role: &str,
) -> Result<CheckedEndpoint> {
    let list = list.unwrap_or_default();
    let e = match list.as_slice() {
        [] => return Err(Error::empty(field)),
        [one] => one.clone(),
        _ => return Err(Error::invalid_with(field, Reason::TooMany(1))),
    };
    let f = |name: &str| format!("{field}[0].{name}");
    let db_type = enumerated(&e.db_type, &f("db_type"), DB_TYPES)?
        .ok_or_else(|| Error::empty(f("db_type")))?
        .to_string();
    let endpoint_type = enumerated(&e.endpoint_type, &f("endpoint_type"), ENDPOINT_TYPES)?
        .ok_or_else(|| Error::empty(f("endpoint_type")))?
        .to_string();
    match required(&e.endpoint_role, &f("endpoint_role"))? {
        r if r == role => {}
        _ => {
            return Err(Error::invalid_with(
                f("endpoint_role"),
                Reason::OneOf(if role == "so" { &["so"] } else { &["ta"] }),
            ))
        }
    }
    let b = e
        .endpoint
        .clone()
        .ok_or_else(|| Error::empty(f("endpoint")))?;
    let fe = |name: &str| format!("{field}[0].endpoint.{name}");
    let endpoint_name = required(&b.endpoint_name, &fe("endpoint_name"))?.to_string();
    check_text(
        &endpoint_name,
        &fe("endpoint_name"),
        MAX_ENDPOINT_TEXT_CHARS,
    )?;
    required(&b.db_user, &fe("db_user"))?;
    required(&b.db_password, &fe("db_password"))?;
    text(&b.db_user, &fe("db_user"), MAX_ENDPOINT_TEXT_CHARS)?;
    text(&b.db_password, &fe("db_password"), MAX_PASSWORD_CHARS)?;
    text(&b.id, &fe("id"), MAX_ID_CHARS)?;
    text(&b.ip, &fe("ip"), MAX_IP_CHARS)?;
    text(&b.instance_id, &fe("instance_id"), MAX_ID_CHARS)?;
    text(
        &b.instance_name,
        &fe("instance_name"),
        MAX_ENDPOINT_TEXT_CHARS,
    )?;
    text(&b.db_name, &fe("db_name"), MAX_ENDPOINT_TEXT_CHARS)?;
    let db_port = match b.db_port.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
            Error::invalid_with(fe("db_port"), Reason::OutOfRange { min: 1, max: 65535 })
        })?),
    };
    // A cloud database is reached by its instance, a self-built one by its address.
    if endpoint_type == "cloud" {
        required(&b.instance_id, &fe("instance_id"))?;
    } else {
        required(&b.ip, &fe("ip"))?;
    }
    let cloud = e.cloud.clone().unwrap_or_default();
    if e.cloud.is_some() {
        required(&cloud.region, &f("cloud.region"))?;
        required(&cloud.project_id, &f("cloud.project_id"))?;
    }
    for (name, v) in [
        ("cloud.region", &cloud.region),
        ("cloud.project_id", &cloud.project_id),
        ("cloud.az_code", &cloud.az_code),
    ] {
        text(v, &f(name), MAX_ID_CHARS)?;
    }
    let vpc = e.vpc.clone().unwrap_or_default();
    if e.vpc.is_some() {
        required(&vpc.vpc_id, &f("vpc.vpc_id"))?;
        required(&vpc.subnet_id, &f("vpc.subnet_id"))?;
    }
    for (name, v) in [
        ("vpc.vpc_id", &vpc.vpc_id),
        ("vpc.subnet_id", &vpc.subnet_id),
        ("vpc.security_group_id", &vpc.security_group_id),
    ] {
        text(v, &f(name), MAX_ID_CHARS)?;
    }
    let config = e.config.clone().unwrap_or_default();
    if config.node_num.is_some_and(|n| !(1..=16).contains(&n)) {
        return Err(Error::invalid_with(
            f("config.node_num"),
            Reason::OutOfRange { min: 1, max: 16 },
        ));
    }
    let ssl = e.ssl.clone().unwrap_or_default();
    text(
        &ssl.ssl_cert_password,
        &f("ssl.ssl_cert_password"),
        MAX_PASSWORD_CHARS,
    )?;
    text(
        &ssl.ssl_cert_name,
        &f("ssl.ssl_cert_name"),
        MAX_ENDPOINT_TEXT_CHARS,
    )?;
    Ok(CheckedEndpoint {
        endpoint: Endpoint {
            db_type: Some(db_type),
            inst_id: b.instance_id.clone(),
            ip: b.ip.clone(),
            db_port,
            db_user: b.db_user.clone(),
            region: cloud.region,
            az_code: cloud.az_code,
            vpc_id: vpc.vpc_id,
            subnet_id: vpc.subnet_id,
            security_group_id: vpc.security_group_id,
            project_id: cloud.project_id,
            db_name: b.db_name.clone(),
            inst_name: b.instance_name.clone(),
            ssl_link: ssl.ssl_link,
            ..Endpoint::default()
        },
        kind: EndpointKind {
            endpoint_type,
            endpoint_name,
        },
        config,
    })
}

/// The replication instance: (node type, subnet, VPC, arch, primary AZ, standby AZ).
type Node = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

fn node(n: Option<NodeInfoReq>) -> Result<Node> {
    let n = n.ok_or_else(|| Error::empty("job.node_info"))?;
    let spec = n.spec.unwrap_or_default();
    let node_type = enumerated(&spec.node_type, "job.node_info.spec.node_type", NODE_TYPES)?
        .ok_or_else(|| Error::empty("job.node_info.spec.node_type"))?
        .to_string();
    let vpc = n.vpc.ok_or_else(|| Error::empty("job.node_info.vpc"))?;
    let subnet = required(&vpc.subnet_id, "job.node_info.vpc.subnet_id")?.to_string();
    required(&vpc.vpc_id, "job.node_info.vpc.vpc_id")?;
    for (name, v) in [
        ("vpc_id", &vpc.vpc_id),
        ("subnet_id", &vpc.subnet_id),
        ("security_group_id", &vpc.security_group_id),
        ("custom_node_ip", &vpc.custom_node_ip),
    ] {
        text(v, &format!("job.node_info.vpc.{name}"), MAX_ID_CHARS)?;
    }
    let base = n
        .base_info
        .ok_or_else(|| Error::empty("job.node_info.base_info"))?;
    let ha = enumerated(
        &base.instance_type,
        "job.node_info.base_info.instance_type",
        INSTANCE_TYPES,
    )?
    .ok_or_else(|| Error::empty("job.node_info.base_info.instance_type"))?
        == "ha";
    let arch = enumerated(&base.arch, "job.node_info.base_info.arch", ARCHES)?
        .ok_or_else(|| Error::empty("job.node_info.base_info.arch"))?
        .to_string();
    let zones_field = "job.node_info.base_info.availability_zone";
    let zones_text = required(&base.availability_zone, zones_field)?;
    check_text(zones_text, zones_field, 2 * MAX_ID_CHARS + 1)?;
    let zones: Vec<&str> = zones_text.split(',').map(str::trim).collect();
    let (master, slave) = match (ha, zones.as_slice()) {
        (false, [one]) if !one.is_empty() => (one.to_string(), None),
        (true, [a, b]) if !a.is_empty() && !b.is_empty() => (a.to_string(), Some(b.to_string())),
        _ => return Err(Error::invalid(zones_field)),
    };
    Ok((node_type, subnet, vpc.vpc_id, arch, master, slave))
}

impl SingleCreateJobReq {
    /// Validates the job to create (the same checks, defaults and limits as a v3 creation item,
    /// in the v5 shape; fields are named by their path, such as `job.base_info.name`).
    pub fn validate(self) -> Result<NewJob> {
        let job = self.job.ok_or_else(|| Error::empty("job"))?;
        let b = job.base_info.ok_or_else(|| Error::empty("job.base_info"))?;
        let f = |name: &str| format!("job.base_info.{name}");
        let name = required(&b.name, &f("name"))?.to_string();
        check_name(&name, &f("name"))?;
        let db_use_type = one_of::<DbUseType>(b.job_type.as_deref(), &f("job_type"))?
            .ok_or_else(|| Error::empty(f("job_type")))?;
        if db_use_type == DbUseType::CloudDataGuard && b.multi_write.is_none() {
            return Err(Error::empty(f("multi_write")));
        }
        let engine_type = required(&b.engine_type, &f("engine_type"))?.to_string();
        if !crate::enums::is_engine_type(&engine_type) {
            return Err(Error::invalid_with(f("engine_type"), Reason::UnknownEngine));
        }
        let job_direction =
            one_of::<JobDirection>(b.job_direction.as_deref(), &f("job_direction"))?
                .ok_or_else(|| Error::empty(f("job_direction")))?;
        let net_type = one_of::<NetType>(b.net_type.as_deref(), &f("net_type"))?
            .ok_or_else(|| Error::empty(f("net_type")))?;
        let task_type = one_of::<TaskType>(b.task_type.as_deref(), &f("task_type"))?
            .unwrap_or(TaskType::FullIncrTrans);
        let charging_mode = enumerated(
            &b.charging_mode,
            &f("charging_mode"),
            &["on_demand", "period"],
        )?
        .unwrap_or("on_demand")
        .to_string();
        match (&job.period_order, charging_mode.as_str()) {
            (Some(p), _) => check_period_order(p, "job.period_order")?,
            (None, "period") => return Err(Error::empty("job.period_order")),
            (None, _) => {}
        }
        let enterprise_project_id = match b.enterprise_project_id.as_deref() {
            None => "0".to_string(),
            Some(ep) if ep.trim().is_empty() => {
                return Err(Error::invalid_with(
                    f("enterprise_project_id"),
                    Reason::Empty,
                ))
            }
            Some(ep) => {
                check_text(ep, &f("enterprise_project_id"), MAX_ID_CHARS)?;
                ep.trim().to_string()
            }
        };
        let description = b.description.unwrap_or_default();
        check_description(&description, &f("description"))?;
        let expired_days = match b.expired_days.as_deref() {
            None | Some("") => "14".to_string(),
            Some(d) => match d.parse::<u32>() {
                Ok(n) if (14..=100).contains(&n) => n.to_string(),
                _ => {
                    return Err(Error::invalid_with(
                        f("expired_days"),
                        Reason::OutOfRange { min: 14, max: 100 },
                    ))
                }
            },
        };
        let tags = check_tags(b.tags.as_deref().unwrap_or_default())?;
        let source = endpoint(job.source_endpoint, "job.source_endpoint", "so")?;
        let target = endpoint(job.target_endpoint, "job.target_endpoint", "ta")?;
        let (node_type, subnet, vpc_id, arch, master_az, slave_az) = node(job.node_info)?;
        let public_ips = job.public_ip_list.unwrap_or_default();
        for (i, ip) in public_ips.iter().enumerate() {
            let f = |name: &str| format!("job.public_ip_list[{i}].{name}");
            required(&ip.id, &f("id"))?;
            required(&ip.public_ip, &f("public_ip"))?;
            text(&ip.id, &f("id"), MAX_ID_CHARS)?;
            text(&ip.public_ip, &f("public_ip"), MAX_ID_CHARS)?;
            enumerated(&ip.kind, &f("type"), PUBLIC_IP_TYPES)?
                .ok_or_else(|| Error::empty(f("type")))?;
        }
        Ok(NewJob {
            name,
            db_use_type,
            engine_type,
            job_direction,
            net_type,
            task_type,
            description,
            enterprise_project_id,
            tags,
            spec: JobSpec {
                node_type: Some(node_type),
                node_num: source.config.node_num.or(target.config.node_num),
                subnet_id: Some(subnet),
                is_target_readonly: target.config.is_target_readonly,
                multi_write: Some(b.multi_write.unwrap_or(false)),
                bind_eip: Some(!public_ips.is_empty()),
                expired_days: Some(expired_days),
                master_az: Some(master_az),
                slave_az,
                charging_mode: Some(charging_mode),
                period_order: job.period_order,
                alarm_notify: None,
                arch: Some(arch),
                vpc_id,
                source_kind: Some(source.kind),
                target_kind: Some(target.kind),
            },
            source_endpoint: source.endpoint,
            target_endpoint: target.endpoint,
        })
    }
}
