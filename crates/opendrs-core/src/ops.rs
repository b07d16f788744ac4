//! The v3 batch write APIs' bodies and answers (`batch-creation`, `batch-starting`,
//! `batch-pause-task`, `batch-retry-task`, `batch-modification`, `batch-jobs`), validated item
//! by item: a bad item becomes that item's error, never the whole call's.

use crate::{
    enums::{
        is_engine_type, one_of, ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType,
    },
    error::{Error, Reason, Result},
    job::Endpoint,
    json::Strict,
    lang::Lang,
    lifecycle::Op,
    messages::message,
    tags::{validate_key, validate_value, BatchResourceTag as ResourceTag},
    workflow::{
        bodies::{
            ConnectionTest, LimitSpeedReq, PreCheckInfo, TestEndPoint, UpdateDatabaseObjectReq,
        },
        state::{ObjectSelection, SpeedRange},
    },
};

pub use crate::tags::MAX_TAGS;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

/// Most items one batch write may carry (the original recommends 10 per call).
pub const MAX_BATCH_ITEMS: usize = 100;

/// The replication instance sizes.
pub const NODE_TYPES: &[&str] = &["micro", "small", "medium", "high", "xlarge", "2xlarge"];
crate::enums::schema_enum!(
    /// `node_type`: a replication instance size.
    NodeType = NODE_TYPES
);
/// `pause_mode`: what a pause stops.
pub const PAUSE_MODES: &[&str] = &["target", "all"];
crate::enums::schema_enum!(
    /// `pause_mode`.
    PauseMode = PAUSE_MODES
);
/// `delete_type` of `batch-jobs`.
pub const DELETE_TYPES: &[&str] = &["terminate", "force_terminate", "delete"];
crate::enums::schema_enum!(
    /// `delete_type`.
    DeleteType = DELETE_TYPES
);
const DB_TYPES: &[&str] = &[
    "mysql",
    "mongodb",
    "gaussdbv5",
    "postgresql",
    "kafka",
    "gaussdbv5ha",
    "taurus",
];

/// A batch write body: `{"jobs": [...]}` (1 to 100 items). Documents the bodies; items are read
/// one by one so that a bad item is only that item's error.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchReq<T> {
    pub jobs: Vec<T>,
}

#[derive(Debug, Default, Deserialize)]
struct Envelope {
    #[serde(default)]
    jobs: Option<Vec<Value>>,
}

/// `batch-limit-speed`'s envelope: `{"speed_limits": [...]}`.
#[derive(Debug, Default, Deserialize)]
struct SpeedEnvelope {
    #[serde(default)]
    speed_limits: Option<Vec<Value>>,
}

/// `batch-switchover`'s envelope: `{"jobs": [IDs], "is_pause_job": bool}`.
#[derive(Debug, Default, Deserialize)]
struct SwitchoverEnvelope {
    #[serde(default)]
    jobs: Option<Vec<Value>>,
    #[serde(default)]
    is_pause_job: Option<bool>,
}

/// The items of a batch body `{"jobs": [...]}`. Only a body with no answerable items fails as
/// a whole: malformed JSON (`DRS.M00300`), no `jobs` (`DRS.M00201`), too many (`DRS.M00202`).
pub fn batch_items(body: &[u8]) -> Result<Vec<Value>> {
    let items = crate::query::parse_json::<Envelope>(body)?.jobs;
    bounded_items(items, "jobs")
}

fn bounded_items(items: Option<Vec<Value>>, field: &str) -> Result<Vec<Value>> {
    let items = items.unwrap_or_default();
    if items.is_empty() {
        return Err(Error::empty(field));
    }
    if items.len() > MAX_BATCH_ITEMS {
        return Err(Error::invalid_with(field, Reason::TooMany(MAX_BATCH_ITEMS)));
    }
    Ok(items)
}

/// Reads item `i` as `T`; a field of the wrong type is that item's `DRS.M00202`, naming it.
fn item<T: DeserializeOwned>(i: usize, v: Value) -> Result<T> {
    if !v.is_object() {
        return Err(Error::invalid_with(format!("jobs[{i}]"), Reason::WrongType));
    }
    serde_path_to_error::deserialize(Strict(v)).map_err(|e| {
        let path = e.path().to_string();
        Error::invalid_with(format!("jobs[{i}].{path}"), Reason::WrongType)
    })
}

/// The job ID of a raw item of `kind`, when it has a usable one (to answer even an unreadable
/// item): `job_id`, `id` (a connection test's endpoint) or the item itself (a switchover's).
fn raw_job_id(kind: BatchKind, v: &Value) -> Option<String> {
    let id = match kind {
        BatchKind::Connect => v.get("id"),
        BatchKind::Switchover => Some(v),
        _ => v.get("job_id"),
    };
    id.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// What makes two items of one call the same: the job (and, for a connection test, which of
/// its endpoints: a source and a target test of one job may share a call).
fn item_key(kind: BatchKind, v: &Value) -> Option<String> {
    let id = raw_job_id(kind, v)?;
    Some(match kind {
        BatchKind::Connect => {
            let side = v
                .get("end_point_type")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or("so");
            format!("{id}\u{0}{side}")
        }
        _ => id,
    })
}

fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Err(Error::empty(field)),
        Some(s) => Ok(s),
    }
}

/// A job name: 4–50 characters, starting with a letter; letters, digits, `-` and `_`.
pub fn check_name(name: &str, field: &str) -> Result<()> {
    check_name_within(name, field, 50)
}

/// A job name of 4 to `max` characters, starting with a letter; letters, digits, `-` and `_`.
pub fn check_name_within(name: &str, field: &str, max: usize) -> Result<()> {
    let n = name.chars().count();
    let starts = name.chars().next().is_some_and(char::is_alphabetic);
    let chars = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if !(4..=max).contains(&n) || !starts || !chars {
        return Err(Error::invalid(field));
    }
    Ok(())
}

/// Longest ID-like field (subnet, availability zone, enterprise project, product): the
/// original's IDs are UUIDs (36 characters); 64 leaves room without allowing abuse.
pub const MAX_ID_CHARS: usize = 64;
/// Longest endpoint `ip` (a cluster's addresses separated by commas).
pub const MAX_IP_CHARS: usize = 1024;
/// Longest other endpoint text (user, database, instance name, topic, …).
pub const MAX_ENDPOINT_TEXT_CHARS: usize = 255;
/// Longest description.
pub const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest string anywhere in `alarm_notify` (phone numbers, e-mail addresses).
pub const MAX_ALARM_TEXT_CHARS: usize = 255;
/// Longest password read (and dropped).
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Whether `c` is a control character (C0, DEL or C1).
pub fn is_control(c: char) -> bool {
    c.is_control()
}

/// Text of at most `max` characters without control characters.
pub fn check_text(value: &str, field: &str, max: usize) -> Result<()> {
    if value.chars().count() > max {
        return Err(Error::invalid_with(field, Reason::TooLong(max)));
    }
    if value.chars().any(is_control) {
        return Err(Error::invalid_with(field, Reason::ControlCharacter));
    }
    Ok(())
}

/// A description: at most 256 characters, none of `!<>&'"\`, no control characters.
pub fn check_description(d: &str, field: &str) -> Result<()> {
    check_text(d, field, MAX_DESCRIPTION_CHARS)?;
    if d.chars().any(|c| "!<>&'\"\\".contains(c)) {
        return Err(Error::invalid(field));
    }
    Ok(())
}

/// Tags of a creation or modification: at most 20, each key and value as the v5 tag APIs
/// require (`crate::tags::validate_key` / `validate_value`), no key twice; an absent value is `""`.
pub fn check_tags(tags: &[ResourceTag]) -> Result<Vec<(String, String)>> {
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags { max: MAX_TAGS });
    }
    let mut out: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for t in tags {
        let key = t.key.clone().unwrap_or_default();
        validate_key(&key)?;
        let value = t.value.clone().unwrap_or_default();
        validate_value(&value)?;
        if out.iter().any(|(k, _)| *k == key) {
            return Err(Error::TagKeyDuplicate);
        }
        out.push((key, value));
    }
    Ok(out)
}

fn check_endpoint(e: &EndpointReq, field: &str) -> Result<()> {
    for (name, value) in [
        ("db_password", &e.db_password),
        ("ssl_cert_password", &e.ssl_cert_password),
    ] {
        if value
            .as_deref()
            .is_some_and(|v| v.chars().count() > MAX_PASSWORD_CHARS)
        {
            return Err(Error::invalid_with(
                format!("{field}.{name}"),
                Reason::TooLong(MAX_PASSWORD_CHARS),
            ));
        }
    }
    let e = &e.endpoint;
    let ids = [
        ("inst_id", &e.inst_id),
        ("region", &e.region),
        ("az_code", &e.az_code),
        ("vpc_id", &e.vpc_id),
        ("subnet_id", &e.subnet_id),
        ("security_group_id", &e.security_group_id),
        ("project_id", &e.project_id),
    ];
    let texts = [
        ("db_user", &e.db_user),
        ("db_name", &e.db_name),
        ("inst_name", &e.inst_name),
        ("mongo_ha_mode", &e.mongo_ha_mode),
        ("topic", &e.topic),
        ("cluster_mode", &e.cluster_mode),
    ];
    let bounded = ids
        .iter()
        .map(|(n, v)| (*n, *v, MAX_ID_CHARS))
        .chain(texts.iter().map(|(n, v)| (*n, *v, MAX_ENDPOINT_TEXT_CHARS)))
        .chain([("ip", &e.ip, MAX_IP_CHARS)]);
    for (name, value, max) in bounded {
        if let Some(v) = value {
            check_text(v, &format!("{field}.{name}"), max)?;
        }
    }
    if let Some(t) = e.db_type.as_deref() {
        if !DB_TYPES.contains(&t) {
            return Err(Error::invalid_with(
                format!("{field}.db_type"),
                Reason::OneOf(DB_TYPES),
            ));
        }
    }
    if e.db_port == Some(0) {
        return Err(Error::invalid(format!("{field}.db_port")));
    }
    if e.safe_mode.is_some_and(|m| !(0..=1).contains(&m)) {
        return Err(Error::invalid(format!("{field}.safe_mode")));
    }
    Ok(())
}

/// An endpoint as requests carry it: the password fields are read (so that a wrongly typed one
/// is reported) and then dropped; they are never stored.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EndpointReq {
    #[serde(flatten)]
    #[schema(inline)]
    pub endpoint: Endpoint,
    #[serde(default)]
    pub db_password: Option<String>,
    #[serde(default)]
    pub ssl_cert_password: Option<String>,
}

/// Period order of a yearly/monthly job.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PeriodOrder {
    #[serde(default)]
    pub period_type: Option<i64>,
    #[serde(default)]
    pub period_num: Option<i64>,
    #[serde(default)]
    pub is_auto_renew: Option<i64>,
}

/// One job of `batch-creation` (the SDK's `CreateJobReq`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateJobReq {
    pub name: Option<String>,
    #[schema(value_type = Option<crate::enums::DbUseType>)]
    pub db_use_type: Option<String>,
    pub engine_type: Option<String>,
    #[schema(value_type = Option<crate::enums::JobDirection>)]
    pub job_direction: Option<String>,
    #[schema(value_type = Option<crate::enums::NetType>)]
    pub net_type: Option<String>,
    #[schema(value_type = Option<NodeType>)]
    pub node_type: Option<String>,
    #[schema(value_type = Option<crate::enums::TaskType>)]
    pub task_type: Option<String>,
    /// The DRS instance's subnet (the SDK's spelling).
    pub customize_sutnet_id: Option<String>,
    pub source_endpoint: Option<EndpointReq>,
    pub target_endpoint: Option<EndpointReq>,
    pub description: Option<String>,
    pub bind_eip: Option<bool>,
    pub is_target_readonly: Option<bool>,
    pub multi_write: Option<bool>,
    pub node_num: Option<i64>,
    pub tags: Option<Vec<ResourceTag>>,
    pub sys_tags: Option<Vec<ResourceTag>>,
    pub expired_days: Option<String>,
    pub master_az: Option<String>,
    pub slave_az: Option<String>,
    #[schema(value_type = Option<crate::enums::ChargingMode>)]
    pub charging_mode: Option<String>,
    pub period_order: Option<PeriodOrder>,
    pub product_id: Option<String>,
    pub is_open_fast_clean: Option<bool>,
}

/// The settings a job was created with that the list does not show (kept for the detail).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_num: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_target_readonly: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multi_write: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_eip: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_days: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_az: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slave_az: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_order: Option<PeriodOrder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub alarm_notify: Option<Value>,
    /// The replication instance's CPU architecture (`x86`, `arm`: the v5 `node_info`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// The replication instance's VPC (the v5 `node_info.vpc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    /// How the v5 API described the source endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_kind: Option<EndpointKind>,
    /// How the v5 API described the target endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_kind: Option<EndpointKind>,
}

/// An endpoint's deployment and scenario as the v5 API names them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndpointKind {
    /// `offline`, `ecs` or `cloud`.
    pub endpoint_type: String,
    /// Such as `mysql`, `ecs_mysql`, `cloud_mysql`.
    pub endpoint_name: String,
}

/// A yearly/monthly order: `period_type` 2 (months, 1–9) or 3 (years, 1–3), `period_num` in
/// that range, `is_auto_renew` 0 or 1 when given.
pub fn check_period_order(p: &PeriodOrder, field: &str) -> Result<()> {
    let ok = matches!(p.period_type, Some(2 | 3))
        && p.period_num.is_some()
        && matches!(p.is_auto_renew, None | Some(0 | 1));
    if !ok {
        return Err(Error::invalid(field));
    }
    // Months 1–9, years 1–3, as Huawei Cloud's yearly/monthly orders allow.
    let max = if p.period_type == Some(2) { 9 } else { 3 };
    if p.period_num.is_some_and(|n| !(1..=max).contains(&n)) {
        return Err(Error::invalid_with(
            format!("{field}.period_num"),
            Reason::OutOfRange { min: 1, max },
        ));
    }
    Ok(())
}

/// A validated job to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub name: String,
    pub db_use_type: DbUseType,
    pub engine_type: String,
    pub job_direction: JobDirection,
    pub net_type: NetType,
    pub task_type: TaskType,
    pub description: String,
    pub enterprise_project_id: String,
    pub tags: Vec<(String, String)>,
    pub source_endpoint: Endpoint,
    pub target_endpoint: Endpoint,
    pub spec: JobSpec,
}

impl NewJob {
    /// How it is paid for, as its settings say (pay-per-use unless `period`).
    pub fn charging_mode(&self) -> ChargingMode {
        self.spec
            .charging_mode
            .as_deref()
            .and_then(ChargingMode::parse)
            .unwrap_or(ChargingMode::OnDemand)
    }
}

impl CreateJobReq {
    /// Validates item `i`.
    pub fn validate(self, i: usize) -> Result<NewJob> {
        let f = |name: &str| format!("jobs[{i}].{name}");
        let name = required(&self.name, &f("name"))?.to_string();
        check_name(&name, &f("name"))?;
        required(&self.db_use_type, &f("db_use_type"))?;
        let db_use_type = one_of::<DbUseType>(self.db_use_type.as_deref(), &f("db_use_type"))?
            .ok_or_else(|| Error::empty(f("db_use_type")))?;
        let engine_type = required(&self.engine_type, &f("engine_type"))?.to_string();
        if !is_engine_type(&engine_type) {
            return Err(Error::invalid_with(f("engine_type"), Reason::UnknownEngine));
        }
        required(&self.job_direction, &f("job_direction"))?;
        let job_direction =
            one_of::<JobDirection>(self.job_direction.as_deref(), &f("job_direction"))?
                .ok_or_else(|| Error::empty(f("job_direction")))?;
        required(&self.net_type, &f("net_type"))?;
        let net_type = one_of::<NetType>(self.net_type.as_deref(), &f("net_type"))?
            .ok_or_else(|| Error::empty(f("net_type")))?;
        let task_type = one_of::<TaskType>(self.task_type.as_deref(), &f("task_type"))?
            .unwrap_or(TaskType::FullIncrTrans);
        let node_type = match self.node_type.as_deref() {
            None | Some("") => "high".to_string(),
            Some(t) if NODE_TYPES.contains(&t) => t.to_string(),
            Some(_) => {
                return Err(Error::invalid_with(
                    f("node_type"),
                    Reason::OneOf(NODE_TYPES),
                ))
            }
        };
        let subnet = required(&self.customize_sutnet_id, &f("customize_sutnet_id"))?.to_string();
        check_text(&subnet, &f("customize_sutnet_id"), MAX_ID_CHARS)?;
        let source = self
            .source_endpoint
            .ok_or_else(|| Error::empty(f("source_endpoint")))?;
        let target = self
            .target_endpoint
            .ok_or_else(|| Error::empty(f("target_endpoint")))?;
        check_endpoint(&source, &f("source_endpoint"))?;
        check_endpoint(&target, &f("target_endpoint"))?;
        let (source, target) = (source.endpoint, target.endpoint);
        let description = self.description.unwrap_or_default();
        check_description(&description, &f("description"))?;
        if net_type == NetType::Eip && self.bind_eip != Some(true) {
            return Err(Error::invalid(f("bind_eip")));
        }
        if self.node_num.is_some_and(|n| !(1..=32).contains(&n)) {
            return Err(Error::invalid_with(
                f("node_num"),
                Reason::OutOfRange { min: 1, max: 32 },
            ));
        }
        for (name, value) in [
            ("master_az", &self.master_az),
            ("slave_az", &self.slave_az),
            ("product_id", &self.product_id),
        ] {
            if let Some(v) = value {
                check_text(v, &f(name), MAX_ID_CHARS)?;
            }
        }
        let tags = check_tags(self.tags.as_deref().unwrap_or_default())?;
        let mut enterprise_project_id = "0".to_string();
        for t in self.sys_tags.as_deref().unwrap_or_default() {
            match (t.key.as_deref(), t.value.as_deref()) {
                (Some("_sys_enterprise_project_id"), Some(v))
                    if !v.trim().is_empty() && v.chars().count() <= MAX_ID_CHARS =>
                {
                    enterprise_project_id = v.trim().to_string();
                }
                _ => return Err(Error::invalid(f("sys_tags"))),
            }
        }
        let expired_days = match self.expired_days.as_deref() {
            None | Some("") => None,
            Some(d) => match d.parse::<u32>() {
                Ok(n) if (14..=100).contains(&n) => Some(n.to_string()),
                _ => return Err(Error::invalid(f("expired_days"))),
            },
        };
        if self.master_az.is_some() != self.slave_az.is_some() {
            return Err(Error::invalid(f("slave_az")));
        }
        let charging_mode = match self.charging_mode.as_deref() {
            None | Some("") | Some("on_demand") => None,
            Some("period") => Some("period".to_string()),
            Some(_) => {
                return Err(Error::invalid_with(
                    f("charging_mode"),
                    Reason::OneOf(&["period", "on_demand"]),
                ))
            }
        };
        if let Some(p) = &self.period_order {
            check_period_order(p, &f("period_order"))?;
        } else if charging_mode.is_some() {
            return Err(Error::empty(f("period_order")));
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
            source_endpoint: source,
            target_endpoint: target,
            spec: JobSpec {
                node_type: Some(node_type),
                node_num: self.node_num,
                subnet_id: Some(subnet),
                is_target_readonly: self.is_target_readonly,
                multi_write: Some(self.multi_write.unwrap_or(false)),
                bind_eip: self.bind_eip,
                expired_days: expired_days.or_else(|| Some("14".into())),
                master_az: self.master_az,
                slave_az: self.slave_az,
                charging_mode: Some(charging_mode.unwrap_or_else(|| "on_demand".into())),
                period_order: self.period_order,
                ..JobSpec::default()
            },
        })
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StartInfo {
    pub job_id: Option<String>,
    pub is_only_init_task: Option<bool>,
    pub is_auto_create_compare: Option<bool>,
    pub start_time: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PauseInfo {
    pub job_id: Option<String>,
    #[schema(value_type = Option<PauseMode>)]
    pub pause_mode: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RetryInfo {
    pub job_id: Option<String>,
    pub is_sync_re_edit: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DeleteJobReq {
    pub job_id: Option<String>,
    #[schema(value_type = Option<DeleteType>)]
    pub delete_type: Option<String>,
    pub is_show_breakpoint_position: Option<bool>,
}

/// Every string inside `v` (a free-form JSON value) is bounded text; nesting is bounded too.
fn check_strings(v: &Value, field: &str, depth: usize) -> Result<()> {
    match v {
        Value::String(s) => check_text(s, field, MAX_ALARM_TEXT_CHARS),
        _ if depth > 8 => Err(Error::invalid(field)),
        Value::Array(items) => items
            .iter()
            .try_for_each(|i| check_strings(i, field, depth + 1)),
        Value::Object(map) => map.iter().try_for_each(|(k, i)| {
            check_text(k, field, MAX_ALARM_TEXT_CHARS)?;
            check_strings(i, field, depth + 1)
        }),
        _ => Ok(()),
    }
}

/// One job of `batch-modification` (the SDK's `ModifyJobReq`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ModifyJobReq {
    pub job_id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub alarm_notify: Option<Value>,
    #[schema(value_type = Option<crate::enums::TaskType>)]
    pub task_type: Option<String>,
    pub source_endpoint: Option<EndpointReq>,
    pub target_endpoint: Option<EndpointReq>,
    #[schema(value_type = Option<NodeType>)]
    pub node_type: Option<String>,
    pub engine_type: Option<String>,
    #[schema(value_type = Option<crate::enums::NetType>)]
    pub net_type: Option<String>,
    pub store_db_info: Option<bool>,
    pub is_recreate: Option<bool>,
    #[schema(value_type = Option<crate::enums::JobDirection>)]
    pub job_direction: Option<String>,
    pub is_target_readonly: Option<bool>,
    pub replace_definer: Option<bool>,
    pub tags: Option<Vec<ResourceTag>>,
    #[schema(value_type = Option<crate::enums::DbUseType>)]
    pub db_use_type: Option<String>,
    pub product_id: Option<String>,
}

/// A validated modification: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Modification {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Added or replaced by key; other tags stay.
    pub tags: Vec<(String, String)>,
    pub alarm_notify: Option<Value>,
    /// Days an abnormal job is kept before it ends by itself (`"14"`–`"100"`; the v5 API).
    pub expired_days: Option<String>,
    pub task_type: Option<TaskType>,
    pub net_type: Option<NetType>,
    pub job_direction: Option<JobDirection>,
    pub node_type: Option<String>,
    pub is_target_readonly: Option<bool>,
    pub source_endpoint: Option<Endpoint>,
    pub target_endpoint: Option<Endpoint>,
    /// Must equal the job's own, when given: a job cannot change scenario or engine.
    pub db_use_type: Option<DbUseType>,
    pub engine_type: Option<String>,
}

impl Modification {
    /// Whether it changes how the task runs (rather than only its name, description, tags, alarms).
    pub fn is_configuration(&self) -> bool {
        self.task_type.is_some()
            || self.net_type.is_some()
            || self.job_direction.is_some()
            || self.node_type.is_some()
            || self.is_target_readonly.is_some()
            || self.source_endpoint.is_some()
            || self.target_endpoint.is_some()
    }
}

impl ModifyJobReq {
    fn validate(self, i: usize) -> Result<Modification> {
        let f = |name: &str| format!("jobs[{i}].{name}");
        if let Some(n) = &self.name {
            check_name(n, &f("name"))?;
        }
        if let Some(d) = &self.description {
            check_description(d, &f("description"))?;
        }
        if let Some(a) = &self.alarm_notify {
            check_alarm(a, &f("alarm_notify"))?;
        }
        let endpoint = |e: Option<EndpointReq>, field: &str| -> Result<Option<Endpoint>> {
            e.map(|e| check_endpoint(&e, &f(field)).map(|_| e.endpoint))
                .transpose()
        };
        let node_type = match self.node_type.as_deref() {
            None | Some("") => None,
            Some(t) if NODE_TYPES.contains(&t) => Some(t.to_string()),
            Some(_) => {
                return Err(Error::invalid_with(
                    f("node_type"),
                    Reason::OneOf(NODE_TYPES),
                ))
            }
        };
        let engine_type = match self.engine_type.as_deref() {
            None | Some("") => None,
            Some(e) if is_engine_type(e) => Some(e.to_string()),
            Some(_) => return Err(Error::invalid_with(f("engine_type"), Reason::UnknownEngine)),
        };
        Ok(Modification {
            name: self.name,
            description: self.description,
            tags: check_tags(self.tags.as_deref().unwrap_or_default())?,
            alarm_notify: self.alarm_notify,
            expired_days: None,
            task_type: one_of::<TaskType>(self.task_type.as_deref(), &f("task_type"))?,
            net_type: one_of::<NetType>(self.net_type.as_deref(), &f("net_type"))?,
            job_direction: one_of::<JobDirection>(
                self.job_direction.as_deref(),
                &f("job_direction"),
            )?,
            node_type,
            is_target_readonly: self.is_target_readonly,
            source_endpoint: endpoint(self.source_endpoint, "source_endpoint")?,
            target_endpoint: endpoint(self.target_endpoint, "target_endpoint")?,
            db_use_type: one_of::<DbUseType>(self.db_use_type.as_deref(), &f("db_use_type"))?,
            engine_type,
        })
    }
}

/// `alarm_notify`: delays 1–3600 s, at most 10 endpoints per subscription, `sms` or `email`.
fn check_alarm(a: &Value, field: &str) -> Result<()> {
    let Some(obj) = a.as_object() else {
        return Err(Error::invalid_with(field, Reason::WrongType));
    };
    check_strings(a, field, 0)?;
    for key in ["delay_time", "rto_delay", "rpo_delay"] {
        if let Some(v) = obj.get(key).filter(|v| !v.is_null()) {
            if !v.as_i64().is_some_and(|n| (1..=3600).contains(&n)) {
                return Err(Error::invalid(format!("{field}.{key}")));
            }
        }
    }
    if let Some(subs) = obj.get("subscriptions").filter(|v| !v.is_null()) {
        let Some(subs) = subs.as_array() else {
            return Err(Error::invalid_with(
                format!("{field}.subscriptions"),
                Reason::WrongType,
            ));
        };
        for s in subs {
            let protocol_ok = matches!(
                s.get("protocol").and_then(Value::as_str),
                Some("sms" | "email")
            );
            let endpoints_ok = s
                .get("endpoints")
                .and_then(Value::as_array)
                .is_some_and(|e| e.len() <= 10 && e.iter().all(Value::is_string));
            if !protocol_ok || !endpoints_ok {
                return Err(Error::invalid(format!("{field}.subscriptions")));
            }
        }
    }
    Ok(())
}

/// What an operation item carries besides its job and operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `Op::Modify`.
    Modify(Box<Modification>),
    /// `Op::SelectObjects`.
    Objects(ObjectSelection),
    /// `Op::SetSpeed`.
    Speed(Vec<SpeedRange>),
    /// `Op::TestConnection`: one endpoint (v3 `batch-connection`), or each endpoint of the job
    /// (the v5 `network` action).
    Connection(Vec<ConnectionTest>),
    /// `Op::SkipPrecheck`: the names of the items to skip.
    Skip(Vec<String>),
}

/// A batch write item, ready for the store: valid, or already answered with its error.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteItem {
    Create(Box<NewJob>),
    Act {
        job_id: String,
        op: Op,
        payload: Option<Box<Payload>>,
    },
    Rejected {
        id: Option<String>,
        name: Option<String>,
        error: Error,
    },
}

impl WriteItem {
    fn rejected(id: Option<String>, error: Error) -> WriteItem {
        WriteItem::Rejected {
            id,
            name: None,
            error,
        }
    }
}

/// Which batch write API an item list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    Create,
    Start,
    Pause,
    Retry,
    Modify,
    Delete,
    /// `batch-connection`.
    Connect,
    /// `batch-select-objects`.
    SelectObjects,
    /// `batch-limit-speed`.
    SetSpeed,
    /// `batch-precheck`.
    Precheck,
    /// `batch-switchover`.
    Switchover,
}

impl BatchKind {
    /// The API operation's name (as the SDK names it), for the audit trail.
    pub fn operation(self) -> &'static str {
        match self {
            BatchKind::Connect => "BatchValidateConnections",
            BatchKind::SelectObjects => "BatchSetObjects",
            BatchKind::SetSpeed => "BatchSetSpeed",
            BatchKind::Precheck => "BatchCheckJobs",
            BatchKind::Switchover => "BatchSwitchover",
            BatchKind::Create => "BatchCreateJobs",
            BatchKind::Start => "BatchStartJobs",
            BatchKind::Pause => "BatchStopJobs",
            BatchKind::Retry => "BatchRestoreTask",
            BatchKind::Modify => "BatchUpdateJob",
            BatchKind::Delete => "BatchDeleteJobs",
        }
    }
}

type JobOp = (String, Op, Option<Box<Payload>>);

fn job_op(kind: BatchKind, i: usize, v: Value, pause: bool) -> Result<JobOp> {
    let id = |v: &Option<String>| required(v, &format!("jobs[{i}].job_id")).map(str::to_string);
    let boxed = |p: Payload| Some(Box::new(p));
    Ok(match kind {
        BatchKind::Connect => {
            let t: TestEndPoint = item(i, v)?;
            let job = required(&t.id, &format!("jobs[{i}].id"))?.to_string();
            let test = t.validate(i)?;
            (
                job,
                Op::TestConnection,
                boxed(Payload::Connection(vec![test])),
            )
        }
        BatchKind::SelectObjects => {
            let o: UpdateDatabaseObjectReq = item(i, v)?;
            let job = id(&o.job_id)?;
            let selection = o.validate(i)?;
            (job, Op::SelectObjects, boxed(Payload::Objects(selection)))
        }
        BatchKind::SetSpeed => {
            let s: LimitSpeedReq = speed_item(i, v)?;
            let job = required(&s.job_id, &format!("speed_limits[{i}].job_id"))?.to_string();
            let ranges = s.validate(i)?;
            (job, Op::SetSpeed, boxed(Payload::Speed(ranges)))
        }
        BatchKind::Precheck => {
            let p: PreCheckInfo = item(i, v)?;
            let job = id(&p.job_id)?;
            let mode = p.mode(i)?;
            (job, Op::Precheck { mode }, None)
        }
        BatchKind::Switchover => {
            let job = match &v {
                Value::String(s) if !s.trim().is_empty() => s.trim().to_string(),
                Value::String(_) | Value::Null => return Err(Error::empty(format!("jobs[{i}]"))),
                _ => return Err(Error::invalid_with(format!("jobs[{i}]"), Reason::WrongType)),
            };
            (job, Op::Switchover { pause }, None)
        }
        BatchKind::Start => {
            let s: StartInfo = item(i, v)?;
            let at_ms = match s.start_time.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(t) => Some(
                    t.parse::<i64>()
                        .ok()
                        .filter(|ms| *ms > 0)
                        .ok_or_else(|| Error::invalid(format!("jobs[{i}].start_time")))?,
                ),
            };
            (id(&s.job_id)?, Op::Start { at_ms }, None)
        }
        BatchKind::Pause => {
            let p: PauseInfo = item(i, v)?;
            let job = id(&p.job_id)?;
            let field = format!("jobs[{i}].pause_mode");
            match p.pause_mode.as_deref() {
                None | Some("") => return Err(Error::empty(field)),
                Some("target" | "all") => {}
                Some(_) => return Err(Error::invalid_with(field, Reason::OneOf(PAUSE_MODES))),
            }
            (job, Op::Pause, None)
        }
        BatchKind::Retry => {
            let r: RetryInfo = item(i, v)?;
            (id(&r.job_id)?, Op::Restore, None)
        }
        BatchKind::Delete => {
            let d: DeleteJobReq = item(i, v)?;
            let job = id(&d.job_id)?;
            let field = format!("jobs[{i}].delete_type");
            let op = match d.delete_type.as_deref() {
                None | Some("") => return Err(Error::empty(field)),
                Some("terminate") => Op::Terminate,
                Some("force_terminate") => Op::ForceTerminate,
                Some("delete") => Op::Delete,
                Some(_) => return Err(Error::invalid_with(field, Reason::OneOf(DELETE_TYPES))),
            };
            (job, op, None)
        }
        BatchKind::Modify => {
            let m: ModifyJobReq = item(i, v)?;
            let job = id(&m.job_id)?;
            let m = m.validate(i)?;
            let op = Op::Modify {
                configuration: m.is_configuration(),
            };
            (job, op, boxed(Payload::Modify(Box::new(m))))
        }
        BatchKind::Create => return Err(Error::internal("creation items are not job operations")),
    })
}

/// Reads item `i` of `speed_limits` (its fields are named `speed_limits[i].…`).
fn speed_item(i: usize, v: Value) -> Result<LimitSpeedReq> {
    if !v.is_object() {
        return Err(Error::invalid_with(
            format!("speed_limits[{i}]"),
            Reason::WrongType,
        ));
    }
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        Error::invalid_with(format!("speed_limits[{i}].{path}"), Reason::WrongType)
    })
}

/// The envelope of `kind`'s body: its items, the name of their list, and `is_pause_job`.
fn envelope(kind: BatchKind, body: &[u8]) -> Result<(Vec<Value>, &'static str, bool)> {
    Ok(match kind {
        BatchKind::SetSpeed => {
            let e = crate::query::parse_json::<SpeedEnvelope>(body)?;
            (
                bounded_items(e.speed_limits, "speed_limits")?,
                "speed_limits",
                false,
            )
        }
        BatchKind::Switchover => {
            let e = crate::query::parse_json::<SwitchoverEnvelope>(body)?;
            let pause = e.is_pause_job.unwrap_or(false);
            (bounded_items(e.jobs, "jobs")?, "jobs", pause)
        }
        _ => (batch_items(body)?, "jobs", false),
    })
}

/// The job IDs a body names (for the audit record of a refused call).
pub fn named_job_ids(kind: BatchKind, body: &[u8]) -> Vec<String> {
    envelope(kind, body)
        .map(|(items, _, _)| items.iter().filter_map(|v| raw_job_id(kind, v)).collect())
        .unwrap_or_default()
}

/// Validates every item of a batch body for `kind`. Only the envelope can fail the call; the
/// same job named twice is refused as a whole (`DRS.M00202`), as its outcome would be ambiguous.
pub fn parse_batch(kind: BatchKind, body: &[u8]) -> Result<Vec<WriteItem>> {
    let (raw, list, pause) = envelope(kind, body)?;
    if kind != BatchKind::Create {
        let mut seen = std::collections::HashSet::new();
        if !raw
            .iter()
            .filter_map(|v| item_key(kind, v))
            .all(|id| seen.insert(id))
        {
            return Err(Error::invalid_with(list, Reason::Duplicate));
        }
    }
    Ok(raw
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            if kind == BatchKind::Create {
                let name = v.get("name").and_then(Value::as_str).map(str::to_string);
                return match item::<CreateJobReq>(i, v).and_then(|r| r.validate(i)) {
                    Ok(job) => WriteItem::Create(Box::new(job)),
                    Err(error) => WriteItem::Rejected {
                        id: None,
                        name,
                        error,
                    },
                };
            }
            let raw_id = raw_job_id(kind, &v);
            match job_op(kind, i, v, pause) {
                Ok((job_id, op, payload)) => WriteItem::Act {
                    job_id,
                    op,
                    payload,
                },
                Err(e) => WriteItem::rejected(raw_id, e),
            }
        })
        .collect())
}

/// What the store did with one item.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemOutcome {
    Created {
        id: String,
        name: String,
        status: JobStatus,
        create_time_ms: i64,
    },
    Applied {
        id: String,
        /// The job's name (after the write).
        name: String,
        status: JobStatus,
    },
    /// A switchover accepted: the roles the job's databases will have once it completes.
    Switched {
        id: String,
        view: Box<crate::workflow::answers::SwitchoverView>,
    },
    Failed {
        id: Option<String>,
        name: Option<String>,
        error: Error,
    },
}

impl ItemOutcome {
    /// The item's error code, if it failed.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            ItemOutcome::Failed { error, .. } => Some(error.code()),
            _ => None,
        }
    }

    /// The job the item named or created, if known.
    pub fn job_id(&self) -> Option<&str> {
        match self {
            ItemOutcome::Created { id, .. }
            | ItemOutcome::Applied { id, .. }
            | ItemOutcome::Switched { id, .. } => Some(id),
            ItemOutcome::Failed { id, .. } => id.as_deref(),
        }
    }
}

/// An item of the `batch-creation` answer (`CreateJobResp`). `create_time` is epoch ms.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreateJobResp {
    /// Absent on an item that created nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_ids: Option<Vec<String>>,
}

/// An item of the other batch write answers (`StartJobResp`, `PauseJobResp`, `RetryTaskResp`,
/// `ModifyJobResp`, `DeleteJobResp`): `status` is `success` or `failed`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobOpResp {
    pub id: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

/// `{results, count}`, the shape of every batch write answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchWriteResponse<T> {
    pub results: Vec<T>,
    pub count: usize,
}

/// Renders creation outcomes in `lang`.
pub fn creation_answer(outcomes: &[ItemOutcome], lang: Lang) -> BatchWriteResponse<CreateJobResp> {
    let results = outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Created {
                id,
                name,
                status,
                create_time_ms,
            } => CreateJobResp {
                id: Some(id.clone()),
                name: Some(name.clone()),
                status: Some(status.as_str().to_string()),
                create_time: Some(create_time_ms.to_string()),
                error_code: None,
                error_msg: None,
                child_ids: Some(Vec::new()),
            },
            ItemOutcome::Switched { id, .. } => CreateJobResp {
                id: Some(id.clone()),
                name: None,
                status: None,
                create_time: None,
                error_code: None,
                error_msg: None,
                child_ids: None,
            },
            ItemOutcome::Applied { id, name, status } => CreateJobResp {
                id: Some(id.clone()),
                name: Some(name.clone()),
                status: Some(status.as_str().to_string()),
                create_time: None,
                error_code: None,
                error_msg: None,
                child_ids: None,
            },
            ItemOutcome::Failed { id, name, error } => CreateJobResp {
                id: id.clone(),
                name: name.clone(),
                status: Some("failed".into()),
                create_time: None,
                error_code: Some(error.code().to_string()),
                error_msg: Some(message(error, lang)),
                child_ids: None,
            },
        })
        .collect::<Vec<_>>();
    BatchWriteResponse {
        count: results.len(),
        results,
    }
}

/// Renders job-operation outcomes in `lang`.
pub fn operation_answer(outcomes: &[ItemOutcome], lang: Lang) -> BatchWriteResponse<JobOpResp> {
    let results = outcomes
        .iter()
        .map(|o| match o {
            ItemOutcome::Created { id, .. }
            | ItemOutcome::Applied { id, .. }
            | ItemOutcome::Switched { id, .. } => JobOpResp {
                id: id.clone(),
                status: "success".into(),
                error_code: None,
                error_msg: None,
            },
            ItemOutcome::Failed { id, error, .. } => JobOpResp {
                id: id.clone().unwrap_or_default(),
                status: "failed".into(),
                error_code: Some(error.code().to_string()),
                error_msg: Some(message(error, lang)),
            },
        })
        .collect::<Vec<_>>();
    BatchWriteResponse {
        count: results.len(),
        results,
    }
}

#[cfg(test)]
mod tests;
