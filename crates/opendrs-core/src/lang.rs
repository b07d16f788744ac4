//! The response language chosen by the `X-Language` header.

use crate::error::{Error, Reason};

/// A language the service answers in. `en-us` is the default and the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    EnUs,
    ZhCn,
}

/// The `X-Language` values (any case).
pub const LANGUAGES: &[&str] = &["en-us", "zh-cn"];
crate::enums::schema_enum!(
    /// `X-Language`: `en-us` (the default) or `zh-cn`.
    XLanguage = LANGUAGES
);

impl Lang {
    /// Parses an `X-Language` value; absent or empty means `en-us`. Case does not matter.
    pub fn parse(value: Option<&str>) -> Result<Lang, Error> {
        let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(Lang::EnUs);
        };
        if raw.eq_ignore_ascii_case("en-us") {
            Ok(Lang::EnUs)
        } else if raw.eq_ignore_ascii_case("zh-cn") {
            Ok(Lang::ZhCn)
        } else {
            Err(Error::invalid_with("X-Language", Reason::OneOf(LANGUAGES)))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::EnUs => "en-us",
            Lang::ZhCn => "zh-cn",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_or_empty_language_means_english() {
        assert_eq!(Lang::parse(None).ok(), Some(Lang::EnUs));
        assert_eq!(Lang::parse(Some(" ")).ok(), Some(Lang::EnUs));
    }

    #[test]
    fn language_names_are_case_insensitive() {
        assert_eq!(Lang::parse(Some("zh-CN")).ok(), Some(Lang::ZhCn));
        assert_eq!(Lang::parse(Some("EN-us")).ok(), Some(Lang::EnUs));
    }

    #[test]
    fn an_unknown_language_is_an_invalid_parameter() {
        let err = Lang::parse(Some("fr-fr")).err().map(|e| e.code());
        assert_eq!(err, Some("DRS.M00202"));
    }
}
