//! The query string of a v5 GET: `name=value` pairs, percent-decoded, `+` read as a space (form
//! encoding, as Python's `requests` and Go's `url.Values` write it). A parameter given twice is
//! refused unless it is a list; unknown parameters are ignored (newer SDKs add some).

use crate::error::{Error, Reason, Result};

/// The decoded pairs of a query string, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` (`+` is a space); a bad escape or text that is not UTF-8 is `DRS.M00300`.
fn decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let pair = bytes
                    .get(i + 1)
                    .and_then(|h| hex(*h))
                    .zip(bytes.get(i + 2).and_then(|l| hex(*l)));
                let Some((h, l)) = pair else {
                    return Err(Error::request("the query string has a bad percent escape"));
                };
                out.push(h << 4 | l);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Error::request("the query string is not UTF-8"))
}

impl Params {
    /// Parses the raw query string (without `?`).
    pub fn parse(raw: Option<&str>) -> Result<Params> {
        let mut pairs = Vec::new();
        for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((decode(name)?, decode(value)?));
        }
        Ok(Params { pairs })
    }

    /// A parameter's value: `None` when absent or empty; `DRS.M00202` when given twice.
    pub fn one(&self, name: &str) -> Result<Option<&str>> {
        let mut found = self.pairs.iter().filter(|(n, _)| n == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(Error::invalid_with(name, Reason::Duplicate));
        }
        Ok(first.map(|(_, v)| v.as_str()).filter(|v| !v.is_empty()))
    }

    /// A list parameter, repeated (`k=a&k=b`) or comma-separated (`k=a,b`) or both: every item,
    /// trimmed, blanks dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A whole number within `min..=max`; `default` when absent or empty; anything else is
    /// `DRS.M00202` naming the parameter and the range.
    pub fn number(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64> {
        let out_of_range = || {
            Error::invalid_with(
                name,
                Reason::OutOfRange {
                    min: min as i64,
                    max: max.min(i64::MAX as u64) as i64,
                },
            )
        };
        match self.one(name)? {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(out_of_range),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_percent_decoded_and_a_plus_is_a_space() {
        let p = Params::parse(Some("name=a%2Bb+c&status=%E8%BF%81")).expect("parse");
        assert_eq!(p.one("name").expect("one"), Some("a+b c"));
        assert_eq!(p.one("status").expect("one"), Some("迁"));
        assert_eq!(p.one("absent").expect("one"), None);
    }

    #[test]
    fn a_bad_escape_or_bytes_that_are_not_utf8_are_an_unreadable_request() {
        for raw in ["name=%", "name=%zz", "name=%ff"] {
            let e = Params::parse(Some(raw)).expect_err(raw);
            assert_eq!(e.code(), "DRS.M00300", "{raw}");
        }
    }

    #[test]
    fn a_list_is_read_repeated_and_comma_separated_alike() {
        let p = Params::parse(Some("ids=a,b&ids=c&ids=&ids=%20d%20,")).expect("parse");
        assert_eq!(p.list("ids"), vec!["a", "b", "c", "d"]);
    }

    #[test]
    fn a_single_parameter_given_twice_is_refused_and_an_empty_one_is_absent() {
        let p = Params::parse(Some("limit=1&limit=2&offset=")).expect("parse");
        assert_eq!(p.one("limit").expect_err("twice").code(), "DRS.M00202");
        assert_eq!(p.one("offset").expect("empty"), None);
    }

    #[test]
    fn numbers_keep_to_their_range() {
        let p = Params::parse(Some("a=5&b=0&c=x&d=-1&e=1001")).expect("parse");
        assert_eq!(p.number("a", 10, 1, 1000).expect("a"), 5);
        assert_eq!(p.number("z", 10, 1, 1000).expect("default"), 10);
        for name in ["b", "c", "d", "e"] {
            assert_eq!(
                p.number(name, 10, 1, 1000).expect_err(name).code(),
                "DRS.M00202"
            );
        }
    }
}
