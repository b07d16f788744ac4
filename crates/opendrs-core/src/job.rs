//! A job as the domain knows it, and its wire views (`JobInfo`, `ChildrenJobInfo`) for the list.

use crate::{
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    lifecycle::{job_action, JobActionResp, Step},
};
use serde::{Deserialize, Serialize};

/// One migration, synchronization or disaster-recovery task, with its subtasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: String,
    pub status: JobStatus,
    pub description: String,
    /// Creation time, milliseconds since the Unix epoch (UTC).
    pub create_time_ms: i64,
    pub engine_type: String,
    pub net_type: NetType,
    pub billing_tag: bool,
    pub job_direction: JobDirection,
    pub db_use_type: DbUseType,
    pub task_type: TaskType,
    pub node_new_framework: bool,
    pub error_msg: Option<String>,
    pub enterprise_project_id: String,
    /// Pay-per-use or yearly/monthly (the v5 list shows it and sorts on it).
    pub charging_mode: ChargingMode,
    /// Whether its replication instance is a primary/standby pair across two availability zones.
    pub is_multi_az: bool,
    pub tags: Vec<(String, String)>,
    pub source_endpoint: Endpoint,
    pub target_endpoint: Endpoint,
    pub children: Vec<Job>,
    /// A status-keeping step in progress (a precheck, a switchover), if any.
    pub running: Option<Step>,
}

/// A database endpoint of a job (source or target). Passwords are never kept here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Endpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inst_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inst_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_link: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_mode: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mongo_ha_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_mode: Option<String>,
}

/// `create_time` as the list shows it: `yyyy-MM-dd HH:mm:ss`, UTC.
pub fn format_list_time(ms: i64) -> String {
    const FMT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(FMT).ok())
        .unwrap_or_default()
}

/// A time as the v5 API shows it: ISO 8601 in UTC, to the second (`2022-11-07T16:15:18Z`).
pub fn format_iso_time(ms: i64) -> String {
    const FMT: &[time::format_description::BorrowedFormatItem<'static>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .and_then(|t| t.format(FMT).ok())
        .unwrap_or_default()
}

// Borrows from the `Job` it shows, so rendering a page copies no strings.
/// A task in the list response (the SDK's `JobInfo`; field order as the original's example).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobInfo<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub status: JobStatus,
    pub description: &'a str,
    /// `yyyy-MM-dd HH:mm:ss`, UTC.
    pub create_time: String,
    /// The failure cause, only on jobs that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<&'a str>,
    pub engine_type: &'a str,
    pub net_type: NetType,
    pub billing_tag: bool,
    pub job_direction: JobDirection,
    pub db_use_type: DbUseType,
    pub task_type: TaskType,
    pub children: Vec<ChildrenJobInfo<'a>>,
    #[serde(rename = "node_newFramework")]
    pub node_new_framework: bool,
    pub job_action: &'static JobActionResp,
}

/// A subtask inside its parent's `children` (the SDK's `ChildrenJobInfo`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildrenJobInfo<'a> {
    pub billing_tag: bool,
    pub create_time: String,
    pub db_use_type: DbUseType,
    pub description: &'a str,
    pub engine_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<&'a str>,
    pub id: &'a str,
    pub job_direction: JobDirection,
    pub name: &'a str,
    pub net_type: NetType,
    #[serde(rename = "node_newFramework")]
    pub node_new_framework: bool,
    pub status: JobStatus,
    pub task_type: TaskType,
    pub job_action: &'static JobActionResp,
}

impl<'a> From<&'a Job> for JobInfo<'a> {
    fn from(j: &'a Job) -> Self {
        JobInfo {
            id: &j.id,
            name: &j.name,
            status: j.status,
            description: &j.description,
            create_time: format_list_time(j.create_time_ms),
            error_msg: j.error_msg.as_deref(),
            engine_type: &j.engine_type,
            net_type: j.net_type,
            billing_tag: j.billing_tag,
            job_direction: j.job_direction,
            db_use_type: j.db_use_type,
            task_type: j.task_type,
            children: j.children.iter().map(ChildrenJobInfo::from).collect(),
            node_new_framework: j.node_new_framework,
            job_action: job_action(j.status, j.db_use_type, j.running),
        }
    }
}

impl<'a> From<&'a Job> for ChildrenJobInfo<'a> {
    fn from(j: &'a Job) -> Self {
        ChildrenJobInfo {
            billing_tag: j.billing_tag,
            create_time: format_list_time(j.create_time_ms),
            db_use_type: j.db_use_type,
            description: &j.description,
            engine_type: &j.engine_type,
            error_msg: j.error_msg.as_deref(),
            id: &j.id,
            job_direction: j.job_direction,
            name: &j.name,
            net_type: j.net_type,
            node_new_framework: j.node_new_framework,
            status: j.status,
            task_type: j.task_type,
            job_action: job_action(j.status, j.db_use_type, j.running),
        }
    }
}

/// The list response (`ShowJobListResponse`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobListResponse<'a> {
    pub total_record: u64,
    pub jobs: Vec<JobInfo<'a>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_time_is_formatted_as_the_original_shows_it() {
        // 2020-12-21 10:57:49 UTC, the original's example.
        assert_eq!(format_list_time(1_608_548_269_000), "2020-12-21 10:57:49");
        assert_eq!(format_list_time(1_608_548_269_999), "2020-12-21 10:57:49");
    }

    #[test]
    fn v5_times_are_iso_8601_in_utc_as_the_original_s_detail_example() {
        assert_eq!(format_iso_time(1_667_837_718_000), "2022-11-07T16:15:18Z");
    }
}
