//! The one domain error type. It knows nothing of HTTP: `opendrs-server` maps each variant to a
//! status in one place. Codes are the original's (`DRS.*`, `APIGW.*`); texts live in `messages`.

use std::time::Duration;

/// Everything that can go wrong in a request, as the caller should learn it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A required parameter is absent, `null` or empty (`DRS.M00201`).
    #[error("the parameter {field} is empty")]
    EmptyParam { field: String },
    /// A parameter has a value or type outside what is allowed (`DRS.M00202`).
    #[error("the value of parameter {field} is invalid")]
    InvalidParam {
        field: String,
        reason: Option<Reason>,
    },
    /// `cur_page`/`per_page` out of range (`DRS.M00210`).
    #[error("invalid page: {0:?}")]
    InvalidPage(PageProblem),
    /// The request cannot be read at all: malformed JSON, wrong content type (`DRS.M00300`).
    #[error("invalid request: {detail}")]
    InvalidRequest { detail: String },
    /// No job with this ID in the project (or outside the caller's enterprise projects) (`DRS.M05003`).
    #[error("job not found")]
    JobNotFound,
    /// The job was deleted (`DRS.M05004`).
    #[error("job deleted")]
    JobDeleted,
    /// The v5 API's answer for a job that does not exist, was deleted or is outside the caller's
    /// enterprise projects (`DRS.10000010`).
    #[error("no such job")]
    NoSuchJob,
    /// Another job in the project already has this name (`DRS.M00277`).
    #[error("job name taken")]
    NameTaken,
    /// The operation is not allowed in the job's current status (`DRS.M00304`).
    #[error("operation not allowed in status {status}")]
    StatusForbids { status: crate::enums::JobStatus },
    /// The operation does not exist for this kind of task: objects of a DR task, a switchover
    /// of a task that is not single-active DR (`DRS.M00304`).
    #[error("not for this task")]
    NotForThisTask,
    /// A first start of a task whose latest precheck (`forStartJob`) did not pass, or that was
    /// never prechecked (`DRS.M00304`).
    #[error("precheck not passed")]
    PrecheckNotPassed,
    /// A v5 `reset` of a task whose latest `forRetryJob` precheck did not pass, was used by a
    /// retry already, or was never run (`DRS.M00304`).
    #[error("retry precheck not passed")]
    RetryPrecheckNotPassed,
    /// No precheck has been run for the task (`DRS.M00304`, a precheck-result item).
    #[error("no precheck")]
    PrecheckNotRun,
    /// A precheck or switchover is running; the operation must wait for it (`DRS.M01504`).
    #[error("another operation is in progress")]
    OperationInProgress,
    /// Flow control on an incremental-only task (`DRS.M00403`).
    #[error("flow control unsupported")]
    FlowControlUnsupported,
    /// A flow-control range that begins when it ends (`DRS.M00306`).
    #[error("speed range begins when it ends")]
    SpeedRangeEmpty,
    /// A connection test found the database unreachable (`DRS.M05011`, OpenDRS's code: the
    /// original's is not documented). `target`: the host or port that did not answer.
    #[error("connection failed: {target}")]
    ConnectionFailed { target: String },
    /// The replication figures a task does not have yet, or no longer (`DRS.M00304`).
    #[error("no replication in status {status}")]
    NotReplicating { status: crate::enums::JobStatus },
    /// The operation applies to parent jobs only, and this is a subtask (`DRS.M00308`).
    #[error("subtask")]
    ChildJob,
    /// A tag key appears twice in one request (`DRS.M00269`).
    #[error("duplicate tag key")]
    TagKeyDuplicate,
    /// A tag key or value is longer than allowed (`DRS.M00270`).
    #[error("tag too long")]
    TagTooLong,
    /// A resource would carry more tags than allowed (`DRS.M00271`).
    #[error("too many tags")]
    TooManyTags { max: usize },
    /// The project already has as many live jobs as its quota allows (`DRS.M05067`, OpenDRS's
    /// code: the original's is not documented).
    #[error("job quota of {quota} reached")]
    QuotaExceeded { quota: u64 },
    /// No or bad credentials (`APIGW.0301`).
    #[error("unauthenticated: {reason}")]
    Unauthenticated { reason: String },
    /// More than one credential: two `Authorization` or `X-Auth-Token` headers, or both kinds
    /// at once (`APIGW.0301`, 401). Which one counts would be a guess, so none does.
    #[error("ambiguous credentials: {0:?}")]
    AmbiguousCredentials(Ambiguity),
    /// A token past its expiry (`APIGW.0307`).
    #[error("token expired")]
    TokenExpired,
    /// Valid credentials for another project than the path's (`DRS.M00261`).
    #[error("invalid project id")]
    ProjectMismatch,
    /// The caller may not do this (`DRS.M00102`).
    #[error("insufficient permissions")]
    Forbidden,
    /// No such route (`APIGW.0101`).
    #[error("route not found")]
    RouteNotFound,
    /// Method not allowed on an existing route (`APIGW.0101` as well: the API does not exist).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Body over the configured limit (`APIGW.0201`).
    #[error("request entity too large")]
    BodyTooLarge { limit: usize },
    /// The request was not received and answered within the time limit (`APIGW.0201`, 408).
    #[error("request timeout")]
    RequestTimeout { secs: u64 },
    /// The request line's URI is longer than allowed (`APIGW.0201`, 414).
    #[error("URI too long")]
    UriTooLong { limit: usize },
    /// The request's headers are larger than allowed (`APIGW.0201`, 431).
    #[error("headers too large")]
    HeadersTooLarge { limit: usize },
    /// The project already runs as many all-items streams as allowed (`APIGW.0308`, 429).
    #[error("too many streams")]
    TooManyStreams { max: usize },
    /// The per-project rate limit is exhausted (`APIGW.0308`).
    #[error("throttled")]
    Throttled { retry_after: Duration },
    /// Storage cannot be reached right now (`DRS.M00004`, 503). The detail is logged, never shown.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// Any other fault (`DRS.M00004`, 500). The detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn empty(field: impl Into<String>) -> Self {
        Error::EmptyParam {
            field: field.into(),
        }
    }

    pub fn invalid(field: impl Into<String>) -> Self {
        Error::InvalidParam {
            field: field.into(),
            reason: None,
        }
    }

    pub fn invalid_with(field: impl Into<String>, reason: Reason) -> Self {
        Error::InvalidParam {
            field: field.into(),
            reason: Some(reason),
        }
    }

    pub fn request(detail: impl Into<String>) -> Self {
        Error::InvalidRequest {
            detail: detail.into(),
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string())
    }

    /// The stable, documented error code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyParam { .. } => "DRS.M00201",
            Error::InvalidParam { .. } => "DRS.M00202",
            Error::InvalidPage(_) => "DRS.M00210",
            Error::InvalidRequest { .. } => "DRS.M00300",
            Error::JobNotFound => "DRS.M05003",
            Error::JobDeleted => "DRS.M05004",
            Error::NoSuchJob => "DRS.10000010",
            Error::NameTaken => "DRS.M00277",
            Error::StatusForbids { .. } => "DRS.M00304",
            Error::ChildJob => "DRS.M00308",
            Error::NotForThisTask
            | Error::PrecheckNotPassed
            | Error::RetryPrecheckNotPassed
            | Error::PrecheckNotRun
            | Error::NotReplicating { .. } => "DRS.M00304",
            Error::OperationInProgress => "DRS.M01504",
            Error::FlowControlUnsupported => "DRS.M00403",
            Error::SpeedRangeEmpty => "DRS.M00306",
            Error::ConnectionFailed { .. } => "DRS.M05011",
            Error::TagKeyDuplicate => "DRS.M00269",
            Error::TagTooLong => "DRS.M00270",
            Error::TooManyTags { .. } => "DRS.M00271",
            Error::QuotaExceeded { .. } => "DRS.M05067",
            Error::Unauthenticated { .. } | Error::AmbiguousCredentials(_) => "APIGW.0301",
            Error::TokenExpired => "APIGW.0307",
            Error::ProjectMismatch => "DRS.M00261",
            Error::Forbidden => "DRS.M00102",
            Error::RouteNotFound | Error::MethodNotAllowed => "APIGW.0101",
            Error::BodyTooLarge { .. }
            | Error::RequestTimeout { .. }
            | Error::UriTooLong { .. }
            | Error::HeadersTooLarge { .. } => "APIGW.0201",
            Error::Throttled { .. } | Error::TooManyStreams { .. } => "APIGW.0308",
            Error::Unavailable(_) | Error::Internal(_) => "DRS.M00004",
        }
    }

    /// Gateway-class errors carry `request_id` in their body, as the original's API gateway does.
    pub fn is_gateway_class(&self) -> bool {
        self.code().starts_with("APIGW.")
    }
}

/// Why a parameter is invalid; each has a message in every language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The JSON value has the wrong type.
    WrongType,
    /// The value must be one of these.
    OneOf(&'static [&'static str]),
    /// Not a known engine type.
    UnknownEngine,
    /// An empty string where a value is needed.
    Empty,
    /// More than this many items.
    TooMany(usize),
    /// The same item twice.
    Duplicate,
    /// Longer than this many characters.
    TooLong(usize),
    /// A control character (U+0000–U+001F, U+007F–U+009F) where text is expected.
    ControlCharacter,
    /// A number outside `min..=max`.
    OutOfRange { min: i64, max: i64 },
    /// Two ranges share a time.
    Overlap,
    /// A name that is not a failed item of the job's latest precheck run.
    NotAFailedCheck,
    /// A value the original API defines that this service does not implement yet.
    NotYetSupported,
    /// Not an integer of at least this value.
    AtLeast(i64),
}

/// Which credentials made a request ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ambiguity {
    /// Two or more `Authorization` headers.
    TwoSignatures,
    /// Two or more `X-Auth-Token` headers.
    TwoTokens,
    /// An `X-Auth-Token` and an `Authorization` header.
    TokenAndSignature,
}

/// Why the paging parameters are invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageProblem {
    /// `per_page` outside 0..=max.
    PerPageRange { max: i64 },
    /// `cur_page` below 0.
    NegativeCurPage,
    /// `per_page` 0 with `cur_page` above 1.
    AllItemsPastFirstPage,
    /// A page after the last of a batch request's IDs.
    PastLastPage { pages: u64 },
}

/// Result of a core operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
