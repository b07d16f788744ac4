//! Identity as the request path sees it: an in-memory snapshot of projects, users, roles and
//! access keys (reloaded when the store's identity version changes), IAM-style tokens, and the
//! rules that turn credentials into a [`Caller`] scoped to one project.

use crate::{
    caller::{Caller, Role, Tenant},
    crypto::{MasterKey, Purpose},
    error::Error,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A project in the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEntry {
    pub tenant: Tenant,
    pub name: String,
    pub domain_id: Option<String>,
}

/// A user in the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    pub id: String,
    pub name: String,
    pub domain_id: String,
    pub domain_name: String,
    pub password_hash: String,
    pub enabled: bool,
    /// Bumped when the password changes and when the user is disabled: older tokens stop
    /// working, and stay invalid after the user is enabled again.
    pub password_epoch: i64,
    /// Roles by project ID.
    pub roles: HashMap<String, Vec<Role>>,
    /// Enterprise-project limits by project ID (absent: unlimited).
    pub enterprise_projects: HashMap<String, Vec<String>>,
}

/// An access key in the snapshot. Its secret is sealed as the store returns it, and plain after
/// [`IdentitySnapshot::open_secrets`].
#[derive(Clone, PartialEq, Eq)]
pub struct KeyEntry {
    pub user_id: String,
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyEntry")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// Everything authentication needs, read from the store in one go.
#[derive(Debug, Clone, Default)]
pub struct IdentitySnapshot {
    /// The store's identity version this snapshot reflects.
    pub version: i64,
    pub projects: HashMap<String, ProjectEntry>,
    pub users: HashMap<String, UserEntry>,
    pub keys: HashMap<String, KeyEntry>,
}

impl IdentitySnapshot {
    /// Decrypts every key's secret with the master key; keys that do not open (sealed under
    /// another master key) are dropped, and their number returned.
    pub fn open_secrets(&mut self, key: &MasterKey) -> usize {
        let before = self.keys.len();
        self.keys
            .retain(|_, k| match key.open(Purpose::SecretKey, &k.secret) {
                Some(plain) => {
                    k.secret = plain;
                    true
                }
                None => false,
            });
        before - self.keys.len()
    }

    /// The caller for `user` acting on `project_id`.
    /// Unknown project, or no role there → `DRS.M00261`; disabled user → `APIGW.0301`.
    pub fn caller(&self, user: &UserEntry, project_id: &str) -> Result<Caller, Error> {
        if !user.enabled {
            return Err(Error::Unauthenticated {
                reason: "the user is disabled".into(),
            });
        }
        let project = self
            .projects
            .get(project_id)
            .ok_or(Error::ProjectMismatch)?;
        let roles = user
            .roles
            .get(project_id)
            .filter(|r| !r.is_empty())
            .ok_or(Error::ProjectMismatch)?;
        Ok(Caller {
            tenant: project.tenant.clone(),
            user_id: user.id.clone(),
            roles: roles.clone(),
            enterprise_projects: user.enterprise_projects.get(project_id).cloned(),
        })
    }

    /// The projects `user_id` holds a role in, by name (then ID): `(project ID, name, domain ID)`.
    /// A disabled or unknown user has none.
    pub fn projects_of_user(&self, user_id: &str) -> Vec<(String, String, Option<String>)> {
        let Some(user) = self.users.get(user_id).filter(|u| u.enabled) else {
            return Vec::new();
        };
        let mut found: Vec<_> = user
            .roles
            .iter()
            .filter(|(_, roles)| !roles.is_empty())
            .filter_map(|(pid, _)| {
                let p = self.projects.get(pid)?;
                Some((pid.clone(), p.name.clone(), p.domain_id.clone()))
            })
            .collect();
        found.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        found
    }

    /// Finds a user by domain (name or ID) and user name.
    pub fn user_by_name(&self, domain: &str, name: &str) -> Option<&UserEntry> {
        self.users
            .values()
            .find(|u| u.name == name && (u.domain_name == domain || u.domain_id == domain))
    }

    /// Finds a project by name within a domain (or by name alone when `domain` is `None` and
    /// the name is unique).
    pub fn project_by_name(&self, domain_id: Option<&str>, name: &str) -> Option<&ProjectEntry> {
        let mut found = self.projects.values().filter(|p| {
            p.name == name && (domain_id.is_none() || p.domain_id.as_deref() == domain_id)
        });
        let first = found.next();
        if found.next().is_some() {
            return None;
        }
        first
    }
}

/// What a token says. Sealed, so a client can neither read nor forge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    pub user_id: String,
    pub project_id: String,
    /// Unix seconds.
    pub issued_at: i64,
    pub expires_at: i64,
    pub password_epoch: i64,
}

const TOKEN_PREFIX: &str = "MII";

/// Seals claims into an opaque token.
pub fn token_issue(key: &MasterKey, claims: &TokenClaims) -> String {
    let json = serde_json::to_vec(claims).unwrap_or_default();
    format!(
        "{TOKEN_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(key.seal(Purpose::Token, &json))
    )
}

/// Opens a token; `None` if it was not issued with this key or was altered.
pub fn token_open(key: &MasterKey, token: &str) -> Option<TokenClaims> {
    let body = token.trim().strip_prefix(TOKEN_PREFIX)?;
    let sealed = URL_SAFE_NO_PAD.decode(body).ok()?;
    let json = key.open(Purpose::Token, &sealed)?;
    serde_json::from_slice(&json).ok()
}

/// Checks a token's claims against the snapshot at `now` (Unix seconds) for `path_project`.
pub fn token_caller(
    snap: &IdentitySnapshot,
    claims: &TokenClaims,
    now: i64,
    path_project: &str,
) -> Result<Caller, Error> {
    let user = snap
        .users
        .get(&claims.user_id)
        .ok_or_else(|| Error::Unauthenticated {
            reason: "the token's user no longer exists".into(),
        })?;
    if user.password_epoch != claims.password_epoch {
        return Err(Error::Unauthenticated {
            reason: "the token was revoked (password change or user disabled)".into(),
        });
    }
    if now >= claims.expires_at {
        return Err(Error::TokenExpired);
    }
    if claims.project_id != path_project {
        return Err(Error::ProjectMismatch);
    }
    snap.caller(user, path_project)
}

#[cfg(test)]
mod tests;
