//! Job tags (the v5 tag APIs): validation, wire types and the tag store contract.
//!
//! A job's tags are reached as a resource `(resource_type, resource_id)`: `migration`, `sync` and
//! `cloudDataGuard` are the job's `db_use_type`; `subscription`, `backupMigration` and `replay` are
//! valid types that have no jobs here. Lists and counts cover the top-level jobs that are not
//! deleted, inside the caller's enterprise projects: the same set the v3 list searches.

pub use crate::window::Window;
use crate::{
    audit::{Actor, AuditRecord, Outcome},
    caller::{Caller, Tenant},
    enums::{DbUseType, JobStatus},
    error::{Error, Reason, Result},
    query::{fold, parse_json},
    store::StoreResult,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most tags one request may name, and most tags one job may carry.
pub const MAX_TAGS: usize = 20;
/// Longest tag key, in characters.
pub const MAX_KEY_CHARS: usize = 128;
/// Longest tag value, in characters.
pub const MAX_VALUE_CHARS: usize = 255;
/// Most values one key of a filter may list.
pub const MAX_FILTER_VALUES: usize = 20;
/// Largest (and default) page of `resource-instances/filter`.
pub const MAX_LIMIT: u64 = 1000;
/// Keys with this prefix are reserved for the system.
const SYSTEM_PREFIX: &str = "_sys_";
/// Every resource type's wire name, for error messages.
const RESOURCE_TYPES: &[&str] = &[
    "migration",
    "sync",
    "cloudDataGuard",
    "subscription",
    "backupMigration",
    "replay",
];
/// Longest `matches` value (the longest job name).
pub const MAX_MATCH_CHARS: usize = 255;
/// The only `matches` key.
const MATCH_KEYS: &[&str] = &["resource_name"];

/// `action` of `tags/action`.
pub const TAG_ACTIONS: &[&str] = &["create", "delete"];
crate::enums::schema_enum!(
    /// `create` or `delete`.
    TagAction = TAG_ACTIONS
);

/// The `{resource_type}` path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    Migration,
    Sync,
    CloudDataGuard,
    Subscription,
    BackupMigration,
    Replay,
}

impl utoipa::PartialSchema for ResourceType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::enums::string_enum_schema(RESOURCE_TYPES)
    }
}
impl utoipa::ToSchema for ResourceType {}

impl ResourceType {
    /// Parses the exact wire spelling; anything else is `DRS.M00202` naming `resource_type`.
    pub fn parse(s: &str) -> Result<ResourceType> {
        Ok(match s {
            "migration" => ResourceType::Migration,
            "sync" => ResourceType::Sync,
            "cloudDataGuard" => ResourceType::CloudDataGuard,
            "subscription" => ResourceType::Subscription,
            "backupMigration" => ResourceType::BackupMigration,
            "replay" => ResourceType::Replay,
            _ => {
                return Err(Error::invalid_with(
                    "resource_type",
                    Reason::OneOf(RESOURCE_TYPES),
                ))
            }
        })
    }

    /// The jobs of this type, if it has any here.
    pub fn db_use_type(self) -> Option<DbUseType> {
        match self {
            ResourceType::Migration => Some(DbUseType::Migration),
            ResourceType::Sync => Some(DbUseType::Sync),
            ResourceType::CloudDataGuard => Some(DbUseType::CloudDataGuard),
            ResourceType::Subscription | ResourceType::BackupMigration | ResourceType::Replay => {
                None
            }
        }
    }
}

// --- wire types -----------------------------------------------------------------------------

/// `BatchResourceTag`: a tag to add (`value` required) or to remove (`value` optional: when
/// given, the tag is removed only if its value is this one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchResourceTag {
    /// 1–128 characters: letters of any language, digits, space and `_.:=+-@`; no leading or
    /// trailing space; not starting with `_sys_`.
    #[serde(default)]
    pub key: Option<String>,
    /// At most 255 characters: letters of any language, digits, space and `_.:=+-@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Body of `tags/create` (`BatchAddTagReq`) and `tags/delete` (`BatchDeleteTagReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchTagReq {
    /// 1–20 tags, each key once.
    #[serde(default)]
    pub tags: Option<Vec<BatchResourceTag>>,
}

/// Body of the deprecated `tags/action` (`BatchDealResourceTagReq`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct BatchDealResourceTagReq {
    /// `create` or `delete` (case-sensitive).
    #[serde(default)]
    #[schema(value_type = Option<TagAction>)]
    pub action: Option<String>,
    /// 1–20 tags, each key once.
    #[serde(default)]
    pub tags: Option<Vec<BatchResourceTag>>,
}

/// One tag of a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResourceTagInfo {
    pub key: String,
    pub value: String,
}

/// The tags of one resource, by key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListInstanceTagsResponse {
    pub tags: Vec<ResourceTagInfo>,
}

/// A key used in the project, with every value it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProjectTag {
    pub key: String,
    pub values: Vec<String>,
}

/// The tags used by the project's resources of one type, by key, values sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListTagsResponse {
    pub tags: Vec<ProjectTag>,
}

/// A tag condition of a filter (the SDK's `Tag`): the resource carries `key` with one of
/// `values`; no or empty `values`: with any value.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TagValues {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub values: Option<Vec<String>>,
}

/// A field condition of a filter: `resource_name` contains `value` (case-insensitive).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TagMatch {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub value: Option<String>,
}

/// Body of `resource-instances/filter` and `resource-instances/count`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryInstanceByTagReq {
    /// `true`: only resources without any tag (`tags` is then ignored).
    #[serde(default)]
    pub without_any_tag: Option<bool>,
    /// At most 20 keys; a resource must satisfy every one.
    #[serde(default)]
    pub tags: Option<Vec<TagValues>>,
    /// Only `resource_name`; every one must hold.
    #[serde(default)]
    pub matches: Option<Vec<TagMatch>>,
}

/// A resource found by tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ResourceInstance {
    pub resource_id: String,
    /// Reserved for extensions: always `""`.
    pub resource_detail: String,
    pub resource_name: String,
    pub tags: Vec<ResourceTagInfo>,
}

/// One page of the resources found, newest first, with the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListInstanceByTagsResponse {
    pub total_count: u64,
    pub resources: Vec<ResourceInstance>,
}

/// How many resources a filter finds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CountInstanceByTagsResponse {
    pub total_count: u64,
}

// --- validation -----------------------------------------------------------------------------

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || " _.:=+-@".contains(c)
}

/// A tag key: 1–128 characters (`DRS.M00201` when empty, `DRS.M00270` when longer), letters of
/// any language, digits, space and `_.:=+-@`, no leading or trailing space, no `_sys_` prefix
/// (`DRS.M00202`).
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::empty("tags.key"));
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(Error::TagTooLong);
    }
    if key.starts_with(' ')
        || key.ends_with(' ')
        || key.starts_with(SYSTEM_PREFIX)
        || !key.chars().all(is_tag_char)
    {
        return Err(Error::invalid("tags.key"));
    }
    Ok(())
}

/// A tag value: at most 255 characters (`DRS.M00270`), letters of any language, digits, space
/// and `_.:=+-@` (`DRS.M00202`); empty is allowed.
pub fn validate_value(value: &str) -> Result<()> {
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(Error::TagTooLong);
    }
    if !value.chars().all(is_tag_char) {
        return Err(Error::invalid("tags.value"));
    }
    Ok(())
}

/// The request's tags: 1–20 of them, each with a valid key, no key twice.
fn checked_items(tags: Option<&[BatchResourceTag]>) -> Result<Vec<(String, Option<String>)>> {
    let tags = tags.unwrap_or_default();
    if tags.is_empty() {
        return Err(Error::empty("tags"));
    }
    if tags.len() > MAX_TAGS {
        return Err(Error::TooManyTags { max: MAX_TAGS });
    }
    let mut out = Vec::with_capacity(tags.len());
    for t in tags {
        let key = t.key.clone().unwrap_or_default();
        validate_key(&key)?;
        out.push((key, t.value.clone()));
    }
    let mut keys: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::TagKeyDuplicate);
    }
    Ok(out)
}

/// The tags to add: every one needs a value (`""` allowed) within the value rules.
pub fn validate_create(tags: Option<&[BatchResourceTag]>) -> Result<Vec<(String, String)>> {
    checked_items(tags)?
        .into_iter()
        .map(|(k, v)| {
            let v = v.ok_or_else(|| Error::empty("tags.value"))?;
            validate_value(&v)?;
            Ok((k, v))
        })
        .collect()
}

/// The tags to remove: a value, when given, is only compared, so only its length is checked
/// (a tag written through another API with other characters can still be removed by value).
pub fn validate_delete(tags: Option<&[BatchResourceTag]>) -> Result<Vec<(String, Option<String>)>> {
    let items = checked_items(tags)?;
    if items.iter().any(|(_, v)| {
        v.as_ref()
            .is_some_and(|v| v.chars().count() > MAX_VALUE_CHARS)
    }) {
        return Err(Error::TagTooLong);
    }
    Ok(items)
}

/// A validated change to one job's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagChange {
    /// Add these tags; an existing key gets the new value.
    Create(Vec<(String, String)>),
    /// Remove these keys (only when the value matches, if one is given); absent keys are fine.
    Delete(Vec<(String, Option<String>)>),
}

impl BatchDealResourceTagReq {
    /// `create` or `delete` and their tags.
    pub fn validate(&self) -> Result<TagChange> {
        match self.action.as_deref() {
            None | Some("") => Err(Error::empty("action")),
            Some("create") => Ok(TagChange::Create(validate_create(self.tags.as_deref())?)),
            Some("delete") => Ok(TagChange::Delete(validate_delete(self.tags.as_deref())?)),
            Some(_) => Err(Error::invalid_with("action", Reason::OneOf(TAG_ACTIONS))),
        }
    }
}

/// The page of `resource-instances/filter` from its query string: `limit` 1–1000 (default
/// 1000), `offset` ≥ 0 (default 0); anything else is `DRS.M00202` naming the parameter.
pub fn window(query: Option<&str>) -> Result<Window> {
    Window::parse(query, MAX_LIMIT, MAX_LIMIT)
}

/// The jobs a caller may reach with one resource type: top-level (for lists), not deleted, in
/// the caller's enterprise projects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagScope {
    pub db_use_type: DbUseType,
    /// `None`: every enterprise project; `Some(list)`: only these.
    pub enterprise_projects: Option<Vec<String>>,
}

impl TagScope {
    /// Whether a job with these stored attributes is reachable.
    pub fn admits(&self, db_use_type: &str, status: &str, enterprise_project_id: &str) -> bool {
        db_use_type == self.db_use_type.as_str()
            && status != JobStatus::Deleted.as_str()
            && self
                .enterprise_projects
                .as_ref()
                .is_none_or(|eps| eps.iter().any(|e| e == enterprise_project_id))
    }
}

/// A validated filter, ready for a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceQuery {
    pub scope: TagScope,
    /// Only jobs without any tag.
    pub without_any_tag: bool,
    /// (key, values): the job has the key with one of the values (any value when empty).
    /// Every key must hold. Sorted by key.
    pub tags: Vec<(String, Vec<String>)>,
    /// Folded texts the folded name must contain, every one.
    pub name_contains: Vec<String>,
}

impl QueryInstanceByTagReq {
    /// Validates the filter for the jobs of `scope`.
    pub fn validate(&self, scope: TagScope) -> Result<InstanceQuery> {
        let without_any_tag = self.without_any_tag == Some(true);
        let mut tags = Vec::new();
        if !without_any_tag {
            let given = self.tags.as_deref().unwrap_or_default();
            if given.len() > MAX_TAGS {
                return Err(Error::invalid_with("tags", Reason::TooMany(MAX_TAGS)));
            }
            for t in given {
                let key = t.key.clone().unwrap_or_default();
                if key.is_empty() {
                    return Err(Error::invalid_with("tags", Reason::Empty));
                }
                if key.chars().count() > MAX_KEY_CHARS {
                    return Err(Error::TagTooLong);
                }
                let mut values = t.values.clone().unwrap_or_default();
                if values.iter().any(|v| v.chars().count() > MAX_VALUE_CHARS) {
                    return Err(Error::TagTooLong);
                }
                if values.len() > MAX_FILTER_VALUES {
                    return Err(Error::invalid_with(
                        "values",
                        Reason::TooMany(MAX_FILTER_VALUES),
                    ));
                }
                values.sort();
                values.dedup();
                tags.push((key, values));
            }
            tags.sort();
            if tags.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(Error::TagKeyDuplicate);
            }
        }
        let mut name_contains = Vec::new();
        for m in self.matches.as_deref().unwrap_or_default() {
            match m.key.as_deref() {
                Some("resource_name") => {
                    let value = m.value.as_deref().unwrap_or_default();
                    // Job names have at most 50 characters; anything far longer matches nothing.
                    if value.chars().count() > MAX_MATCH_CHARS {
                        return Err(Error::invalid_with(
                            "matches",
                            Reason::TooLong(MAX_MATCH_CHARS),
                        ));
                    }
                    let text = fold(value);
                    if !text.is_empty() {
                        name_contains.push(text);
                    }
                }
                _ => {
                    return Err(Error::invalid_with("matches", Reason::OneOf(MATCH_KEYS)));
                }
            }
        }
        name_contains.sort();
        name_contains.dedup();
        Ok(InstanceQuery {
            scope,
            without_any_tag,
            tags,
            name_contains,
        })
    }
}

/// Groups sorted `(key, value)` pairs into keys with their values.
pub fn group_by_key(pairs: Vec<(String, String)>) -> Vec<ProjectTag> {
    let mut out: Vec<ProjectTag> = Vec::new();
    for (key, value) in pairs {
        match out.last_mut() {
            Some(last) if last.key == key => last.values.push(value),
            _ => out.push(ProjectTag {
                key,
                values: vec![value],
            }),
        }
    }
    out
}

fn infos(pairs: Vec<(String, String)>) -> Vec<ResourceTagInfo> {
    pairs
        .into_iter()
        .map(|(key, value)| ResourceTagInfo { key, value })
        .collect()
}

// --- writes and their audit -----------------------------------------------------------------

/// The audit names of the three write operations.
pub const AUDIT_CREATE: &str = "BatchCreateTags";
pub const AUDIT_DELETE: &str = "BatchDeleteTags";
pub const AUDIT_ACTION: &str = "BatchTagAction";

/// Who wrote what, for the audit record of a tag write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagAudit {
    pub actor: Actor,
    pub project_id: String,
    pub action: &'static str,
    pub job_id: String,
    pub at_ms: i64,
}

impl TagAudit {
    /// The record of this write ending with `outcome` (and `error`, if it failed).
    pub fn record(&self, outcome: Outcome, error: Option<&Error>) -> AuditRecord {
        let detail = match error {
            Some(e) => serde_json::json!({ "error_code": e.code() }),
            None => serde_json::json!({}),
        };
        AuditRecord {
            at_ms: self.at_ms,
            project_id: self.project_id.clone(),
            user_id: self.actor.user_id.clone(),
            action: self.action.to_string(),
            job_ids: vec![self.job_id.clone()],
            request_id: self.actor.request_id.clone(),
            outcome,
            detail: detail.to_string(),
        }
    }
}

/// A validated tag write on one job, with its audit record to commit in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagWrite {
    pub job_id: String,
    pub scope: TagScope,
    pub change: TagChange,
    pub audit: TagAudit,
}

/// How a tag write ended in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagWriteResult {
    Done,
    /// No reachable job with this ID (absent, deleted, another type or enterprise project).
    JobNotFound,
    /// The job would carry more than [`MAX_TAGS`] tags; nothing was written.
    TooManyTags,
}

impl TagWriteResult {
    pub fn into_result(self) -> Result<()> {
        match self {
            TagWriteResult::Done => Ok(()),
            TagWriteResult::JobNotFound => Err(Error::JobNotFound),
            TagWriteResult::TooManyTags => Err(Error::TooManyTags { max: MAX_TAGS }),
        }
    }
}

impl TagWrite {
    /// The audit record of this write having ended with `result`.
    pub fn audit_record(&self, result: TagWriteResult) -> AuditRecord {
        match result.into_result() {
            Ok(()) => self.audit.record(Outcome::Success, None),
            Err(e) => self.audit.record(Outcome::Failure, Some(&e)),
        }
    }

    /// Whether the job, carrying `existing` keys before the change, would carry too many after.
    pub fn overflows(&self, existing: &[String]) -> bool {
        let TagChange::Create(tags) = &self.change else {
            return false;
        };
        let added = tags
            .iter()
            .filter(|(k, _)| !existing.iter().any(|e| e == k))
            .count();
        existing.len() + added > MAX_TAGS
    }
}

// --- the store contract ---------------------------------------------------------------------

/// A job found by a filter, with its tags sorted by key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedJob {
    pub id: String,
    pub name: String,
    pub tags: Vec<(String, String)>,
}

/// One page of a filter's matches (newest first) and their total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstancePage {
    pub total: u64,
    pub jobs: Vec<TaggedJob>,
}

/// The tenant-scoped tag store.
#[async_trait::async_trait]
pub trait TagStore: crate::store::Store {
    /// The tags of job `job_id`, sorted by key; `None` when `scope` does not admit it.
    async fn tag_list(
        &self,
        tenant: &Tenant,
        scope: &TagScope,
        job_id: &str,
    ) -> StoreResult<Option<Vec<(String, String)>>>;

    /// Every distinct `(key, value)` on the top-level jobs of `scope`, sorted.
    async fn tag_project_list(
        &self,
        tenant: &Tenant,
        scope: &TagScope,
    ) -> StoreResult<Vec<(String, String)>>;

    /// One page of the top-level jobs matching `query`, newest first, with the total.
    async fn tag_instance_page(
        &self,
        tenant: &Tenant,
        query: &InstanceQuery,
        window: Window,
    ) -> StoreResult<InstancePage>;

    /// How many top-level jobs match `query`.
    async fn tag_instance_count(&self, tenant: &Tenant, query: &InstanceQuery) -> StoreResult<u64>;
}

mod service;
pub use service::Tags;

#[cfg(test)]
mod tests;
