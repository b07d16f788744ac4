//! How PostgreSQL and pool failures become store errors: what a retry can fix (the server is
//! down, restarting, out of connections, a deadlock victim) is `Unavailable`; a broken unique
//! rule is `Conflict`; a damaged page is `Corrupt`; anything else is `Other`.

use deadpool_postgres::PoolError;
use opendrs_core::store::{StoreError, StoreErrorKind};

/// The kind of a failure with this SQLSTATE.
pub fn kind_of(code: &str) -> StoreErrorKind {
    match code {
        "23505" => StoreErrorKind::Conflict,
        "XX001" | "XX002" => StoreErrorKind::Corrupt,
        // Deadlock victim, serialization failure, lock not available, statement cancelled.
        "40P01" | "40001" | "55P03" | "57014" | "58030" => StoreErrorKind::Unavailable,
        c if c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") => {
            StoreErrorKind::Unavailable
        }
        _ => StoreErrorKind::Other,
    }
}

/// A tokio-postgres error as a store error (the error kept as its source).
pub fn classify(e: tokio_postgres::Error) -> StoreError {
    let kind = match e.code() {
        Some(code) => kind_of(code.code()),
        None if e.is_closed() => StoreErrorKind::Unavailable,
        None => {
            let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
            let text = e.to_string();
            if io
                || text.starts_with("error connecting")
                || text.starts_with("error communicating")
                || text.starts_with("timeout")
            {
                StoreErrorKind::Unavailable
            } else {
                StoreErrorKind::Other
            }
        }
    };
    StoreError::caused(kind, e)
}

/// A connection could not be had within the pool's timeouts, or could not be made.
pub fn pool_error(e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => {
            let kind = match e.code().map(|c| kind_of(c.code())) {
                Some(StoreErrorKind::Other) | None => StoreErrorKind::Unavailable,
                Some(k) => k,
            };
            StoreError::caused(kind, e)
        }
        other => StoreError::unavailable(format!("no database connection: {other}")),
    }
}

/// A value read from the database that this build cannot understand.
pub fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt(what.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdowns_and_lost_connections_are_unavailable_and_duplicates_conflicts() {
        assert_eq!(kind_of("57P01"), StoreErrorKind::Unavailable);
        assert_eq!(kind_of("57P03"), StoreErrorKind::Unavailable);
        assert_eq!(kind_of("08006"), StoreErrorKind::Unavailable);
        assert_eq!(kind_of("53300"), StoreErrorKind::Unavailable);
        assert_eq!(kind_of("40P01"), StoreErrorKind::Unavailable);
        assert_eq!(kind_of("23505"), StoreErrorKind::Conflict);
        assert_eq!(kind_of("XX001"), StoreErrorKind::Corrupt);
        assert_eq!(kind_of("42601"), StoreErrorKind::Other);
    }
}
