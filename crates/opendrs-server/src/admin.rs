//! Identity administration on a store: accounts, projects, enterprise projects, users, roles,
//! limits and access keys. Used by `opendrs admin …` and by `--demo`. Secrets are returned once
//! to the caller and stored only hashed (passwords) or sealed (secret keys).

use opendrs_core::store::StoreError;
use opendrs_core::{
    caller::{Role, Tenant},
    clock::now_ms,
    crypto::{
        hash_password, new_access_key, new_id, new_password, new_secret_key, MasterKey, Purpose,
    },
};
use opendrs_store::SqliteStore;
use serde::Serialize;

/// A new access key pair, shown once.
#[derive(Debug, Clone, Serialize)]
pub struct KeyPair {
    pub ak: String,
    pub sk: String,
}

/// A uniqueness conflict said as a person would ("an account named acme already exists");
/// any other error as it is.
fn already_exists(what: String) -> impl FnOnce(StoreError) -> anyhow::Error {
    move |e| match e {
        StoreError::Conflict(_) => anyhow::anyhow!("{what} already exists"),
        other => other.into(),
    }
}

/// Creates an account (domain); returns its ID.
pub fn account_create(store: &SqliteStore, name: &str) -> anyhow::Result<String> {
    store
        .write(|w| w.domain_create(&new_id(), name, now_ms()))
        .map_err(already_exists(format!("an account named {name:?}")))
}

/// Creates a project in an account, with the default enterprise project "0".
pub fn project_create(
    store: &SqliteStore,
    account: &str,
    name: &str,
    id: Option<&str>,
) -> anyhow::Result<Tenant> {
    let id = id.map(str::to_string).unwrap_or_else(new_id);
    if id.len() != 32
        || !id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    {
        anyhow::bail!("a project ID is 32 lowercase hexadecimal characters");
    }
    store
        .write(|w| {
            let t = w.project_create(account, &id, name, now_ms())?;
            w.enterprise_project_upsert(&t, "0", "default")?;
            Ok(t)
        })
        .map_err(already_exists(format!("a project with ID {id}")))
}

/// Creates an enterprise project in a project.
pub fn enterprise_project_create(
    store: &SqliteStore,
    project_id: &str,
    id: &str,
    name: &str,
) -> anyhow::Result<()> {
    store.write(|w| {
        let t = w.project_upsert(project_id, "", 0)?;
        w.enterprise_project_upsert(&t, id, name)
    })?;
    Ok(())
}

/// Creates a user; returns (user ID, password). A password is generated when none is given.
pub fn user_create(
    store: &SqliteStore,
    account: &str,
    name: &str,
    password: Option<&str>,
) -> anyhow::Result<(String, String)> {
    let password = password.map(str::to_string).unwrap_or_else(new_password);
    let id = new_id();
    let hash = hash_password(&password);
    store
        .write(|w| w.user_create(account, &id, name, &hash, now_ms()))
        .map_err(already_exists(format!(
            "a user named {name:?} in account {account:?}"
        )))?;
    Ok((id, password))
}

pub fn user_set_enabled(
    store: &SqliteStore,
    account: &str,
    user: &str,
    enabled: bool,
) -> anyhow::Result<()> {
    Ok(store.write(|w| w.user_set_enabled(account, user, enabled))?)
}

/// Sets a (given or generated) password; returns it. Earlier tokens stop working.
pub fn user_set_password(
    store: &SqliteStore,
    account: &str,
    user: &str,
    password: Option<&str>,
) -> anyhow::Result<String> {
    let password = password.map(str::to_string).unwrap_or_else(new_password);
    let hash = hash_password(&password);
    store.write(|w| w.user_set_password(account, user, &hash))?;
    Ok(password)
}

pub fn role_set(
    store: &SqliteStore,
    account: &str,
    user: &str,
    project: &str,
    role: Role,
    grant: bool,
) -> anyhow::Result<()> {
    Ok(store.write(|w| w.role_set(account, user, project, role, grant))?)
}

pub fn user_limit(
    store: &SqliteStore,
    account: &str,
    user: &str,
    project: &str,
    eps: &[String],
) -> anyhow::Result<()> {
    Ok(store.write(|w| w.user_limit(account, user, project, eps))?)
}

/// Creates an access key for a user.
pub fn key_create(
    store: &SqliteStore,
    master: &MasterKey,
    account: &str,
    user: &str,
) -> anyhow::Result<KeyPair> {
    let pair = KeyPair {
        ak: new_access_key(),
        sk: new_secret_key(),
    };
    let sealed = master.seal(Purpose::SecretKey, pair.sk.as_bytes());
    store.write(|w| w.key_create(account, user, &pair.ak, &sealed, now_ms()))?;
    Ok(pair)
}

/// Replaces a key by a new one for the same user.
pub fn key_rotate(store: &SqliteStore, master: &MasterKey, ak: &str) -> anyhow::Result<KeyPair> {
    let pair = KeyPair {
        ak: new_access_key(),
        sk: new_secret_key(),
    };
    let sealed = master.seal(Purpose::SecretKey, pair.sk.as_bytes());
    store.write(|w| {
        let (account, user) = w.key_owner(ak)?.ok_or(rusqlite_no_such("access key"))?;
        w.key_delete(ak)?;
        w.key_create(&account, &user, &pair.ak, &sealed, now_ms())
    })?;
    Ok(pair)
}

fn rusqlite_no_such(what: &str) -> opendrs_store::rusqlite::Error {
    opendrs_store::rusqlite::Error::InvalidParameterName(format!("no such {what}"))
}

/// Deletes a key; an unknown key is an error.
pub fn key_delete(store: &SqliteStore, ak: &str) -> anyhow::Result<()> {
    if !store.write(|w| w.key_delete(ak))? {
        anyhow::bail!("no such access key {ak}");
    }
    Ok(())
}
