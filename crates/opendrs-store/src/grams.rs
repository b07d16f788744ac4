//! The per-project n-gram tokens behind the name search: a folded name is cut into
//! three-character grams, each tagged with the project and the scenario (`db_use_type`, which
//! every list query names), so a posting list holds only the jobs one query can match.

use opendrs_core::{enums::DbUseType, query::grams};
use std::fmt::Write;

/// Which posting lists a token belongs to: (project key, scenario).
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub project_key: i64,
    pub db_use_type: DbUseType,
}

fn token(scope: Scope, gram: &str, out: &mut String) {
    let d = DbUseType::ALL
        .iter()
        .position(|d| *d == scope.db_use_type)
        .unwrap_or(0);
    let _ = write!(out, "p{}d{d}x", scope.project_key);
    for b in gram.bytes() {
        let _ = write!(out, "{b:02x}");
    }
}

/// The document indexed for a job: its grams as space-separated tokens.
pub fn document(scope: Scope, name_fold: &str) -> String {
    let grams = grams::of(name_fold);
    let mut out = String::with_capacity(grams.len() * 16);
    for g in &grams {
        token(scope, g, &mut out);
        out.push(' ');
    }
    out
}

/// The FTS5 query for names containing `needle_fold`, or `None` when it is shorter than a gram
/// (then the store verifies every candidate of the project instead).
pub fn query(scope: Scope, needle_fold: &str) -> Option<String> {
    let tokens: Vec<String> = grams::of_needle(needle_fold)?
        .iter()
        .map(|g| {
            let mut t = String::new();
            token(scope, g, &mut t);
            t
        })
        .collect();
    Some(tokens.join(" AND "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opendrs_core::query::grams::MAX_QUERY_GRAMS;

    fn scope(project_key: i64) -> Scope {
        Scope {
            project_key,
            db_use_type: DbUseType::Sync,
        }
    }

    #[test]
    fn tokens_are_ascii_alphanumeric_and_carry_the_project() {
        let doc = document(scope(42), "a%_迁移");
        for t in doc.split_whitespace() {
            assert!(t.starts_with("p42d1x"), "{t}");
            assert!(t.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
        }
        assert_eq!(doc.split_whitespace().count(), 3);
    }

    #[test]
    fn scenarios_have_separate_posting_lists() {
        let sync = query(scope(1), "abc");
        let dr = query(
            Scope {
                project_key: 1,
                db_use_type: DbUseType::CloudDataGuard,
            },
            "abc",
        );
        assert_ne!(sync, dr);
    }

    #[test]
    fn a_needle_shorter_than_a_gram_has_no_index_query() {
        assert_eq!(query(scope(1), "ab"), None);
        assert_eq!(query(scope(1), "abc").as_deref(), Some("p1d1x616263"));
    }

    #[test]
    fn every_needle_token_is_in_a_containing_document() {
        let doc = document(scope(7), "drs-orders-eu-west");
        let q = query(scope(7), "orders-eu").unwrap_or_default();
        for t in q.split(" AND ") {
            assert!(doc.split_whitespace().any(|d| d == t), "{t}");
        }
    }

    #[test]
    fn long_needles_use_a_bounded_number_of_grams() {
        let q =
            query(scope(1), &"abcdefghijklmnopqrstuvwxyz0123456789".repeat(3)).unwrap_or_default();
        assert_eq!(q.split(" AND ").count(), MAX_QUERY_GRAMS);
    }
}
