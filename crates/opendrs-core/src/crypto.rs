//! Secrets at rest and in flight: the master key, authenticated encryption of secret keys and
//! tokens (XChaCha20-Poly1305 under per-purpose subkeys), Argon2 password hashes, and random
//! credentials.

mod password;

pub use password::verify_password;

use argon2::{
    password_hash::{PasswordHasher, SaltString},
    Argon2,
};
use chacha20poly1305::{
    aead::{Aead, KeyInit},
    XChaCha20Poly1305, XNonce,
};
use hmac::{Hmac, Mac};
use rand::{rngs::OsRng, Rng, RngCore};
use sha2::Sha256;

const NONCE: usize = 24;

/// The service's root secret (32 bytes). Never logged; subkeys are derived per purpose.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

/// What a sealed value is for; each purpose has its own subkey.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    SecretKey,
    Token,
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        MasterKey(k)
    }

    /// From exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(MasterKey)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        hex::decode(s.trim())
            .ok()
            .and_then(|b| Self::from_bytes(&b))
    }

    fn cipher(&self, purpose: Purpose) -> XChaCha20Poly1305 {
        let label: &[u8] = match purpose {
            Purpose::SecretKey => b"opendrs/secret-key/v1",
            Purpose::Token => b"opendrs/token/v1",
        };
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(label);
        let sub = mac.finalize().into_bytes();
        XChaCha20Poly1305::new(&sub)
    }

    /// Encrypts and authenticates `plaintext`: nonce ‖ ciphertext.
    pub fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE];
        OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher(purpose)
            .encrypt(XNonce::from_slice(&nonce), plaintext)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        out
    }

    /// Decrypts what [`seal`](Self::seal) made; `None` if it was altered or sealed otherwise.
    pub fn open(&self, purpose: Purpose, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE + 16 {
            return None;
        }
        let (nonce, ct) = sealed.split_at(NONCE);
        self.cipher(purpose)
            .decrypt(XNonce::from_slice(nonce), ct)
            .ok()
    }
}

/// An Argon2id hash in PHC string form.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// `n` random characters from `alphabet`.
fn random_string(n: usize, alphabet: &[u8]) -> String {
    let mut rng = OsRng;
    (0..n)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

/// A new access key ID: 20 uppercase letters and digits, as the original's.
pub fn new_access_key() -> String {
    random_string(20, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}

/// A new secret key: 40 letters and digits.
pub fn new_secret_key() -> String {
    random_string(
        40,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    )
}

/// A new password for generated users: 16 letters and digits.
pub fn new_password() -> String {
    random_string(
        16,
        b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
    )
}

/// A new 32-hex-character ID (projects, users, domains).
pub fn new_id() -> String {
    random_string(32, b"0123456789abcdef")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_purpose() {
        let k = MasterKey::generate();
        let sealed = k.seal(Purpose::SecretKey, b"sk");
        assert_eq!(
            k.open(Purpose::SecretKey, &sealed).as_deref(),
            Some(&b"sk"[..])
        );
        assert_eq!(k.open(Purpose::Token, &sealed), None);
        assert_eq!(
            MasterKey::generate().open(Purpose::SecretKey, &sealed),
            None
        );
    }

    #[test]
    fn a_tampered_sealed_value_does_not_open() {
        let k = MasterKey::generate();
        let mut sealed = k.seal(Purpose::Token, b"claims");
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert_eq!(k.open(Purpose::Token, &sealed), None);
        assert_eq!(k.open(Purpose::Token, &sealed[..10]), None);
    }

    #[test]
    fn sealing_twice_gives_different_bytes() {
        let k = MasterKey::generate();
        assert_ne!(k.seal(Purpose::Token, b"x"), k.seal(Purpose::Token, b"x"));
    }

    #[test]
    fn passwords_verify_against_their_hash_only() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsE", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_master_key_round_trips_through_hex_and_hides_in_debug() {
        let k = MasterKey::generate();
        assert_eq!(
            MasterKey::from_hex(&k.to_hex()).map(|k| k.to_hex()),
            Some(k.to_hex())
        );
        assert!(!format!("{k:?}").contains(&k.to_hex()));
        assert!(MasterKey::from_hex("abcd").is_none());
    }

    #[test]
    fn generated_credentials_have_the_documented_shapes() {
        assert_eq!(new_access_key().len(), 20);
        assert_eq!(new_secret_key().len(), 40);
        let id = new_id();
        assert!(
            id.len() == 32
                && id
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
