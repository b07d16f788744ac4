//! `GET /v5/{project_id}/enterprise-projects` (ShowEnterpriseProject): the project's enterprise
//! projects the caller may use, filtered by name and paged.

use super::params::Params;
use crate::{
    caller::Caller, error::Result, job::format_iso_time, query::fold, store::EnterpriseProjectRow,
};
use serde::Serialize;

/// Default page size (the SDK's).
pub const DEFAULT_LIMIT: u64 = 10;
/// Largest page size.
pub const MAX_LIMIT: u64 = 1000;

/// The query: `offset` ≥ 0 (default 0), `limit` 1–1000 (default 10), `name` a case-insensitive
/// part of the name; `domain_id` is accepted and ignored (the caller's account is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseQuery {
    pub offset: u64,
    pub limit: u64,
    pub name: Option<String>,
}

impl EnterpriseQuery {
    pub fn parse(raw: Option<&str>) -> Result<EnterpriseQuery> {
        let p = Params::parse(raw)?;
        let _ = p.one("domain_id")?;
        Ok(EnterpriseQuery {
            offset: p.number("offset", 0, 0, i64::MAX as u64)?,
            limit: p.number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?,
            name: p.one("name")?.map(|n| fold(n.trim())),
        })
    }

    /// The page of `rows` (by ID) the caller may see that match.
    pub fn answer(
        &self,
        caller: &Caller,
        rows: &[EnterpriseProjectRow],
    ) -> ShowEnterpriseProjectResponse {
        let visible: Vec<&EnterpriseProjectRow> = rows
            .iter()
            .filter(|r| {
                caller
                    .enterprise_projects
                    .as_ref()
                    .is_none_or(|eps| eps.contains(&r.id))
            })
            .filter(|r| {
                self.name
                    .as_ref()
                    .is_none_or(|n| fold(&r.name).contains(n.as_str()))
            })
            .collect();
        ShowEnterpriseProjectResponse {
            count: visible.len() as u64,
            enterprise_project_list: visible
                .into_iter()
                .skip(usize::try_from(self.offset).unwrap_or(usize::MAX))
                .take(usize::try_from(self.limit).unwrap_or(usize::MAX))
                .map(|r| EnterpriseProject {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    description: String::new(),
                    status: "1".into(),
                    created_at: format_iso_time(r.created_at_ms),
                    updated_at: format_iso_time(r.created_at_ms),
                })
                .collect(),
        }
    }
}

/// The answer (`ShowEnterpriseProjectResponse`): `count` ignores paging.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShowEnterpriseProjectResponse {
    pub count: u64,
    pub enterprise_project_list: Vec<EnterpriseProject>,
}

/// `EnterpriseProject`: `"0"` is the default one; `status` `"1"` (enabled) — enterprise projects
/// here are never disabled; times are the project's creation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseProject {
    pub id: String,
    pub name: String,
    pub description: String,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
}
