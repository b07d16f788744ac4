//! Reading JSON request bodies: UTF-8 text ([`utf8_json`]) and [`Strict`], under which every
//! struct must be a JSON object (serde's derive also takes an array, filling the fields by
//! position, so `"page_req": [2, 5]` would be read as page 2 of 5).

use crate::error::{Error, Result};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// The body as text: JSON is UTF-8 (RFC 8259 §8.1), also inside fields that are ignored (which
/// serde_json skips over without checking), so a body that is not is `DRS.M00300`.
pub fn utf8_json(body: &[u8]) -> Result<&str> {
    std::str::from_utf8(body).map_err(|e| {
        Error::request(format!(
            "the body is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// A deserializer under which a struct is read only from a JSON object: an array where a struct
/// is expected is an `invalid type` error (a data error, so `DRS.M00202` naming the field), at
/// any depth. Everything else is passed through unchanged.
pub struct Strict<D>(pub D);

macro_rules! forward {
    ($($method:ident $(($($arg:ident: $ty:ty),*))?;)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($($arg,)*)? Wrap(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(Wrap(visitor))
    }

    forward! {
        deserialize_any; deserialize_bool; deserialize_i8; deserialize_i16; deserialize_i32;
        deserialize_i64; deserialize_i128; deserialize_u8; deserialize_u16; deserialize_u32;
        deserialize_u64; deserialize_u128; deserialize_f32; deserialize_f64; deserialize_char;
        deserialize_str; deserialize_string; deserialize_bytes; deserialize_byte_buf;
        deserialize_option; deserialize_unit; deserialize_seq; deserialize_map;
        deserialize_identifier; deserialize_ignored_any;
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// A visitor whose nested values are read under [`Strict`] too.
struct Wrap<V>(V);

macro_rules! visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    visit! {
        visit_bool(bool); visit_i8(i8); visit_i16(i16); visit_i32(i32); visit_i64(i64);
        visit_i128(i128); visit_u8(u8); visit_u16(u16); visit_u32(u32); visit_u64(u64);
        visit_u128(u128); visit_f32(f32); visit_f64(f64); visit_char(char); visit_str(&str);
        visit_borrowed_str(&'de str); visit_string(String); visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]); visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Strict(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Wrap(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrap(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(data)
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Wrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Wrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Page {
        #[serde(default)]
        cur_page: Option<i64>,
        #[serde(default)]
        per_page: Option<i64>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Body {
        #[serde(default)]
        page: Option<Page>,
        #[serde(default)]
        pages: Vec<Page>,
        #[serde(default)]
        extra: Option<serde_json::Value>,
    }

    fn strict(text: &str) -> Result<Body, serde_json::Error> {
        Body::deserialize(Strict(&mut serde_json::Deserializer::from_str(text)))
    }

    #[test]
    fn a_struct_given_as_an_array_is_a_type_error_at_any_depth() {
        let lenient: Body = serde_json::from_str(r#"{"page": [2, 5]}"#).expect("serde's derive");
        assert_eq!(lenient.page.and_then(|p| p.cur_page), Some(2));
        for body in [
            r#"{"page": [2, 5]}"#,
            r#"{"pages": [{}, [2, 5]]}"#,
            "[null, []]",
        ] {
            let err = strict(body).err();
            assert!(
                err.as_ref().is_some_and(serde_json::Error::is_data),
                "{body}: {err:?}"
            );
        }
        let by_value = Body::deserialize(Strict(serde_json::json!({"page": [1]})));
        assert!(by_value.is_err());
    }

    #[test]
    fn objects_arrays_of_objects_and_free_form_values_read_as_before() {
        let body =
            r#"{"page": {"cur_page": 2}, "pages": [{"per_page": 5}], "extra": [[1], {"a": [2]}]}"#;
        let plain: Body = serde_json::from_str(body).expect("plain");
        assert_eq!(strict(body).expect("strict"), plain);
        assert_eq!(strict(r#"{"page": null}"#).expect("null"), Body::default());
    }

    #[test]
    fn a_body_that_is_not_utf8_is_an_invalid_request() {
        assert_eq!(
            utf8_json(b"{\"a\": \"\xff\"}").err().map(|e| e.code()),
            Some("DRS.M00300")
        );
        assert_eq!(
            utf8_json("{\"a\": \"迁移\"}".as_bytes()).ok(),
            Some("{\"a\": \"迁移\"}")
        );
    }
}
