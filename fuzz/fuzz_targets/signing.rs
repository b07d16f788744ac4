//! `SDK-HMAC-SHA256` (`opendrs_core::signing`): the `Authorization` header parser, the canonical
//! request, the verifier and the signer. The input is an HTTP/1.1 request as text (request line,
//! `Name: value` header lines, a blank line, the body), as `docs/fuzzing.md` describes; the seeds
//! are the official Python SDK's requests, signed with the spec's example AK/SK.
//!
//! Checks: a parsed `Authorization` prints back to itself; the canonical URI and query are
//! idempotent and the canonical request is deterministic; a request the verifier accepts is
//! refused with any one bit of its signature flipped, with another secret key and with another
//! body (unless its payload is signed as unsigned); no request verifies with an unrelated
//! signature; a request signed by `sign_request` verifies; `X-Sdk-Date` round-trips.
#![no_main]

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use opendrs_core::signing::{
    canonical_query, canonical_request, canonical_uri, format_sdk_date, parse_authorization,
    parse_sdk_date, sdk_date, sign_request, verify, Authorization, SigningError,
    CONTENT_SHA256_HEADER, UNSIGNED_PAYLOAD,
};
use sha2::{Digest, Sha256};

/// The spec's example credentials (`sdk-requests.md`): the seeds are signed with them.
const AK: &str = "EXAMPLEAK0000000000A";
const SK: &[u8] = b"exampleSecretKey0000000000000000000000SK";

struct Request<'a> {
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: HeaderMap,
    body: &'a [u8],
}

/// `sdk-requests.md` case 0, the SDK's deterministic test vector: it must verify with [`SK`], or
/// the verifier's accepting side would never be reached.
static VECTOR_VERIFIES: std::sync::LazyLock<()> = std::sync::LazyLock::new(|| {
    let vector = include_bytes!("../corpus/signing/sdk-case-0.http");
    let req = parse_request(vector).expect("the test vector parses");
    let auth = req
        .headers
        .get(AUTHORIZATION)
        .map(|v| parse_authorization(&latin1(v.as_bytes())));
    let auth = auth.expect("signed").expect("a valid Authorization");
    assert_eq!(
        verifies(&req, &auth, SK, req.body),
        Ok(()),
        "the SDK's test vector verifies"
    );
});

fuzz_target!(|data: &[u8]| {
    std::sync::LazyLock::force(&VECTOR_VERIFIES);
    if let Ok(text) = std::str::from_utf8(data) {
        check_authorization(text);
    }
    let Some(req) = parse_request(data) else {
        return;
    };
    for value in req.headers.values() {
        check_authorization(&latin1(value.as_bytes()));
    }
    check_canonical(&req);
    if let Some(auth) = req
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| parse_authorization(&latin1(v.as_bytes())).ok())
    {
        check_verifier(&req, &auth);
    }
    check_signer(&req);
});

/// A header's text as the server reads it: UTF-8, or else Latin-1.
fn latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn parse_request(data: &[u8]) -> Option<Request<'_>> {
    let end = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match end {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &data[data.len()..]),
    };
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = std::str::from_utf8(lines.next()?).ok()?;
    let mut parts = line.split(' ');
    let method = parts.next().filter(|m| !m.is_empty())?;
    let target = parts.next()?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut headers = HeaderMap::new();
    for l in lines {
        let Some(colon) = l.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = l[colon + 1..].trim_ascii();
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(&l[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(n, v);
        }
    }
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn check_authorization(value: &str) {
    let Ok(auth) = parse_authorization(value) else {
        return;
    };
    let printed = auth.to_string();
    assert!(
        HeaderValue::from_str(&printed).is_ok(),
        "prints as a header value: {printed:?}"
    );
    assert_eq!(
        parse_authorization(&printed).as_ref(),
        Ok(&auth),
        "prints back to itself"
    );
    assert!(auth.signed_headers.iter().any(|h| h == "x-sdk-date"));
}

fn check_canonical(req: &Request<'_>) {
    let uri = canonical_uri(req.path);
    assert!(uri.ends_with('/'));
    assert!(uri
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.~%/".contains(&b)));
    assert_eq!(canonical_uri(&uri), uri, "the canonical URI is canonical");
    let query = canonical_query(req.query);
    assert_eq!(
        canonical_query(Some(&query)),
        query,
        "the canonical query is canonical"
    );
    let names: Vec<String> = req.headers.keys().map(|n| n.as_str().to_owned()).collect();
    let once = canonical_request(req.method, req.path, req.query, &req.headers, &names, "h");
    let twice = canonical_request(req.method, req.path, req.query, &req.headers, &names, "h");
    assert_eq!(once, twice, "the canonical request is deterministic");
    assert!(once.is_ok(), "every header present can be signed");
}

fn verifies(
    req: &Request<'_>,
    auth: &Authorization,
    sk: &[u8],
    body: &[u8],
) -> Result<(), SigningError> {
    verify(
        auth,
        sk,
        req.method,
        req.path,
        req.query,
        &req.headers,
        body,
    )
}

fn check_verifier(req: &Request<'_>, auth: &Authorization) {
    // An unrelated signature (the request's bytes) never verifies.
    let mut unrelated = auth.clone();
    let noise = [req.path.as_bytes(), req.body, req.method.as_bytes()].concat();
    for (i, b) in unrelated.signature.iter_mut().enumerate() {
        *b ^= noise.get(i).copied().unwrap_or(0x5a) | 1;
    }
    assert!(
        verifies(req, &unrelated, SK, req.body).is_err(),
        "an unrelated signature verified"
    );
    if verifies(req, auth, SK, req.body).is_err() {
        return;
    }
    for bit in [0, 1, 7, 8, 100, 128, 200, 255] {
        let mut flipped = auth.clone();
        flipped.signature[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(
            verifies(req, &flipped, SK, req.body),
            Err(SigningError::SignatureMismatch),
            "a signature with bit {bit} flipped verified"
        );
    }
    assert!(
        verifies(req, auth, b"another secret key", req.body).is_err(),
        "another key verified"
    );
    let unsigned_payload = auth
        .signed_headers
        .iter()
        .any(|h| h == CONTENT_SHA256_HEADER)
        && req
            .headers
            .get(CONTENT_SHA256_HEADER)
            .is_some_and(|v| v == UNSIGNED_PAYLOAD);
    if !unsigned_payload {
        let other = [req.body, b" "].concat();
        assert!(
            verifies(req, auth, SK, &other).is_err(),
            "another body verified"
        );
    }
}

fn check_signer(req: &Request<'_>) {
    let body_hash = hex(&Sha256::digest(req.body));
    let usable_claim = req.headers.get(CONTENT_SHA256_HEADER).is_none_or(|v| {
        let v = latin1(v.as_bytes());
        v == UNSIGNED_PAYLOAD || v.eq_ignore_ascii_case(&body_hash)
    });
    // A client claiming a wrong body hash signs a request no server accepts: not a signer property.
    if !usable_claim {
        return;
    }
    let now = time::OffsetDateTime::from_unix_timestamp(1_798_761_600).expect("a valid time");
    let mut headers = req.headers.clone();
    sign_request(
        AK,
        SK,
        req.method,
        req.path,
        req.query,
        &mut headers,
        req.body,
        now,
    )
    .expect("a request with a valid AK and date signs");
    let auth = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(parse_authorization)
        .expect("the signer writes an Authorization header")
        .expect("the signer's Authorization parses");
    let signed = Request { headers, ..*req };
    assert_eq!(
        verifies(&signed, &auth, SK, signed.body),
        Ok(()),
        "a signed request verifies"
    );
    let date = sdk_date(&signed.headers).expect("the signer writes X-Sdk-Date");
    assert_eq!(date, now);
    let text = format_sdk_date(date).expect("formats");
    assert_eq!(parse_sdk_date(&text), Ok(date), "X-Sdk-Date round-trips");
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
        .map(char::from)
        .collect()
}
