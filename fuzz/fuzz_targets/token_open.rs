//! The token opener (`opendrs_core::identity::token_open`, over `crypto::MasterKey::open`) with a
//! fixed master key. The first input byte chooses how the rest is used: as a token as sent
//! (`X-Auth-Token`), or as edits applied to a valid token (its text, or its sealed bytes).
//!
//! Checks: only the tokens issued with this key open (the seeds, and one issued at start-up), and
//! to the claims they were issued with; no edit of a valid token opens, unless the edit left the
//! token as it was (or only added surrounding whitespace, which is trimmed).
#![no_main]

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use libfuzzer_sys::fuzz_target;
use opendrs_core::{
    crypto::MasterKey,
    identity::{token_issue, token_open, TokenClaims},
};
use std::sync::LazyLock;

/// The fixed master key the seed tokens were issued with.
const KEY: [u8; 32] = [0x42; 32];

/// Tokens issued with [`KEY`] (committed as seeds in `fuzz/corpus/token_open/`), and their claims.
const ISSUED: [(&str, &str, &str, i64); 2] = [
    (
        "MIIVGaPFQ4KQLH0GsTY-clCGv5cRyJHc_k82yxMuzchSfdxM4XnS1N3BOeqhmpVJyVD1VXfzQZllsvSbaz6bfXor2ieZu1ReZhPQvC2ZdrMMbS2RqQcUZ23SYbU6oUcHQMLNrB3fv9EOcVcOzFyNuOKOJZsoj86_1rHnc4q9zf_OyHOqkS8hkN87f1iPkg9rMA7TuUz9jkF0cM9ncnxMvvyR8daqQkE7RdTR7f7g8hSUg",
        "u-alice",
        "0123456789abcdef0123456789abcdef",
        1_767_225_600,
    ),
    (
        "MIIabY3VoAlr59-bn0lfhFP2XvU2fCqFKlGDmELzqYQIdDLMENkOsEGmzbur05mUutQUqy4_zQEEnoQ_NZKsk-98AWseW2XDHtmg3g3IqKBOgrxwX0VJJgRKlXT0LukenIVN6dKS3ZoWyyIjQXu0emjk4gz9zWbJ49FbDJd8HtCQeBDasRQ8iRE2pBnVs_VuHXH98ggNauCZEJqveEy9ZliUung-zJE-w8Mu7M4TdI",
        "u-bob",
        "fedcba9876543210fedcba9876543210",
        1_798_761_600,
    ),
];

fn claims(user: &str, project: &str, issued_at: i64) -> TokenClaims {
    TokenClaims {
        user_id: user.into(),
        project_id: project.into(),
        issued_at,
        expires_at: issued_at + 86_400,
        password_epoch: 0,
    }
}

struct Fixture {
    key: MasterKey,
    /// Every valid token with its claims: the committed ones and one issued now.
    tokens: Vec<(String, TokenClaims)>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let key = MasterKey::from_bytes(&KEY).expect("32 bytes");
    let mut tokens: Vec<(String, TokenClaims)> = ISSUED
        .iter()
        .map(|(t, u, p, at)| (t.to_string(), claims(u, p, *at)))
        .collect();
    let fresh = claims("u-carol", "0123456789abcdef0123456789abcdef", 0);
    tokens.push((token_issue(&key, &fresh), fresh));
    for (token, c) in &tokens {
        assert_eq!(
            token_open(&key, token).as_ref(),
            Some(c),
            "a valid token opens to its claims"
        );
    }
    Fixture { key, tokens }
});

fuzz_target!(|data: &[u8]| {
    let f = &*FIXTURE;
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => as_sent(f, rest),
        1 => edit_text(f, rest),
        _ => edit_sealed(f, rest),
    }
});

/// A token as a client sends it: opens only if it is a valid token (give or take whitespace).
fn as_sent(f: &Fixture, data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(opened) = token_open(&f.key, token) {
        let known = f.tokens.iter().find(|(t, _)| t == token.trim());
        assert!(
            known.is_some(),
            "a token that was never issued opened: {token:?}"
        );
        assert_eq!(
            known.map(|(_, c)| c),
            Some(&opened),
            "a token opened to other claims"
        );
    }
}

/// Edits as (position, operation, byte) triples: replace, insert, or delete.
fn apply_edits(mut v: Vec<u8>, edits: &[u8]) -> Vec<u8> {
    for e in edits.chunks_exact(3) {
        let at = usize::from(e[0]) * 7 % (v.len() + 1);
        match e[1] % 3 {
            0 if at < v.len() => v[at] = e[2],
            1 => v.insert(at, e[2]),
            2 if at < v.len() => {
                v.remove(at);
            }
            _ => {}
        }
    }
    v
}

fn pick<'a>(f: &'a Fixture, data: &'a [u8]) -> (&'a (String, TokenClaims), &'a [u8]) {
    let (&which, edits) = data.split_first().unwrap_or((&0, &[]));
    (&f.tokens[usize::from(which) % f.tokens.len()], edits)
}

/// A valid token with its text edited opens only if the edit changed nothing that counts.
fn edit_text(f: &Fixture, data: &[u8]) {
    let ((token, c), edits) = pick(f, data);
    let edited = apply_edits(token.clone().into_bytes(), edits);
    let Ok(edited) = String::from_utf8(edited) else {
        return;
    };
    let opened = token_open(&f.key, &edited);
    if edited.trim() == token {
        assert_eq!(opened.as_ref(), Some(c));
    } else {
        assert_eq!(opened, None, "an edited token opened: {edited:?}");
    }
}

/// A valid token with its sealed bytes edited (and encoded again) opens only if unchanged.
fn edit_sealed(f: &Fixture, data: &[u8]) {
    let ((token, c), edits) = pick(f, data);
    let sealed = URL_SAFE_NO_PAD
        .decode(&token["MII".len()..])
        .expect("a valid token is base64");
    let edited = apply_edits(sealed.clone(), edits);
    let opened = token_open(&f.key, &format!("MII{}", URL_SAFE_NO_PAD.encode(&edited)));
    if edited == sealed {
        assert_eq!(opened.as_ref(), Some(c));
    } else {
        assert_eq!(opened, None, "a token with edited sealed bytes opened");
    }
}
