//! What a backend can fail with: a kind the core and the HTTP edge act on, a message, and the
//! underlying error kept as the source.

/// The kind of a storage failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database cannot be reached, is busy beyond the timeout or out of space: retry later.
    Unavailable,
    /// A named thing (account, user, project, key) does not exist.
    NotFound,
    /// A uniqueness rule was broken (such as a name already used).
    Conflict,
    /// The data or the schema is not what this build can read (corruption, a newer schema).
    Corrupt,
    /// Anything else: a bug.
    Other,
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A storage failure.
#[derive(Debug)]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
    source: Option<Source>,
}

impl StoreError {
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// An error of `kind` caused by `source` (its text becomes the message).
    pub fn caused(
        kind: StoreErrorKind,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError {
            kind,
            message: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Unavailable, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Conflict, message)
    }

    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Corrupt, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(StoreErrorKind::Other, message)
    }

    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            StoreErrorKind::Unavailable => write!(f, "storage unavailable: {}", self.message),
            StoreErrorKind::NotFound => write!(f, "{}", self.message),
            StoreErrorKind::Conflict => write!(f, "conflict: {}", self.message),
            StoreErrorKind::Corrupt => write!(f, "storage corrupt: {}", self.message),
            StoreErrorKind::Other => write!(f, "storage failure: {}", self.message),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<StoreError> for crate::Error {
    fn from(e: StoreError) -> Self {
        match e.kind {
            StoreErrorKind::Unavailable => crate::Error::Unavailable(e.message),
            _ => crate::Error::internal(e),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_error_keeps_its_kind_and_its_source() {
        let io = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
        let e = StoreError::caused(StoreErrorKind::Unavailable, io);
        assert_eq!(e.kind(), StoreErrorKind::Unavailable);
        assert_eq!(e.to_string(), "storage unavailable: disk full");
        let source = std::error::Error::source(&e).expect("the source is kept");
        assert_eq!(source.to_string(), "disk full");
    }

    #[test]
    fn only_an_unavailable_store_becomes_a_retryable_domain_error() {
        let e: crate::Error = StoreError::unavailable("down").into();
        assert!(matches!(e, crate::Error::Unavailable(_)));
        let e: crate::Error = StoreError::corrupt("bad page").into();
        assert!(!matches!(e, crate::Error::Unavailable(_)));
    }
}
