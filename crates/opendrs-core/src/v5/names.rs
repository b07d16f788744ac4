//! `POST /v5/{project_id}/jobs/name-validation` (ValidateJobName): whether a name may be given to
//! a new job — the creation rules (4–50 characters, 4–80 for backup migration `offline`; a letter
//! first; letters, digits, `-`, `_`) and, for `trans` jobs, not taken by a live job of the project.

use super::required;
use crate::{
    enums::{one_of, NameKind},
    error::{Error, Result},
    ops::check_name_within,
};
use serde::{Deserialize, Serialize};

/// The body (`CheckJobNameReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CheckJobNameReq {
    pub name: Option<String>,
    /// `trans` (migration, synchronization, disaster recovery), `subscription` or `offline`
    /// (backup migration).
    #[serde(rename = "type")]
    #[schema(value_type = Option<crate::enums::NameKind>)]
    pub kind: Option<String>,
}

/// The answer (`ValidateJobNameResponse`): `is_valid` is `true` (a name that is not valid is an
/// error: `DRS.M00202`, or `DRS.M00277` with 422 when it is taken, as documented).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ValidateJobNameResponse {
    pub is_valid: bool,
}

/// A name to look up: it has the right form, and its kind of job could hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCheck {
    pub name: String,
    /// Whether the project's jobs could already hold it (only `trans` jobs are kept here).
    pub look_up: bool,
}

impl CheckJobNameReq {
    pub fn validate(&self) -> Result<NameCheck> {
        let kind = one_of::<NameKind>(self.kind.as_deref(), "type")?
            .ok_or_else(|| Error::empty("type"))?;
        let name = required(&self.name, "name")?;
        let max = if kind == NameKind::Offline { 80 } else { 50 };
        check_name_within(name, "name", max)?;
        Ok(NameCheck {
            name: name.to_string(),
            look_up: kind == NameKind::Trans,
        })
    }
}
