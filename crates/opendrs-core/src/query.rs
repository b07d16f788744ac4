//! The tenant task query: the wire body of `POST /v3/{project_id}/jobs`, its validation
//! (`decisions.md` §1), and the validated [`JobQuery`] that stores execute.

use crate::{
    caller::Caller,
    enums::{is_engine_type, one_of, DbUseType, JobStatus, NetType, SortDir, SortKey},
    error::{Error, PageProblem, Reason, Result},
    job::Job,
    json::{utf8_json, Strict},
};
pub mod grams;

use serde::{
    de::{value::MapAccessDeserializer, value::SeqAccessDeserializer, MapAccess, SeqAccess},
    Deserialize, Deserializer,
};
use std::{cmp::Ordering, collections::BTreeMap};

/// Most IDs a comma-separated `name` may list.
pub const MAX_NAME_IDS: usize = 100;
/// Most tag pairs a query may filter on.
pub const MAX_TAGS: usize = 20;
/// Most `instance_ids` a query may filter on.
pub const MAX_INSTANCE_IDS: usize = 10;
/// Longest job ID (the original's IDs have 36 characters).
pub const MAX_JOB_ID_CHARS: usize = 36;
/// Longest `name` filter: 100 IDs, each followed by a comma and a space — long enough for
/// any ID list, and no longer (a job name has at most 50 characters).
pub const MAX_NAME_FILTER_CHARS: usize = MAX_NAME_IDS * (MAX_JOB_ID_CHARS + 2);
/// Longest enterprise project ID, instance ID or instance IP in a query.
pub const MAX_FILTER_ID_CHARS: usize = 64;
/// Longest tag key and value in a query (as the tag APIs allow).
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 255;
/// Largest `per_page`.
pub const MAX_PER_PAGE: i64 = 100;

/// The request body (`QueryJobsReq`). Unknown fields are ignored; `null` equals absent.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryJobsReq {
    /// Current page, from 1; `0` returns every match. Default 1.
    #[serde(default)]
    pub cur_page: Option<i64>,
    /// Page size, 0..=100; `0` (with `cur_page` 0 or 1) returns every match. Default 10.
    #[serde(default)]
    pub per_page: Option<i64>,
    /// `migration`, `sync` or `cloudDataGuard`. Required.
    #[serde(default)]
    #[schema(value_type = Option<crate::enums::DbUseType>)]
    pub db_use_type: Option<String>,
    #[serde(default)]
    pub engine_type: Option<String>,
    #[serde(default)]
    pub enterprise_project_id: Option<String>,
    /// A case-insensitive part of the name, an exact ID, or up to 100 IDs separated by commas.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::enums::NetType>)]
    pub net_type: Option<String>,
    /// Accepted and ignored.
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::enums::JobStatus>)]
    pub status: Option<String>,
    /// `{"key": "value", …}` or the legacy `[{"key": …, "value": …}]`; every pair must match.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub tags: Option<TagsInput>,
    #[serde(default)]
    pub instance_ids: Option<Vec<String>>,
    #[serde(default)]
    pub instance_ip: Option<String>,
}

/// Both wire forms of the `tags` filter.
#[derive(Debug)]
pub enum TagsInput {
    Map(BTreeMap<String, String>),
    List(Vec<ResourceTag>),
}

/// An object is the map form, an array the list form (read item by item, so that under
/// [`Strict`] an item must be an object, as everywhere else).
impl<'de> Deserialize<'de> for TagsInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Form;
        impl<'de> serde::de::Visitor<'de> for Form {
            type Value = TagsInput;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of tags or an array of {key, value}")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TagsInput, A::Error> {
                Deserialize::deserialize(MapAccessDeserializer::new(map)).map(TagsInput::Map)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TagsInput, A::Error> {
                Deserialize::deserialize(SeqAccessDeserializer::new(seq)).map(TagsInput::List)
            }
        }
        d.deserialize_any(Form)
    }
}

/// The legacy tag form; no or empty `value` means "has this key".
#[derive(Debug, Deserialize)]
pub struct ResourceTag {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// Which page of the ordered result to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Paging {
    /// Every match, streamed.
    All,
    Page {
        offset: u64,
        limit: u64,
    },
}

/// How `name` narrows the result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NameFilter {
    /// Exact job IDs (the value had commas).
    Ids(Vec<String>),
    /// The ID equals the (lowercased) text, or the lowercased name contains it.
    Text(String),
}

/// The order of a list: by `key` (text keys byte-wise, `name` case-folded), then by
/// `create_time`, then by `id` — all three in `dir`. A job's ID is unique in its project, so the
/// order is total: two reads of an unchanged list page alike, and paging neither repeats nor
/// skips a job. Every key has its own index in both engines (`jobs_top_by_*`), walked forwards or
/// backwards, so no page sorts the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub dir: SortDir,
}

impl Default for Sort {
    /// The v3 list's order: newest first (ties by ID, descending).
    fn default() -> Self {
        Sort {
            key: SortKey::CreateTime,
            dir: SortDir::Desc,
        }
    }
}

/// A job's value for a sort key other than `create_time` (which has none besides the time).
pub fn sort_value(job: &Job, key: SortKey) -> Option<String> {
    Some(match key {
        SortKey::CreateTime => return None,
        SortKey::Name => fold(&job.name),
        SortKey::Status => job.status.as_str().to_string(),
        SortKey::NetType => job.net_type.as_str().to_string(),
        SortKey::JobDirection => job.job_direction.as_str().to_string(),
        SortKey::PayMode => job.charging_mode.as_str().to_string(),
    })
}

impl Sort {
    /// The order of two jobs as the stores return them (text compared byte-wise, as SQLite's
    /// `BINARY` and PostgreSQL's `COLLATE "C"` do).
    pub fn compare(&self, a: &Job, b: &Job) -> Ordering {
        let ascending = sort_value(a, self.key)
            .cmp(&sort_value(b, self.key))
            .then_with(|| a.create_time_ms.cmp(&b.create_time_ms))
            .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()));
        match self.dir {
            SortDir::Asc => ascending,
            SortDir::Desc => ascending.reverse(),
        }
    }
}

/// Where a keyset read of a list continues: the last job read, as its order sees it (its sort
/// value, creation time and ID). The next read takes what comes strictly after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// [`sort_value`] of the job (`None` for `create_time`).
    pub key: Option<String>,
    pub time_ms: i64,
    pub id: String,
}

impl Cursor {
    /// The cursor just past `job` in an order by `key`.
    pub fn after(job: &Job, key: SortKey) -> Cursor {
        Cursor {
            key: sort_value(job, key),
            time_ms: job.create_time_ms,
            id: job.id.clone(),
        }
    }
}

/// A validated query, ready for a store. Deleted jobs are excluded unless `status` is `DELETED`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobQuery {
    pub db_use_type: DbUseType,
    pub status: Option<JobStatus>,
    pub engine_type: Option<String>,
    pub net_type: Option<NetType>,
    /// `None`: every enterprise project; `Some(list)`: only jobs in one of these.
    pub enterprise_projects: Option<Vec<String>>,
    pub name: Option<NameFilter>,
    /// (key, value); `None` value means the key alone must be present.
    pub tags: Vec<(String, Option<String>)>,
    pub instance_ids: Vec<String>,
    pub instance_ip: Option<String>,
    pub paging: Paging,
    /// The order (the v3 list's is the default).
    pub sort: Sort,
}

impl JobQuery {
    /// Approximately how many bytes this query occupies (its own size and its strings), for
    /// caches that bound their memory.
    pub fn weight(&self) -> usize {
        let strings = |v: &[String]| v.iter().map(|s| s.len() + 24).sum::<usize>();
        std::mem::size_of::<Self>()
            + self.engine_type.as_ref().map_or(0, String::len)
            + self.enterprise_projects.as_deref().map_or(0, strings)
            + match &self.name {
                Some(NameFilter::Ids(ids)) => strings(ids),
                Some(NameFilter::Text(t)) => t.len(),
                None => 0,
            }
            + self
                .tags
                .iter()
                .map(|(k, v)| k.len() + v.as_ref().map_or(0, String::len) + 48)
                .sum::<usize>()
            + strings(&self.instance_ids)
            + self.instance_ip.as_ref().map_or(0, String::len)
    }

    /// Whether the total can be computed from per-status counters alone (no text, tag or
    /// instance filter).
    pub fn is_enum_only(&self) -> bool {
        self.name.is_none()
            && self.tags.is_empty()
            && self.instance_ids.is_empty()
            && self.instance_ip.is_none()
    }
}

/// Folds text for case-insensitive matching (Unicode lowercase).
pub fn fold(s: &str) -> String {
    s.to_lowercase()
}

/// Parses the raw body bytes. An empty body counts as `{}`.
pub fn parse_body(body: &[u8]) -> Result<QueryJobsReq> {
    parse_json(body)
}

/// Parses a JSON object body into `T`: malformed JSON, a non-object or a body that is not UTF-8
/// is `DRS.M00300`, a known field of the wrong type (also an array where an object is expected,
/// see [`Strict`]) is `DRS.M00202` naming the field, an empty body is `T::default()`.
pub fn parse_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') && first != Some(&b'n') {
        return Err(Error::request("the body must be a JSON object"));
    }
    let mut de = serde_json::Deserializer::from_str(utf8_json(body)?);
    let parsed: Option<T> = serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() && path != "." && !path.is_empty() {
            let field = path.split(['.', '[']).next().unwrap_or(&path).to_string();
            Error::invalid_with(field, Reason::WrongType)
        } else {
            Error::request(format!("the body is not a valid JSON object: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| Error::request(format!("the body is not a valid JSON object: {e}")))?;
    Ok(parsed.unwrap_or_default())
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

impl QueryJobsReq {
    /// Validates the body for `caller` (whose enterprise-project limits narrow the query).
    pub fn validate(&self, caller: &Caller) -> Result<JobQuery> {
        self.check_lengths()?;
        let paging = paging(self.cur_page, self.per_page)?;
        let db_use_type = one_of::<DbUseType>(non_empty(&self.db_use_type), "db_use_type")?
            .ok_or_else(|| Error::empty("db_use_type"))?;
        let status = one_of::<JobStatus>(non_empty(&self.status), "status")?;
        let net_type = one_of::<NetType>(non_empty(&self.net_type), "net_type")?;
        let engine_type = non_empty(&self.engine_type)
            .map(|s| {
                if is_engine_type(s) {
                    Ok(s.to_string())
                } else {
                    Err(Error::invalid_with("engine_type", Reason::UnknownEngine))
                }
            })
            .transpose()?;
        let enterprise_projects = enterprise_scope(self.enterprise_project_id.as_deref(), caller)?;
        Ok(JobQuery {
            db_use_type,
            status,
            engine_type,
            net_type,
            enterprise_projects,
            name: name_filter(self.name.as_deref())?,
            tags: tag_filter(self.tags.as_ref())?,
            instance_ids: instance_ids(self.instance_ids.as_deref())?,
            instance_ip: self
                .instance_ip
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            paging,
            sort: Sort::default(),
        })
    }
}

impl QueryJobsReq {
    /// Every text field within its bound, so that no query (nor a cache key) is larger than
    /// a few KB: `name` [`MAX_NAME_FILTER_CHARS`], IDs and IPs [`MAX_FILTER_ID_CHARS`], tags as
    /// the tag APIs allow; no control characters inside `name` (surrounding whitespace is trimmed).
    fn check_lengths(&self) -> Result<()> {
        let too_long =
            |field: &str, max: usize| Err(Error::invalid_with(field, Reason::TooLong(max)));
        let over =
            |v: &Option<String>, max: usize| v.as_deref().is_some_and(|s| s.chars().count() > max);
        if over(&self.name, MAX_NAME_FILTER_CHARS) {
            return too_long("name", MAX_NAME_FILTER_CHARS);
        }
        // Surrounding whitespace (tabs, newlines) is trimmed, from the value and from each ID.
        let inner_control = |n: &str| {
            n.split(',')
                .any(|part| part.trim().chars().any(char::is_control))
        };
        if self.name.as_deref().is_some_and(inner_control) {
            return Err(Error::invalid_with("name", Reason::ControlCharacter));
        }
        for (field, value) in [
            ("db_use_type", &self.db_use_type),
            ("engine_type", &self.engine_type),
            ("enterprise_project_id", &self.enterprise_project_id),
            ("net_type", &self.net_type),
            ("service_name", &self.service_name),
            ("status", &self.status),
            ("instance_ip", &self.instance_ip),
        ] {
            if over(value, MAX_FILTER_ID_CHARS) {
                return too_long(field, MAX_FILTER_ID_CHARS);
            }
        }
        let ids = self.instance_ids.as_deref().unwrap_or_default();
        if ids.iter().any(|i| i.chars().count() > MAX_FILTER_ID_CHARS) {
            return too_long("instance_ids", MAX_FILTER_ID_CHARS);
        }
        let pairs: Vec<(&str, Option<&str>)> = match &self.tags {
            None => Vec::new(),
            Some(TagsInput::Map(m)) => m
                .iter()
                .map(|(k, v)| (k.as_str(), Some(v.as_str())))
                .collect(),
            Some(TagsInput::List(l)) => l
                .iter()
                .map(|t| (t.key.as_str(), t.value.as_deref()))
                .collect(),
        };
        for (k, v) in pairs {
            if k.chars().count() > MAX_TAG_KEY_CHARS {
                return too_long("tags.key", MAX_TAG_KEY_CHARS);
            }
            if v.is_some_and(|v| v.chars().count() > MAX_TAG_VALUE_CHARS) {
                return too_long("tags.value", MAX_TAG_VALUE_CHARS);
            }
        }
        Ok(())
    }
}

fn paging(cur_page: Option<i64>, per_page: Option<i64>) -> Result<Paging> {
    let cur = cur_page.unwrap_or(1);
    let per = per_page.unwrap_or(10);
    if !(0..=MAX_PER_PAGE).contains(&per) {
        return Err(Error::InvalidPage(PageProblem::PerPageRange {
            max: MAX_PER_PAGE,
        }));
    }
    if cur < 0 {
        return Err(Error::InvalidPage(PageProblem::NegativeCurPage));
    }
    match (cur, per) {
        (0, _) | (1, 0) => Ok(Paging::All),
        (_, 0) => Err(Error::InvalidPage(PageProblem::AllItemsPastFirstPage)),
        (cur, per) => Ok(Paging::Page {
            offset: (cur as u64 - 1).saturating_mul(per as u64),
            limit: per as u64,
        }),
    }
}

fn enterprise_scope(requested: Option<&str>, caller: &Caller) -> Result<Option<Vec<String>>> {
    match (requested, &caller.enterprise_projects) {
        (Some(""), _) => Err(Error::invalid_with("enterprise_project_id", Reason::Empty)),
        (None, limits) => Ok(limits.clone()),
        (Some(id), None) => Ok(Some(vec![id.to_string()])),
        (Some(id), Some(limits)) if limits.iter().any(|l| l == id) => {
            Ok(Some(vec![id.to_string()]))
        }
        (Some(_), Some(_)) => Err(Error::Forbidden),
    }
}

fn name_filter(name: Option<&str>) -> Result<Option<NameFilter>> {
    let Some(value) = name.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if value.contains(',') {
        let mut ids: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(fold)
            .collect();
        if ids.len() > MAX_NAME_IDS {
            return Err(Error::invalid_with("name", Reason::TooMany(MAX_NAME_IDS)));
        }
        ids.sort();
        ids.dedup();
        return Ok(Some(NameFilter::Ids(ids)));
    }
    Ok(Some(NameFilter::Text(fold(value))))
}

fn tag_filter(tags: Option<&TagsInput>) -> Result<Vec<(String, Option<String>)>> {
    let mut out: Vec<(String, Option<String>)> = match tags {
        None => return Ok(Vec::new()),
        Some(TagsInput::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect(),
        Some(TagsInput::List(l)) => l
            .iter()
            .map(|t| (t.key.clone(), t.value.clone().filter(|v| !v.is_empty())))
            .collect(),
    };
    if out.len() > MAX_TAGS {
        return Err(Error::invalid_with("tags", Reason::TooMany(MAX_TAGS)));
    }
    if out.iter().any(|(k, _)| k.trim().is_empty()) {
        return Err(Error::invalid_with("tags", Reason::Empty));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn instance_ids(ids: Option<&[String]>) -> Result<Vec<String>> {
    let mut ids: Vec<String> = ids
        .unwrap_or_default()
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > MAX_INSTANCE_IDS {
        return Err(Error::invalid_with(
            "instance_ids",
            Reason::TooMany(MAX_INSTANCE_IDS),
        ));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests;
