//! `PUT /v5/{project_id}/jobs/{job_id}` (UpdateJob): `{"job": {"type", "params"}}` becomes the
//! same [`Modification`] a v3 `batch-modification` item makes. `name`, `description`,
//! `expired_days` and `notify` change a job's metadata (allowed until it is released, as in v3);
//! the other types reconfigure a job created in batches and asynchronously (`all`, `network`,
//! `policy`, `db_object`, `precheck`, `re_create`): `DRS.M00202` "not supported by this service yet".

use super::{create::BaseInfoReq, required};
use crate::{
    enums::{one_of, UpdateType},
    error::{Error, Reason, Result},
    ops::{check_description, check_name, check_text, Modification, MAX_ALARM_TEXT_CHARS},
};
use serde::{Deserialize, Serialize};

/// The body (`SingleUpdateJobReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SingleUpdateJobReq {
    pub job: Option<UpdateJobReq>,
}

/// `UpdateJobReq`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateJobReq {
    /// `name`, `description`, `expired_days`, `notify` (and, not supported yet, `re_create`,
    /// `all`, `network`, `policy`, `db_object`, `precheck`).
    #[serde(rename = "type")]
    #[schema(value_type = Option<crate::enums::UpdateType>)]
    pub kind: Option<String>,
    pub params: Option<UpdateParams>,
}

/// `UpdateJob`: the fields the supported types read (others are ignored).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateParams {
    /// When given, the path's job.
    pub job_id: Option<String>,
    pub base_info: Option<BaseInfoReq>,
    pub alarm_notify: Option<AlarmNotifyReq>,
}

/// `AlarmNotifyConfig`: delays in seconds, 0–3600 (0: no alarm on that delay).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AlarmNotifyReq {
    pub alarm_to_user: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_urn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpo_delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rto_delay: Option<i64>,
}

impl SingleUpdateJobReq {
    /// Validates the change for the job `job_id` (the path's).
    pub fn validate(self, job_id: &str) -> Result<Modification> {
        let job = self.job.ok_or_else(|| Error::empty("job"))?;
        let kind = one_of::<UpdateType>(job.kind.as_deref(), "job.type")?
            .ok_or_else(|| Error::empty("job.type"))?;
        let params = job.params.ok_or_else(|| Error::empty("job.params"))?;
        if params
            .job_id
            .as_deref()
            .is_some_and(|id| !id.is_empty() && id != job_id)
        {
            return Err(Error::invalid("job.params.job_id"));
        }
        let base = || {
            params
                .base_info
                .clone()
                .ok_or_else(|| Error::empty("job.params.base_info"))
        };
        let mut m = Modification::default();
        match kind {
            UpdateType::Name => {
                let field = "job.params.base_info.name";
                let name = required(&base()?.name, field)?.to_string();
                check_name(&name, field)?;
                m.name = Some(name);
            }
            UpdateType::Description => {
                let field = "job.params.base_info.description";
                let d = base()?.description.ok_or_else(|| Error::empty(field))?;
                check_description(&d, field)?;
                m.description = Some(d);
            }
            UpdateType::ExpiredDays => {
                let field = "job.params.base_info.expired_days";
                let d = required(&base()?.expired_days, field)?.to_string();
                let days = d
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (14..=100).contains(n))
                    .ok_or_else(|| {
                        Error::invalid_with(field, Reason::OutOfRange { min: 14, max: 100 })
                    })?;
                m.expired_days = Some(days.to_string());
            }
            UpdateType::Notify => {
                let a = params
                    .alarm_notify
                    .ok_or_else(|| Error::empty("job.params.alarm_notify"))?;
                if a.alarm_to_user.is_none() {
                    return Err(Error::empty("job.params.alarm_notify.alarm_to_user"));
                }
                if let Some(t) = &a.topic_urn {
                    check_text(t, "job.params.alarm_notify.topic_urn", MAX_ALARM_TEXT_CHARS)?;
                }
                for (name, v) in [
                    ("delay_time", a.delay_time),
                    ("rpo_delay", a.rpo_delay),
                    ("rto_delay", a.rto_delay),
                ] {
                    if v.is_some_and(|n| !(0..=3600).contains(&n)) {
                        return Err(Error::invalid_with(
                            format!("job.params.alarm_notify.{name}"),
                            Reason::OutOfRange { min: 0, max: 3600 },
                        ));
                    }
                }
                m.alarm_notify = Some(serde_json::to_value(&a).map_err(Error::internal)?);
            }
            UpdateType::ReCreate
            | UpdateType::All
            | UpdateType::Network
            | UpdateType::Policy
            | UpdateType::DbObject
            | UpdateType::Precheck => {
                return Err(Error::invalid_with("job.type", Reason::NotYetSupported))
            }
        }
        Ok(m)
    }
}
