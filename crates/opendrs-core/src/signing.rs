//! AK/SK request signing (`SDK-HMAC-SHA256`, as the official Huawei Cloud SDKs sign): parsing the
//! `Authorization` and `X-Sdk-Date` headers, the canonical request, verification and client-side signing.
//!
//! The algorithm (`drs-v3-api.md` §6.2) is:
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexPayloadHash
//! StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(SHA-256(CanonicalRequest))
//! Signature        = hex(HMAC-SHA256(secret key, StringToSign))
//! ```
//!
//! Everything here is pure: no I/O, no clock (the caller passes `now`), no web framework. A server verifies a
//! request with [`parse_authorization`], [`sdk_date`] + [`check_skew`] and [`verify`]; a client signs one with
//! [`sign_request`].

use std::borrow::Cow;
use std::fmt;

use hmac::{Hmac, Mac};
use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset};

/// The only signing algorithm accepted: the default of every official SDK.
pub const ALGORITHM: &str = "SDK-HMAC-SHA256";

/// The (lowercase) name of the signed timestamp header, `X-Sdk-Date`.
pub const SDK_DATE_HEADER: &str = "x-sdk-date";

/// The (lowercase) name of the header that, when present, replaces the body hash in the canonical request.
pub const CONTENT_SHA256_HEADER: &str = "x-sdk-content-sha256";

/// The `X-Sdk-Content-Sha256` value the Python SDK sends for bodies it does not hash.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// The largest clock difference the original gateway allows between `X-Sdk-Date` and its own clock.
pub const DEFAULT_MAX_SKEW: Duration = Duration::minutes(15);

type HmacSha256 = Hmac<Sha256>;

/// Why a request's signature could not be checked or did not match.
///
/// The `Display` text is a short reason meant to follow `Incorrect IAM authentication information: ` in an
/// `APIGW.0301` error. It never contains the secret key or the expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The `Authorization` header is not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
    #[error("malformed Authorization header")]
    MalformedAuthorization,
    /// The `Authorization` header names another algorithm than [`ALGORITHM`].
    #[error("unsupported signing algorithm")]
    UnsupportedAlgorithm,
    /// `x-sdk-date` is not among the signed headers.
    #[error("x-sdk-date is not signed")]
    SdkDateNotSigned,
    /// A header listed in `SignedHeaders` is absent from the request.
    #[error("signed header {0} is missing")]
    MissingSignedHeader(String),
    /// The request has no `X-Sdk-Date` header.
    #[error("X-Sdk-Date is missing")]
    MissingSdkDate,
    /// `X-Sdk-Date` is not a `YYYYMMDDTHHMMSSZ` UTC timestamp (or is repeated).
    #[error("invalid X-Sdk-Date")]
    InvalidSdkDate,
    /// `X-Sdk-Date` is further from the server clock than allowed.
    #[error("request time is out of the allowed range ({})", describe_skew(.max_skew))]
    RequestTimeOutOfRange {
        /// The largest difference allowed, either way.
        max_skew: Duration,
    },
    /// The recomputed signature differs from the one sent (or a signed body hash does not match the body).
    #[error("verify aksk signature fail")]
    SignatureMismatch,
    /// Client side: the access key cannot be written into an `Authorization` header.
    #[error("invalid access key")]
    InvalidAccessKey,
}

fn describe_skew(max: &Duration) -> String {
    let secs = max.whole_seconds().unsigned_abs();
    let (minutes, rest) = (secs / 60, secs % 60);
    if rest == 0 {
        format!("±{minutes} min")
    } else {
        format!("±{secs} s")
    }
}

/// The parsed `Authorization` header of a signed request.
///
/// `Display` renders it back in the SDK's form:
/// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;…>, Signature=<64 lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key (`Access=`), used by the caller to look up the secret key.
    pub access_key: String,
    /// The signed header names (`SignedHeaders=`), lowercase, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature (`Signature=`), decoded from hex.
    pub signature: [u8; 32],
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{ALGORITHM} Access={}, SignedHeaders={}, Signature={}",
            self.access_key,
            self.signed_headers.join(";"),
            hex::encode(self.signature)
        )
    }
}

/// Parses an `Authorization` header value:
/// `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2;…>, Signature=<64 hex>`.
///
/// Any whitespace may follow the algorithm and each comma; the three parameters may come in any order but
/// each exactly once. Rejects another algorithm, a missing, repeated or unknown parameter, an empty access
/// key, a signature that is not 64 hex digits, a signed-header list with an empty, invalid or non-lowercase
/// name, and a list that does not contain `x-sdk-date`.
pub fn parse_authorization(value: &str) -> Result<Authorization, SigningError> {
    let value = value.trim_matches(is_space);
    let (algorithm, params) = value
        .split_once(is_space)
        .ok_or(SigningError::MalformedAuthorization)?;
    if algorithm != ALGORITHM {
        return Err(SigningError::UnsupportedAlgorithm);
    }

    let mut access_key = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in params.split(',') {
        let (key, val) = part
            .trim_matches(is_space)
            .split_once('=')
            .ok_or(SigningError::MalformedAuthorization)?;
        let slot = match key {
            "Access" => &mut access_key,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => return Err(SigningError::MalformedAuthorization),
        };
        if slot.replace(val).is_some() {
            return Err(SigningError::MalformedAuthorization);
        }
    }

    let access_key = access_key.ok_or(SigningError::MalformedAuthorization)?;
    if !is_valid_access_key(access_key) {
        return Err(SigningError::MalformedAuthorization);
    }

    let signed_headers = signed_headers.ok_or(SigningError::MalformedAuthorization)?;
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|name| {
            if is_lowercase_header_name(name) {
                Ok(name.to_owned())
            } else {
                Err(SigningError::MalformedAuthorization)
            }
        })
        .collect::<Result<_, _>>()?;

    let signature_hex = signature.ok_or(SigningError::MalformedAuthorization)?;
    let mut signature = [0u8; 32];
    if signature_hex.len() != 64 || hex::decode_to_slice(signature_hex, &mut signature).is_err() {
        return Err(SigningError::MalformedAuthorization);
    }

    if !signed_headers.iter().any(|h| h == SDK_DATE_HEADER) {
        return Err(SigningError::SdkDateNotSigned);
    }

    Ok(Authorization {
        access_key: access_key.to_owned(),
        signed_headers,
        signature,
    })
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// An access key fits in the header: non-empty, visible ASCII, no `,` (the parameter separator).
fn is_valid_access_key(ak: &str) -> bool {
    !ak.is_empty() && ak.bytes().all(|b| b.is_ascii_graphic() && b != b',')
}

/// An RFC 9110 token with no uppercase letter.
fn is_lowercase_header_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Parses an `X-Sdk-Date` value: exactly `YYYYMMDDTHHMMSSZ`, in UTC (`%Y%m%dT%H%M%SZ`).
pub fn parse_sdk_date(value: &str) -> Result<OffsetDateTime, SigningError> {
    let b = value.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return Err(SigningError::InvalidSdkDate);
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32, SigningError> {
        b[range].iter().try_fold(0u32, |acc, &d| {
            if d.is_ascii_digit() {
                Ok(acc * 10 + u32::from(d - b'0'))
            } else {
                Err(SigningError::InvalidSdkDate)
            }
        })
    };
    let narrow = |n: u32| u8::try_from(n).map_err(|_| SigningError::InvalidSdkDate);
    let year = i32::try_from(number(0..4)?).map_err(|_| SigningError::InvalidSdkDate)?;
    let month =
        Month::try_from(narrow(number(4..6)?)?).map_err(|_| SigningError::InvalidSdkDate)?;
    let day = narrow(number(6..8)?)?;
    let hour = narrow(number(9..11)?)?;
    let minute = narrow(number(11..13)?)?;
    let second = narrow(number(13..15)?)?;
    let date =
        Date::from_calendar_date(year, month, day).map_err(|_| SigningError::InvalidSdkDate)?;
    let time = Time::from_hms(hour, minute, second).map_err(|_| SigningError::InvalidSdkDate)?;
    Ok(date.with_time(time).assume_utc())
}

/// Formats a timestamp as an `X-Sdk-Date` value (`YYYYMMDDTHHMMSSZ`, converted to UTC, sub-seconds dropped).
///
/// Fails with [`SigningError::InvalidSdkDate`] for a time whose UTC year is outside 0000..=9999.
pub fn format_sdk_date(t: OffsetDateTime) -> Result<String, SigningError> {
    let t = t
        .checked_to_offset(UtcOffset::UTC)
        .ok_or(SigningError::InvalidSdkDate)?;
    if !(0..=9999).contains(&t.year()) {
        return Err(SigningError::InvalidSdkDate);
    }
    Ok(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Reads and parses the request's `X-Sdk-Date` header (surrounding whitespace ignored).
///
/// [`SigningError::MissingSdkDate`] when absent; [`SigningError::InvalidSdkDate`] when repeated or malformed.
pub fn sdk_date(headers: &HeaderMap) -> Result<OffsetDateTime, SigningError> {
    Ok(sdk_date_value(headers)?.1)
}

/// The trimmed `X-Sdk-Date` text and its parsed value.
fn sdk_date_value(headers: &HeaderMap) -> Result<(String, OffsetDateTime), SigningError> {
    let mut values = headers.get_all(SDK_DATE_HEADER).iter();
    let value = values.next().ok_or(SigningError::MissingSdkDate)?;
    if values.next().is_some() {
        return Err(SigningError::InvalidSdkDate);
    }
    let text = header_text(value);
    let text = text.trim();
    Ok((text.to_owned(), parse_sdk_date(text)?))
}

/// Checks that `date` is within `max` of `now`, either way (the boundary itself is accepted).
pub fn check_skew(
    date: OffsetDateTime,
    now: OffsetDateTime,
    max: Duration,
) -> Result<(), SigningError> {
    if (now - date).abs() > max {
        Err(SigningError::RequestTimeOutOfRange { max_skew: max })
    } else {
        Ok(())
    }
}

/// The canonical URI: the path percent-decoded, split on `/`, each segment percent-encoded keeping only the
/// RFC 3986 unreserved characters (`A–Z a–z 0–9 - _ . ~`, others as `%XX` with uppercase hex), re-joined, with
/// a `/` appended when it does not already end with one (`/v3/p/jobs` → `/v3/p/jobs/`).
///
/// `raw_path` is the path as sent, without the query. A `%` not followed by two hex digits stays a literal
/// `%`; an encoded `/` (`%2F`) becomes a separator, as in the Python SDK; bytes that are not UTF-8 after
/// decoding are re-encoded as they are.
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = percent_decode(raw_path);
    let mut out = String::with_capacity(decoded.len() + 1);
    for (i, segment) in decoded.split(|&b| b == b'/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        percent_encode_into(segment, &mut out);
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string: the `&`-separated `key=value` pairs of `raw_query` (the part after `?`),
/// percent-decoded (`+` stays a literal `+`, as both SDKs encode a space as `%20`), sorted by key then value
/// (bytewise on the decoded text, as the SDKs sort), re-encoded as in [`canonical_uri`] and joined with `&`.
///
/// A pair without `=` has an empty value (`flag` → `flag=`); empty pairs (`a=1&&b=2`) are skipped.
/// `None` or an empty query gives the empty string.
pub fn canonical_query(raw_query: Option<&str>) -> String {
    let Some(raw_query) = raw_query else {
        return String::new();
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (percent_decode(key), percent_decode(value)),
            None => (percent_decode(pair), Vec::new()),
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(raw_query.len());
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode_into(key, &mut out);
        out.push('=');
        percent_encode_into(value, &mut out);
    }
    out
}

/// Decodes `%XX` escapes (either case); anything else, including a stray `%`, is kept as is.
fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends `bytes`, keeping RFC 3986 unreserved characters and writing every other byte as `%XX`.
fn percent_encode_into(bytes: &[u8], out: &mut String) {
    const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(UPPER_HEX[usize::from(b >> 4)]));
            out.push(char::from(UPPER_HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// A header value as text: UTF-8 when it is valid UTF-8, otherwise Latin-1 (the Python SDK sends a `str`
/// header as Latin-1 bytes and signs its characters).
fn header_text(value: &HeaderValue) -> Cow<'_, str> {
    match std::str::from_utf8(value.as_bytes()) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(value.as_bytes().iter().map(|&b| char::from(b)).collect()),
    }
}

/// The canonical request, the text whose hash is signed:
/// `method \n canonical_uri \n canonical_query \n canonical_headers \n signed_headers \n payload_hash_hex`.
///
/// The canonical headers are one `name:trimmed-value\n` line for each name of `signed_headers`, in the
/// given order; a header sent several times gives one line per value, trimmed values sorted (as the Go SDK
/// does).
/// `method` is used as sent (the SDKs send it uppercase). A signed header absent from `headers` is
/// [`SigningError::MissingSignedHeader`]. Servers receiving HTTP/2 should put the `:authority` into a
/// `host` header before calling this, as the client signed it as `host`.
pub fn canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    signed_headers: &[String],
    payload_hash_hex: &str,
) -> Result<String, SigningError> {
    let mut canonical_headers = Vec::with_capacity(signed_headers.len());
    for name in signed_headers {
        let mut values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|value| header_text(value).trim().to_owned())
            .collect();
        if values.is_empty() {
            return Err(SigningError::MissingSignedHeader(name.clone()));
        }
        values.sort();
        for value in values {
            canonical_headers.push(format!("{name}:{value}"));
        }
    }
    Ok(format!(
        "{method}\n{}\n{}\n{}\n\n{}\n{payload_hash_hex}",
        canonical_uri(raw_path),
        canonical_query(raw_query),
        canonical_headers.join("\n"),
        signed_headers.join(";"),
    ))
}

/// The payload hash of the canonical request: lowercase hex SHA-256 of the raw body bytes, unless the
/// request has an `X-Sdk-Content-Sha256` header, whose value is then used verbatim (e.g. `UNSIGNED-PAYLOAD`).
///
/// This is what a signing client uses. [`verify`] is stricter: it honours the header only when it is
/// signed, and then only if it is `UNSIGNED-PAYLOAD` or the body's real hash.
pub fn payload_hash_hex(headers: &HeaderMap, body: &[u8]) -> String {
    match headers.get(CONTENT_SHA256_HEADER) {
        Some(value) => header_text(value).into_owned(),
        None => sha256_hex(body),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The string to sign: `SDK-HMAC-SHA256 \n sdk_date \n hex(SHA-256(canonical_request))`.
pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The signature: HMAC-SHA256 of `string_to_sign` keyed with the secret key's bytes (no key derivation).
pub fn signature(secret_key: &[u8], string_to_sign: &str) -> [u8; 32] {
    // RFC 2104: a key longer than the 64-byte block is hashed first; the key is then zero-padded to the
    // block size. Building that padded key here keeps the call infallible (`Mac::new` takes a full block).
    let mut block = [0u8; 64];
    if secret_key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(secret_key));
    } else {
        block[..secret_key.len()].copy_from_slice(secret_key);
    }
    let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new(&block.into());
    mac.update(string_to_sign.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Verifies a signed request: recomputes the signature from the request as received and compares it with
/// `auth.signature` in constant time.
///
/// `raw_path` and `raw_query` are the path and query as sent (no `?`), `body` the raw body bytes. Requires
/// `x-sdk-date` to be signed and well-formed, but does not look at the clock: the caller checks it with
/// [`sdk_date`] and [`check_skew`]. An `X-Sdk-Content-Sha256` header replaces the body hash only when it is
/// signed, and only if it is `UNSIGNED-PAYLOAD` or equals the body's hash; an unsigned one is ignored.
pub fn verify(
    auth: &Authorization,
    secret_key: &[u8],
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), SigningError> {
    if !auth.signed_headers.iter().any(|h| h == SDK_DATE_HEADER) {
        return Err(SigningError::SdkDateNotSigned);
    }
    let (date, _) = sdk_date_value(headers)?;
    let payload_hash = verified_payload_hash(auth, headers, body)?;
    let canonical = canonical_request(
        method,
        raw_path,
        raw_query,
        headers,
        &auth.signed_headers,
        &payload_hash,
    )?;
    let expected = signature(secret_key, &string_to_sign(&date, &canonical));
    if bool::from(expected.ct_eq(&auth.signature)) {
        Ok(())
    } else {
        Err(SigningError::SignatureMismatch)
    }
}

/// The payload hash the verifier uses (see [`verify`]).
fn verified_payload_hash(
    auth: &Authorization,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, SigningError> {
    let body_hash = sha256_hex(body);
    let signed = auth
        .signed_headers
        .iter()
        .any(|h| h == CONTENT_SHA256_HEADER);
    match headers.get(CONTENT_SHA256_HEADER) {
        Some(value) if signed => {
            let claimed = header_text(value);
            if claimed == UNSIGNED_PAYLOAD || claimed.eq_ignore_ascii_case(&body_hash) {
                Ok(claimed.into_owned())
            } else {
                Err(SigningError::SignatureMismatch)
            }
        }
        _ => Ok(body_hash),
    }
}

/// Signs a request as the official Python SDK does: sets `X-Sdk-Date` from `now` (replacing any) and
/// `Authorization` (replacing any), signing every header present whose name has no `_`, lowercase and
/// sorted. Put `Host` (and `Content-Type`, `X-Project-Id`, …) into `headers` first to have them signed, as
/// the SDK does; headers added afterwards (e.g. by the HTTP client) are unsigned, which the verifier allows.
///
/// The body hash follows [`payload_hash_hex`]. Fails with [`SigningError::InvalidAccessKey`] for an access
/// key that is empty or not visible ASCII without `,`, and [`SigningError::InvalidSdkDate`] for a `now`
/// outside years 0000..=9999.
#[allow(clippy::too_many_arguments)] // mirrors `verify`, plus the client's clock
pub fn sign_request(
    access_key: &str,
    secret_key: &[u8],
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &mut HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<(), SigningError> {
    if !is_valid_access_key(access_key) {
        return Err(SigningError::InvalidAccessKey);
    }
    let date = format_sdk_date(now)?;
    let date_value = HeaderValue::from_str(&date).map_err(|_| SigningError::InvalidSdkDate)?;
    headers.remove(AUTHORIZATION);
    headers.insert(HeaderName::from_static(SDK_DATE_HEADER), date_value);

    let mut signed_headers: Vec<String> = headers
        .keys()
        .map(HeaderName::as_str)
        .filter(|name| !name.contains('_'))
        .map(str::to_owned)
        .collect();
    signed_headers.sort();
    signed_headers.dedup();

    let payload_hash = payload_hash_hex(headers, body);
    let canonical = canonical_request(
        method,
        raw_path,
        raw_query,
        headers,
        &signed_headers,
        &payload_hash,
    )?;
    let auth = Authorization {
        access_key: access_key.to_owned(),
        signed_headers,
        signature: signature(secret_key, &string_to_sign(&date, &canonical)),
    };
    let value =
        HeaderValue::from_str(&auth.to_string()).map_err(|_| SigningError::InvalidAccessKey)?;
    headers.insert(AUTHORIZATION, value);
    Ok(())
}

#[cfg(test)]
mod tests;
