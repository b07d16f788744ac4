//! The v5 job API (`/v5/{project_id}/jobs…`, `/v5/{project_id}/enterprise-projects`): its wire
//! types and their validation into the SAME domain values the v3 API uses (`JobQuery`, `NewJob`,
//! `Modification`, `Op`), and its answers. Everything decided about a job — the state machine,
//! the writes, the store, the permissions — is the v3 API's; `service` holds one call per
//! operation on [`crate::service::Jobs`].

pub mod actions;
pub mod create;
pub mod detail;
pub mod enterprise;
pub mod list;
pub mod names;
pub mod network;
pub mod params;
pub mod runs;
mod service;
pub mod update;

pub use service::ShowActionsResponse;

use crate::{
    error::{Error, Reason, Result},
    json::{utf8_json, Strict},
    lang::Lang,
    messages::message,
    ops::ItemOutcome,
};
use serde::{de::DeserializeOwned, Serialize};

/// Parses a JSON object body: an empty body is `T::default()`; malformed JSON, a body that is
/// not UTF-8 (even inside an ignored field) or another JSON value is `DRS.M00300`; a field of the
/// wrong type (also an array where an object belongs, [`Strict`]) is `DRS.M00202` naming its
/// whole path (such as `job.base_info.name`).
pub fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Error::request("the body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_str(utf8_json(bytes)?);
    let parsed: T = serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() && path != "." && !path.is_empty() {
            Error::invalid_with(path, Reason::WrongType)
        } else {
            Error::request(format!("the body is not a valid JSON object: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| Error::request(format!("the body is not a valid JSON object: {e}")))?;
    Ok(parsed)
}

/// A required text field: absent, `null` or blank is `DRS.M00201` naming it.
pub(crate) fn required<'a>(v: &'a Option<String>, field: &str) -> Result<&'a str> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Err(Error::empty(field)),
        Some(s) => Ok(s),
    }
}

/// The answer for one job of a v5 write (`ActionBaseResp`, `DeleteJobResp`, `UpdateJobResponse`,
/// `StopJobActionResponse`): `status` is `success` or `failed`, lowercase (as Terraform reads it).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ActionBaseResp {
    pub id: String,
    /// The job's name; absent when the job is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `success` or `failed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

impl ActionBaseResp {
    /// The item answer of one outcome, in `lang`.
    pub fn of(outcome: &ItemOutcome, lang: Lang) -> ActionBaseResp {
        match outcome {
            ItemOutcome::Created { id, name, .. } | ItemOutcome::Applied { id, name, .. } => {
                ActionBaseResp {
                    id: id.clone(),
                    name: Some(name.clone()),
                    status: "success".into(),
                    error_code: None,
                    error_msg: None,
                }
            }
            ItemOutcome::Switched { id, .. } => ActionBaseResp {
                id: id.clone(),
                name: None,
                status: "success".into(),
                error_code: None,
                error_msg: None,
            },
            ItemOutcome::Failed { id, name, error } => ActionBaseResp {
                id: id.clone().unwrap_or_default(),
                name: name.clone(),
                status: "failed".into(),
                error_code: Some(error.code().to_string()),
                error_msg: Some(message(error, lang)),
            },
        }
    }

    /// A single-job call's answer: the job's on success, the item's error otherwise (the whole
    /// call fails with it, as a single call has nothing else to say).
    pub fn single(outcome: ItemOutcome, lang: Lang) -> Result<ActionBaseResp> {
        match outcome {
            ItemOutcome::Failed { error, .. } => Err(error),
            ok => Ok(ActionBaseResp::of(&ok, lang)),
        }
    }
}

/// `{"jobs": [...]}`: the answer of the v5 batch writes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchJobsResp {
    pub jobs: Vec<ActionBaseResp>,
}

impl BatchJobsResp {
    pub fn of(outcomes: &[ItemOutcome], lang: Lang) -> BatchJobsResp {
        BatchJobsResp {
            jobs: outcomes
                .iter()
                .map(|o| ActionBaseResp::of(o, lang))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
