//! The workflow write bodies, item by item, as the SDK models them: `TestEndPoint`
//! (`batch-connection`), `UpdateDatabaseObjectReq` (`batch-select-objects`), `LimitSpeedReq`
//! (`batch-limit-speed`), `PreCheckInfo` (`batch-precheck`); and the reads' ID lists. A bad
//! item is that item's error (the envelope is `crate::ops`'s).

use super::state::{DbObject, ObjectSelection, SpeedRange};
use crate::{
    enums::{one_of, NetType},
    error::{Error, Reason, Result},
    lifecycle::PrecheckMode,
    ops::{check_text, MAX_ENDPOINT_TEXT_CHARS, MAX_ID_CHARS, MAX_IP_CHARS, MAX_PASSWORD_CHARS},
};
use serde::Deserialize;
use serde_json::Value;

/// Most objects one job's selection may name.
pub const MAX_OBJECTS: usize = 1000;
/// Most flow-control ranges of a job.
pub const MAX_SPEED_RANGES: usize = 3;
/// Longest SSL certificate (base64) read.
pub const MAX_CERT_CHARS: usize = 65_536;

/// Which database of a job an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// `so`.
    Source,
    /// `ta`.
    Target,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Source => "so",
            Side::Target => "ta",
        }
    }
}

/// One endpoint of `batch-connection` (the SDK's `TestEndPoint`). Passwords and certificates
/// are read (so that a wrongly typed one is reported) and dropped.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TestEndPoint {
    /// The job.
    pub id: Option<String>,
    #[schema(value_type = Option<crate::enums::NetType>)]
    pub net_type: Option<String>,
    pub db_type: Option<String>,
    /// `host`, `host:port`, or several, comma-separated; the job's own when absent.
    pub ip: Option<String>,
    /// 0 or absent: the port in `ip`, else the job's.
    pub db_port: Option<i64>,
    pub inst_id: Option<String>,
    pub db_user: Option<String>,
    pub db_password: Option<String>,
    pub ssl_link: Option<bool>,
    pub ssl_cert_key: Option<String>,
    pub ssl_cert_name: Option<String>,
    pub ssl_cert_check_sum: Option<String>,
    pub ssl_cert_password: Option<String>,
    pub vpc_id: Option<String>,
    pub subnet_id: Option<String>,
    /// `so` (source, the default) or `ta` (target).
    #[schema(value_type = Option<EndpointSide>)]
    pub end_point_type: Option<String>,
    pub region: Option<String>,
    pub project_id: Option<String>,
    pub db_name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub kafka_security_config: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub customized_dns: Option<Value>,
}

/// A validated connection test: which endpoint, and the address given (else the job's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionTest {
    pub side: Side,
    pub ip: Option<String>,
    pub db_port: Option<u16>,
    pub inst_id: Option<String>,
}

fn f(i: usize, name: &str) -> String {
    format!("jobs[{i}].{name}")
}

fn bounded(i: usize, fields: &[(&str, &Option<String>, usize)]) -> Result<()> {
    for (name, value, max) in fields {
        if let Some(v) = value {
            check_text(v, &f(i, name), *max)?;
        }
    }
    Ok(())
}

const DB_TYPES: &[&str] = &[
    "mysql",
    "mongodb",
    "gaussdbv5",
    "postgresql",
    "kafka",
    "gaussdbv5ha",
    "taurus",
    "oracle",
];

/// An endpoint's side: `so` (source) or `ta` (target).
pub const ENDPOINT_SIDES: &[&str] = &["so", "ta"];
crate::enums::schema_enum!(
    /// `so` (source) or `ta` (target).
    EndpointSide = ENDPOINT_SIDES
);

impl TestEndPoint {
    pub fn validate(self, i: usize) -> Result<ConnectionTest> {
        let side = match self.end_point_type.as_deref().map(str::trim) {
            None | Some("") | Some("so") => Side::Source,
            Some("ta") => Side::Target,
            Some(_) => {
                return Err(Error::invalid_with(
                    f(i, "end_point_type"),
                    Reason::OneOf(ENDPOINT_SIDES),
                ))
            }
        };
        one_of::<NetType>(self.net_type.as_deref(), &f(i, "net_type"))?;
        if let Some(t) = self.db_type.as_deref().filter(|t| !t.is_empty()) {
            if !DB_TYPES.contains(&t) {
                return Err(Error::invalid_with(
                    f(i, "db_type"),
                    Reason::OneOf(DB_TYPES),
                ));
            }
        }
        bounded(
            i,
            &[
                ("ip", &self.ip, MAX_IP_CHARS),
                ("inst_id", &self.inst_id, MAX_ID_CHARS),
                ("vpc_id", &self.vpc_id, MAX_ID_CHARS),
                ("subnet_id", &self.subnet_id, MAX_ID_CHARS),
                ("region", &self.region, MAX_ID_CHARS),
                ("project_id", &self.project_id, MAX_ID_CHARS),
                ("db_user", &self.db_user, MAX_ENDPOINT_TEXT_CHARS),
                ("db_name", &self.db_name, MAX_ENDPOINT_TEXT_CHARS),
                (
                    "ssl_cert_name",
                    &self.ssl_cert_name,
                    MAX_ENDPOINT_TEXT_CHARS,
                ),
                (
                    "ssl_cert_check_sum",
                    &self.ssl_cert_check_sum,
                    MAX_ENDPOINT_TEXT_CHARS,
                ),
            ],
        )?;
        for (name, value, max) in [
            ("db_password", &self.db_password, MAX_PASSWORD_CHARS),
            (
                "ssl_cert_password",
                &self.ssl_cert_password,
                MAX_PASSWORD_CHARS,
            ),
            ("ssl_cert_key", &self.ssl_cert_key, MAX_CERT_CHARS),
        ] {
            if value.as_deref().is_some_and(|v| v.chars().count() > max) {
                return Err(Error::invalid_with(f(i, name), Reason::TooLong(max)));
            }
        }
        if self.ssl_link == Some(true) {
            for (name, value) in [
                ("ssl_cert_key", &self.ssl_cert_key),
                ("ssl_cert_name", &self.ssl_cert_name),
                ("ssl_cert_check_sum", &self.ssl_cert_check_sum),
            ] {
                if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                    return Err(Error::empty(f(i, name)));
                }
            }
        }
        let db_port = match self.db_port {
            None | Some(0) => None,
            Some(p) => Some(u16::try_from(p).map_err(|_| {
                Error::invalid_with(f(i, "db_port"), Reason::OutOfRange { min: 0, max: 65535 })
            })?),
        };
        let ip = self
            .ip
            .map(|ip| ip.trim().to_string())
            .filter(|ip| !ip.is_empty());
        let inst_id = self
            .inst_id
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty());
        Ok(ConnectionTest {
            side,
            ip,
            db_port,
            inst_id,
        })
    }
}

/// One object of a selection (the SDK's `DatabaseInfo`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DatabaseInfo {
    /// A database: its name; a table or view: `<db>-*-*-<name>`.
    pub id: Option<String>,
    /// The database of a table or view.
    pub parent_id: Option<String>,
    /// `database`, `table`, `schema` or `view`.
    #[schema(value_type = Option<ObjectType>)]
    pub object_type: Option<String>,
    pub object_name: Option<String>,
    pub object_alias_name: Option<String>,
    /// `"true"`, `"false"` (the default) or `"partial"`.
    #[schema(value_type = Option<ObjectSelect>)]
    pub select: Option<String>,
}

/// One job of `batch-select-objects` (the SDK's `UpdateDatabaseObjectReq`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateDatabaseObjectReq {
    pub job_id: Option<String>,
    /// `true`: the objects in `job`; `false` (default): everything.
    pub selected: Option<bool>,
    pub sync_database: Option<bool>,
    pub job: Option<Vec<DatabaseInfo>>,
}

const OBJECT_TYPES: &[&str] = &["database", "table", "schema", "view"];
const SELECTS: &[&str] = &["true", "false", "partial"];
crate::enums::schema_enum!(
    /// `object_type` of a selected object.
    ObjectType = OBJECT_TYPES
);
crate::enums::schema_enum!(
    /// `select` of a selected object.
    ObjectSelect = SELECTS
);

impl UpdateDatabaseObjectReq {
    pub fn validate(self, i: usize) -> Result<ObjectSelection> {
        let selected = self.selected.unwrap_or(false);
        let listed = self.job.unwrap_or_default();
        if !selected {
            return Ok(ObjectSelection {
                selected,
                sync_database: self.sync_database,
                objects: Vec::new(),
            });
        }
        if listed.is_empty() {
            return Err(Error::empty(f(i, "job")));
        }
        if listed.len() > MAX_OBJECTS {
            return Err(Error::invalid_with(
                f(i, "job"),
                Reason::TooMany(MAX_OBJECTS),
            ));
        }
        let mut objects: Vec<DbObject> = Vec::with_capacity(listed.len());
        for (k, o) in listed.into_iter().enumerate() {
            let g = |name: &str| f(i, &format!("job[{k}].{name}"));
            let id =
                o.id.as_deref()
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_string();
            if id.is_empty() {
                return Err(Error::empty(g("id")));
            }
            for (name, value) in [
                ("id", &Some(id.clone())),
                ("parent_id", &o.parent_id),
                ("object_name", &o.object_name),
                ("object_alias_name", &o.object_alias_name),
            ] {
                if let Some(v) = value {
                    check_text(v, &g(name), MAX_ENDPOINT_TEXT_CHARS)?;
                }
            }
            let object_type = o.object_type.unwrap_or_else(|| "database".into());
            if !OBJECT_TYPES.contains(&object_type.as_str()) {
                return Err(Error::invalid_with(
                    g("object_type"),
                    Reason::OneOf(OBJECT_TYPES),
                ));
            }
            let parent_id = o.parent_id.filter(|p| !p.trim().is_empty());
            if matches!(object_type.as_str(), "table" | "view") && parent_id.is_none() {
                return Err(Error::empty(g("parent_id")));
            }
            let select = o.select.unwrap_or_else(|| "false".into());
            if !SELECTS.contains(&select.as_str()) {
                return Err(Error::invalid_with(g("select"), Reason::OneOf(SELECTS)));
            }
            if objects
                .iter()
                .any(|x| x.id == id && x.object_type == object_type)
            {
                return Err(Error::invalid_with(f(i, "job"), Reason::Duplicate));
            }
            objects.push(DbObject {
                id,
                parent_id,
                object_type,
                name: o.object_name,
                alias_name: o.object_alias_name,
                select,
            });
        }
        Ok(ObjectSelection {
            selected,
            sync_database: self.sync_database,
            objects,
        })
    }
}

/// One flow-control range (the SDK's `SpeedLimitInfo`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SpeedLimitInfo {
    /// `hh:mm`, UTC; a whole hour (minutes are ignored).
    pub begin: Option<String>,
    /// `hh:59`, UTC.
    pub end: Option<String>,
    /// MB/s, 1–9999, as a string.
    pub speed: Option<String>,
    pub is_utc: Option<bool>,
}

/// One job of `batch-limit-speed` (the SDK's `LimitSpeedReq`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct LimitSpeedReq {
    pub job_id: Option<String>,
    /// At most 3 ranges that do not overlap; `[]`: no limit.
    pub speed_limit: Option<Vec<SpeedLimitInfo>>,
}

/// `batch-limit-speed`'s body (the SDK's `BatchLimitSpeedReq`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchLimitSpeedReq {
    pub speed_limits: Vec<LimitSpeedReq>,
}

/// `hh:mm` → (hour, minute).
fn clock(s: &str) -> Option<(u8, u8)> {
    let (h, m) = s.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some((h, m))
}

/// The hours (0..24) a range from `begin` to `end` covers, wrapping past midnight.
fn hours(begin: u8, end: u8) -> Vec<u8> {
    let mut out = vec![begin];
    let mut h = begin;
    while h != end {
        h = (h + 1) % 24;
        out.push(h);
    }
    out
}

impl LimitSpeedReq {
    pub fn validate(self, i: usize) -> Result<Vec<SpeedRange>> {
        let field = |k: usize, name: &str| format!("speed_limits[{i}].speed_limit[{k}].{name}");
        let Some(ranges) = self.speed_limit else {
            return Err(Error::empty(format!("speed_limits[{i}].speed_limit")));
        };
        if ranges.len() > MAX_SPEED_RANGES {
            return Err(Error::invalid_with(
                format!("speed_limits[{i}].speed_limit"),
                Reason::TooMany(MAX_SPEED_RANGES),
            ));
        }
        let mut taken = [false; 24];
        let mut out = Vec::with_capacity(ranges.len());
        for (k, r) in ranges.into_iter().enumerate() {
            let begin = r.begin.unwrap_or_default();
            let end = r.end.unwrap_or_default();
            let speed = r.speed.unwrap_or_default();
            for (name, v) in [("begin", &begin), ("end", &end), ("speed", &speed)] {
                if v.trim().is_empty() {
                    return Err(Error::empty(field(k, name)));
                }
            }
            if begin.trim() == end.trim() {
                return Err(Error::SpeedRangeEmpty);
            }
            let (b, _) = clock(&begin).ok_or_else(|| Error::invalid(field(k, "begin")))?;
            let e = match clock(&end) {
                Some((h, 59)) => h,
                _ => return Err(Error::invalid(field(k, "end"))),
            };
            let mbps: i64 = speed
                .trim()
                .parse()
                .ok()
                .filter(|s| (1..=9999).contains(s))
                .ok_or_else(|| {
                    Error::invalid_with(field(k, "speed"), Reason::OutOfRange { min: 1, max: 9999 })
                })?;
            for h in hours(b, e) {
                if std::mem::replace(&mut taken[h as usize], true) {
                    return Err(Error::invalid_with(
                        format!("speed_limits[{i}].speed_limit"),
                        Reason::Overlap,
                    ));
                }
            }
            out.push(SpeedRange {
                begin: format!("{b:02}:00"),
                end: format!("{e:02}:59"),
                speed: mbps.to_string(),
                is_utc: r.is_utc,
            });
        }
        Ok(out)
    }
}

/// One job of `batch-precheck` (the SDK's `PreCheckInfo`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PreCheckInfo {
    pub job_id: Option<String>,
    /// `forStartJob` (before the first start) or `forRetryJob` (before retrying a failed task).
    #[schema(value_type = Option<crate::lifecycle::PrecheckMode>)]
    pub precheck_mode: Option<String>,
}

impl PreCheckInfo {
    pub fn mode(&self, i: usize) -> Result<PrecheckMode> {
        match self.precheck_mode.as_deref().map(str::trim) {
            None | Some("") => Err(Error::empty(f(i, "precheck_mode"))),
            Some(m) => PrecheckMode::parse(m).ok_or_else(|| {
                Error::invalid_with(f(i, "precheck_mode"), Reason::OneOf(PrecheckMode::NAMES))
            }),
        }
    }
}

/// `batch-switchover`'s body (the SDK's `BatchSwitchoverReq`): job IDs.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchSwitchoverReq {
    pub jobs: Vec<String>,
    /// `true`: pause each task once its roles have swapped (default `false`).
    pub is_pause_job: Option<bool>,
}

/// The body of the workflow reads (`batch-precheck-result`, `batch-progress`,
/// `batch-rpo-and-rto`): `{"jobs": [job IDs]}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct JobIdsReq {
    /// Job IDs (required, 1 to 100, no duplicates).
    #[serde(default)]
    pub jobs: Option<Vec<String>>,
}

impl JobIdsReq {
    /// Every ID, trimmed, then checked as `batch-status` checks them (without paging: all are
    /// answered): so `"j"` and `" j"` are the same job named twice.
    pub fn validate(self) -> Result<Vec<String>> {
        let ids: Vec<String> = self
            .jobs
            .unwrap_or_default()
            .into_iter()
            .map(|id| id.trim().to_string())
            .collect();
        crate::batch::check_ids(&ids)?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Found by fuzzing (`workflow_bodies`, docs/fuzzing.md): the IDs were checked for duplicates
    // before they were trimmed, so one job named as `"j"` and `" j"` was answered twice.
    #[test]
    fn a_workflow_read_naming_one_job_twice_with_and_without_spaces_is_a_duplicate() {
        let req = JobIdsReq {
            jobs: Some(vec!["j1".into(), " j1".into(), "j2".into()]),
        };
        let err = req.validate().expect_err("the same job twice");
        assert_eq!(err, Error::invalid_with("jobs", Reason::Duplicate));
        let ok = JobIdsReq {
            jobs: Some(vec![" j1 ".into(), "j2".into()]),
        };
        assert_eq!(ok.validate(), Ok(vec!["j1".to_string(), "j2".to_string()]));
    }

    fn speed(ranges: Value) -> Result<Vec<SpeedRange>> {
        let req: LimitSpeedReq =
            serde_json::from_value(serde_json::json!({"job_id": "j", "speed_limit": ranges}))
                .expect("shape");
        req.validate(0)
    }

    #[test]
    fn a_range_starts_on_the_hour_ends_at_59_and_the_whole_day_wraps() {
        let r = speed(serde_json::json!([{"begin": "16:30", "end": "15:59", "speed": "15"}]))
            .expect("valid");
        assert_eq!((r[0].begin.as_str(), r[0].end.as_str()), ("16:00", "15:59"));
        assert_eq!(speed(serde_json::json!([])).expect("unlimited"), vec![]);
        let bad_end = speed(serde_json::json!([{"begin": "01:00", "end": "02:00", "speed": "1"}]));
        assert_eq!(bad_end.err().map(|e| e.code()), Some("DRS.M00202"));
        let same = speed(serde_json::json!([{"begin": "01:00", "end": "01:00", "speed": "1"}]));
        assert_eq!(same, Err(Error::SpeedRangeEmpty));
    }

    #[test]
    fn ranges_may_not_overlap_exceed_three_or_leave_the_speed_bounds() {
        let overlap = speed(serde_json::json!([
            {"begin": "01:00", "end": "03:59", "speed": "1"},
            {"begin": "03:00", "end": "04:59", "speed": "2"}
        ]));
        assert!(matches!(
            overlap,
            Err(Error::InvalidParam {
                reason: Some(Reason::Overlap),
                ..
            })
        ));
        let wrap = speed(serde_json::json!([
            {"begin": "22:00", "end": "01:59", "speed": "1"},
            {"begin": "01:00", "end": "02:59", "speed": "2"}
        ]));
        assert!(
            wrap.is_err(),
            "a range past midnight overlaps the next morning's"
        );
        let four: Vec<Value> = (0..4)
            .map(|h| serde_json::json!({"begin": format!("0{h}:00"), "end": format!("0{h}:59"), "speed": "1"}))
            .collect();
        assert!(speed(Value::Array(four)).is_err());
        assert!(
            speed(serde_json::json!([{"begin": "01:00", "end": "01:59", "speed": "10000"}]))
                .is_err()
        );
        assert!(
            speed(serde_json::json!([{"begin": "01:00", "end": "01:59", "speed": "x"}])).is_err()
        );
    }

    #[test]
    fn a_custom_selection_needs_objects_and_tables_need_their_database() {
        let sel = |v: Value| {
            serde_json::from_value::<UpdateDatabaseObjectReq>(v)
                .expect("shape")
                .validate(0)
        };
        let all = sel(serde_json::json!({"job_id": "j", "selected": false})).expect("all");
        assert!(!all.selected && all.objects.is_empty());
        assert_eq!(
            sel(serde_json::json!({"job_id": "j", "selected": true, "job": []})),
            Err(Error::empty("jobs[0].job"))
        );
        let table = serde_json::json!({"job_id": "j", "selected": true,
            "job": [{"id": "shop-*-*-orders", "object_type": "table", "select": "true"}]});
        assert_eq!(sel(table), Err(Error::empty("jobs[0].job[0].parent_id")));
        let ok = sel(serde_json::json!({"job_id": "j", "selected": true,
            "job": [{"id": "shop", "object_type": "database", "select": "partial"},
                    {"id": "shop-*-*-orders", "parent_id": "shop", "object_type": "table",
                     "object_name": "orders", "select": "true"}]}))
        .expect("valid");
        assert_eq!(ok.objects.len(), 2);
    }

    #[test]
    fn a_connection_test_defaults_to_the_source_and_bounds_its_fields() {
        let t = |v: Value| {
            serde_json::from_value::<TestEndPoint>(v)
                .expect("shape")
                .validate(0)
        };
        let c = t(serde_json::json!({"id": "j", "ip": " 10.0.0.1 ", "db_port": 3306})).expect("ok");
        assert_eq!(
            c,
            ConnectionTest {
                side: Side::Source,
                ip: Some("10.0.0.1".into()),
                db_port: Some(3306),
                inst_id: None,
            }
        );
        assert!(t(serde_json::json!({"id": "j", "end_point_type": "xx"})).is_err());
        assert!(t(serde_json::json!({"id": "j", "db_port": 70000})).is_err());
        assert!(t(serde_json::json!({"id": "j", "ssl_link": true})).is_err());
        assert!(t(serde_json::json!({"id": "j", "net_type": "lan"})).is_err());
    }
}
