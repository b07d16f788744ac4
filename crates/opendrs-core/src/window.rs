//! Paging by `offset` and `limit` query parameters, as the v5 lists take them: parsed and
//! validated in one place.

use crate::error::{Error, Reason, Result};

/// Which page of matches to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: u64,
    pub limit: u64,
}

impl Window {
    /// From a raw query string: `limit` 1..=`max_limit` (absent: `default_limit`), `offset` ≥ 0
    /// (absent: 0). An empty value counts as absent, other parameters are ignored; anything else
    /// is `DRS.M00202` naming the parameter and its range.
    pub fn parse(query: Option<&str>, default_limit: u64, max_limit: u64) -> Result<Window> {
        let mut w = Window {
            offset: 0,
            limit: default_limit,
        };
        for pair in query.unwrap_or_default().split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "limit" if !value.is_empty() => {
                    w.limit = value
                        .parse::<u64>()
                        .ok()
                        .filter(|n| (1..=max_limit).contains(n))
                        .ok_or_else(|| {
                            Error::invalid_with(
                                "limit",
                                Reason::OutOfRange {
                                    min: 1,
                                    max: max_limit.min(i64::MAX as u64) as i64,
                                },
                            )
                        })?;
                }
                "offset" if !value.is_empty() => {
                    w.offset = value
                        .parse::<u64>()
                        .map_err(|_| Error::invalid_with("offset", Reason::AtLeast(0)))?;
                }
                _ => {}
            }
        }
        Ok(w)
    }

    /// `offset` as a store binds it (saturating: an offset past `i64::MAX` is past any end).
    pub fn offset_i64(self) -> i64 {
        self.offset.min(i64::MAX as u64) as i64
    }

    /// `limit` as a store binds it.
    pub fn limit_i64(self) -> i64 {
        self.limit.min(i64::MAX as u64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(e: Error) -> String {
        match e {
            Error::InvalidParam { field, .. } => field,
            other => panic!("not an invalid parameter: {other:?}"),
        }
    }

    #[test]
    fn absent_and_empty_values_take_the_defaults() {
        for q in [None, Some(""), Some("limit=&offset="), Some("other=1")] {
            assert_eq!(
                Window::parse(q, 10, 1000).expect("valid"),
                Window {
                    offset: 0,
                    limit: 10
                }
            );
        }
    }

    #[test]
    fn limit_is_one_to_the_maximum_and_offset_any_non_negative_integer() {
        let w = Window::parse(Some("limit=1000&offset=7"), 10, 1000).expect("valid");
        assert_eq!((w.offset, w.limit), (7, 1000));
        let w =
            Window::parse(Some("offset=18446744073709551615&limit=1"), 10, 1000).expect("valid");
        assert_eq!((w.offset_i64(), w.limit), (i64::MAX, 1));
    }

    #[test]
    fn a_limit_outside_its_range_or_not_a_number_names_limit() {
        for q in [
            "limit=0",
            "limit=1001",
            "limit=-1",
            "limit=ten",
            "limit=1.5",
        ] {
            let e = Window::parse(Some(q), 10, 1000).expect_err(q);
            assert_eq!(field(e), "limit", "{q}");
        }
    }

    #[test]
    fn a_negative_or_non_numeric_offset_names_offset() {
        for q in [
            "offset=-1",
            "offset=x",
            "offset=1e3",
            "offset=99999999999999999999",
        ] {
            let e = Window::parse(Some(q), 10, 1000).expect_err(q);
            assert_eq!(field(e), "offset", "{q}");
        }
    }
}
