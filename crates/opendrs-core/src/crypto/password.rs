//! Argon2id password checks on reused memory: each check needs `m` KiB of working memory
//! (19 MiB with the defaults). Allocated anew per login, that is a 19 MiB allocation and free
//! on whichever blocking thread runs the check, which the allocator may keep cached per thread;
//! in the first soak, resident memory rose in steps of about that size. The blocks now come from
//! a small pool: a check takes one (or allocates it the first time) and gives it back, so the
//! memory is allocated once per concurrent check (`login_concurrency`) and never again.

use argon2::{
    password_hash::{Output, PasswordHash},
    Algorithm, Argon2, Block, Params, Version,
};
use std::sync::Mutex;

/// Most working memories kept for reuse; a check beyond them allocates and frees its own.
const POOLED: usize = 8;

static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// A working memory of at least `blocks` blocks.
fn take(blocks: usize) -> Vec<Block> {
    let pooled = MEMORY.lock().ok().and_then(|mut pool| {
        let at = pool.iter().position(|m| m.len() >= blocks)?;
        Some(pool.swap_remove(at))
    });
    pooled.unwrap_or_else(|| vec![Block::default(); blocks])
}

fn give_back(memory: Vec<Block>) {
    if let Ok(mut pool) = MEMORY.lock() {
        if pool.len() < POOLED {
            pool.push(memory);
        }
    }
}

/// Whether `password` matches the PHC string `hash` (an Argon2 hash; anything else, or a
/// malformed one, is no match). The comparison of the outputs is constant-time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    check(password, hash).unwrap_or(false)
}

fn check(password: &str, hash: &str) -> Option<bool> {
    let h = PasswordHash::new(hash).ok()?;
    let algorithm = Algorithm::try_from(h.algorithm).ok()?;
    let version = match h.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&h).ok()?;
    let expected = h.hash?;
    let mut salt = [0u8; 64];
    let salt = h.salt?.decode_b64(&mut salt).ok()?;
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut memory = take(blocks);
    let mut out = vec![0u8; expected.len()];
    let hashed = argon.hash_password_into_with_memory(
        password.as_bytes(),
        salt,
        &mut out,
        &mut memory[..blocks],
    );
    give_back(memory);
    hashed.ok()?;
    Some(Output::new(&out).ok()? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    fn phc(password: &str, params: Params) -> String {
        let salt = SaltString::encode_b64(b"0123456789abcdef").expect("salt");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .expect("hash")
            .to_string()
    }

    #[test]
    fn a_password_matches_its_hash_and_nothing_else_matches() {
        let h = phc("correct horse", Params::default());
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsE", &h));
        assert!(!verify_password("", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password(
            "correct horse",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA"
        ));
    }

    #[test]
    fn hashes_of_other_costs_versions_and_variants_verify_as_argon2_itself_verifies() {
        use argon2::password_hash::PasswordVerifier;
        let small = Params::new(64, 1, 1, None).expect("params");
        let big = Params::new(256, 2, 2, Some(48)).expect("params");
        for params in [small, big, Params::default()] {
            for (alg, ver) in [
                (Algorithm::Argon2id, Version::V0x13),
                (Algorithm::Argon2i, Version::V0x10),
                (Algorithm::Argon2d, Version::V0x13),
            ] {
                let salt = SaltString::encode_b64(b"saltsaltsalt").expect("salt");
                let h = Argon2::new(alg, ver, params.clone())
                    .hash_password(b"pw", &salt)
                    .expect("hash")
                    .to_string();
                let parsed = PasswordHash::new(&h).expect("parse");
                assert!(
                    Argon2::default().verify_password(b"pw", &parsed).is_ok(),
                    "{h}"
                );
                assert!(verify_password("pw", &h), "{h}");
                assert!(!verify_password("pW", &h), "{h}");
            }
        }
    }

    #[test]
    fn checks_reuse_pooled_memory_and_the_pool_stays_bounded() {
        let h = phc("pw", Params::new(64, 1, 1, None).expect("params"));
        let checks: Vec<_> = (0..3 * POOLED)
            .map(|_| {
                let h = h.clone();
                std::thread::spawn(move || verify_password("pw", &h))
            })
            .collect();
        for c in checks {
            assert!(c.join().expect("a check"));
        }
        let pooled = MEMORY.lock().expect("pool").len();
        assert!((1..=POOLED).contains(&pooled), "{pooled} pooled");
    }
}
