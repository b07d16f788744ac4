//! The closed enumerations of the DRS job model (`drs-v3-api.md` §2.4), as Rust enums that
//! parse from and print to their exact wire spelling.

use crate::error::{Error, Reason, Result};

/// Declares a wire enumeration: variants, their exact spelling, `ALL`, `as_str` and `parse`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Every value's wire spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// The exact wire spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the exact wire spelling (case-sensitive, as the original).
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl WireEnum for $name {
            const NAMES: &'static [&'static str] = $name::NAMES;
            fn parse_wire(s: &str) -> Option<Self> {
                $name::parse(s)
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                string_enum_schema($name::NAMES)
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}

/// Declares the OpenAPI schema of a string field whose values are a closed list that validation
/// keeps as a constant (`Reason::OneOf(LIST)`): `pub struct $name;`, a string that is one of
/// `$names`, for `#[schema(value_type = Option<$name>)]` on the field. The list is the one the
/// validation checks, so the document and the service cannot disagree.
macro_rules! schema_enum {
    ($(#[$meta:meta])* $name:ident = $names:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::enums::string_enum_schema($names)
            }
        }
        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use schema_enum;

/// The OpenAPI schema of a closed enumeration: a string that is one of `names`.
pub fn string_enum_schema(
    names: &'static [&'static str],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(names.iter().copied()))
        .into()
}

/// A closed enumeration with an exact wire spelling (every `wire_enum!`).
pub trait WireEnum: Sized + Copy + 'static {
    /// Every value's wire spelling.
    const NAMES: &'static [&'static str];
    /// Parses the exact wire spelling.
    fn parse_wire(s: &str) -> Option<Self>;
}

/// An optional enumerated field: absent or `""` is `None`; a value outside the enumeration is
/// `DRS.M00202` naming `field` and the allowed values.
pub fn one_of<T: WireEnum>(value: Option<&str>, field: &str) -> Result<Option<T>> {
    match value {
        None | Some("") => Ok(None),
        Some(s) => T::parse_wire(s)
            .map(Some)
            .ok_or_else(|| Error::invalid_with(field, Reason::OneOf(T::NAMES))),
    }
}

wire_enum!(
    /// The replication scenario.
    DbUseType { Migration = "migration", Sync = "sync", CloudDataGuard = "cloudDataGuard" }
);

wire_enum!(
    /// How DRS reaches the databases.
    NetType { Vpn = "vpn", Vpc = "vpc", Eip = "eip" }
);

wire_enum!(
    /// The task mode.
    TaskType { FullTrans = "FULL_TRANS", FullIncrTrans = "FULL_INCR_TRANS", IncrTrans = "INCR_TRANS" }
);

wire_enum!(
    /// How a job is paid for (`charging_mode`; the v5 list sorts on it as `pay_mode`).
    ChargingMode { OnDemand = "on_demand", Period = "period" }
);

wire_enum!(
    /// The direction of the data flow relative to the cloud.
    JobDirection { Up = "up", Down = "down", NonDbs = "non-dbs" }
);

wire_enum!(
    /// Every task status the SDK knows (29 values).
    JobStatus {
        Creating = "CREATING",
        CreateFailed = "CREATE_FAILED",
        Configuration = "CONFIGURATION",
        StartJobing = "STARTJOBING",
        WaitingForStart = "WAITING_FOR_START",
        StartJobFailed = "START_JOB_FAILED",
        Pausing = "PAUSING",
        FullTransferStarted = "FULL_TRANSFER_STARTED",
        FullTransferFailed = "FULL_TRANSFER_FAILED",
        FullTransferComplete = "FULL_TRANSFER_COMPLETE",
        IncreTransferStarted = "INCRE_TRANSFER_STARTED",
        IncreTransferFailed = "INCRE_TRANSFER_FAILED",
        ReleaseResourceStarted = "RELEASE_RESOURCE_STARTED",
        ReleaseResourceFailed = "RELEASE_RESOURCE_FAILED",
        ReleaseResourceComplete = "RELEASE_RESOURCE_COMPLETE",
        RebuildNodeStarted = "REBUILD_NODE_STARTED",
        RebuildNodeFailed = "REBUILD_NODE_FAILED",
        ChangeJobStarted = "CHANGE_JOB_STARTED",
        ChangeJobFailed = "CHANGE_JOB_FAILED",
        Deleted = "DELETED",
        ChildTransferStarting = "CHILD_TRANSFER_STARTING",
        ChildTransferStarted = "CHILD_TRANSFER_STARTED",
        ChildTransferComplete = "CHILD_TRANSFER_COMPLETE",
        ChildTransferFailed = "CHILD_TRANSFER_FAILED",
        ReleaseChildTransferStarted = "RELEASE_CHILD_TRANSFER_STARTED",
        ReleaseChildTransferComplete = "RELEASE_CHILD_TRANSFER_COMPLETE",
        NodeUpgradeStart = "NODE_UPGRADE_START",
        NodeUpgradeComplete = "NODE_UPGRADE_COMPLETE",
        NodeUpgradeFailed = "NODE_UPGRADE_FAILED",
    }
);

wire_enum!(
    /// What a job list is ordered by (the v5 list's `sort_key`; the v3 list is always
    /// `create_time`). See [`crate::query::Sort`].
    SortKey {
        CreateTime = "create_time",
        Name = "name",
        Status = "status",
        NetType = "net_type",
        JobDirection = "job_direction",
        PayMode = "pay_mode",
    }
);

wire_enum!(
    /// The direction of a list's order (`sort_dir`).
    SortDir { Desc = "desc", Asc = "asc" }
);

wire_enum!(
    /// What `GET /v5/{project_id}/jobs/{job_id}?type=` shows of a job (the SDK's list).
    DetailType {
        Overview = "overview",
        Detail = "detail",
        Network = "network",
        Precheck = "precheck",
        Progress = "progress",
        Log = "log",
        Compare = "compare",
        File = "file",
        IsWritable = "is_writable",
        CloudConnection = "cloud_connection",
        Diagnosis = "diagnosis",
        DiagnosisHistory = "diagnosis_history",
        RepairProgress = "repair_progress",
        RepairDetail = "repair_detail",
        RepairExportStatus = "repair_export_status",
        DbTableDetails = "db_table_details",
    }
);

wire_enum!(
    /// The v5 job actions (`action_name` of `POST …/jobs/{job_id}/action`; the SDK's list).
    ActionName {
        Network = "network",
        Precheck = "precheck",
        Start = "start",
        Stop = "stop",
        Restart = "restart",
        Reset = "reset",
        Terminate = "terminate",
        SkipPrecheck = "skip_precheck",
        CreateCompare = "create_compare",
        CancelCompare = "cancel_compare",
        ColumnLimit = "column_limit",
        ReloadParameters = "reload_parameters",
        SetWritable = "set_writable",
        SetReadonly = "set_readonly",
        Diagnosis = "diagnosis",
        BindEip = "bind_eip",
        UnbindEip = "unbind_eip",
        CloudConnection = "cloud_connection",
        StartRepair = "start_repair",
        StopRepair = "stop_repair",
    }
);

wire_enum!(
    /// What `PUT /v5/{project_id}/jobs/{job_id}` changes (`job.type`; the SDK's list).
    UpdateType {
        Name = "name",
        Description = "description",
        ReCreate = "re_create",
        ExpiredDays = "expired_days",
        Notify = "notify",
        All = "all",
        Network = "network",
        Policy = "policy",
        DbObject = "db_object",
        Precheck = "precheck",
    }
);

wire_enum!(
    /// The kind of task a name is checked for (`type` of `POST …/jobs/name-validation`).
    NameKind { Trans = "trans", Subscription = "subscription", Offline = "offline" }
);

impl JobStatus {
    /// Whether the status is a failure that carries an `error_msg`.
    pub fn is_failure(self) -> bool {
        self.as_str().ends_with("_FAILED")
    }
}

/// The engine types a job can have (`drs-v3-api.md` §2.4: the SDK's list, the current
/// documentation's, and every value seen in the original's other APIs).
pub const ENGINE_TYPES: &[&str] = &[
    "mysql",
    "mongodb",
    "cloudDataGuard-mysql",
    "gaussdbv5",
    "mysql-to-kafka",
    "taurus-to-kafka",
    "gaussdbv5ha-to-kafka",
    "postgresql",
    "oracle-to-gaussdbv5",
    "oracle-to-gaussdbv5ha",
    "gaussdbv5-to-oracle",
    "gaussdbv5ha-to-oracle",
    "gaussdbv5-to-kafka",
    "mysql-to-taurus",
    "redis-to-gaussredis",
    "rediscluster-to-gaussredis",
    "cloudDataGuard-cassandra",
    "cloudDataGuard-ddm",
    "cloudDataGuard-taurus-to-mysql",
    "cloudDataGuard-mysql-to-taurus",
    // The v5 API's `JobBaseInfo` (MySQL to MySQL, real-time synchronization).
    "mysql-to-mysql",
];

/// Whether `s` is a known engine type.
pub fn is_engine_type(s: &str) -> bool {
    ENGINE_TYPES.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_twenty_nine_statuses_and_each_round_trips() {
        assert_eq!(JobStatus::ALL.len(), 29);
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(*s));
        }
    }

    #[test]
    fn wire_spellings_are_case_sensitive() {
        assert_eq!(
            DbUseType::parse("cloudDataGuard"),
            Some(DbUseType::CloudDataGuard)
        );
        assert_eq!(DbUseType::parse("clouddataguard"), None);
        assert_eq!(NetType::parse("EIP"), None);
    }

    #[test]
    fn failures_are_the_statuses_ending_in_failed() {
        let failed: Vec<_> = JobStatus::ALL.iter().filter(|s| s.is_failure()).collect();
        assert_eq!(failed.len(), 9);
        assert!(JobStatus::StartJobFailed.is_failure());
        assert!(!JobStatus::Deleted.is_failure());
    }
}
