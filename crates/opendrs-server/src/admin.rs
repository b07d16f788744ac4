//! Identity administration on a store: accounts, projects, enterprise projects, users, roles,
//! limits and access keys. Used by `opendrs admin …` and by `--demo`. Secrets are returned once
//! to the caller and stored only hashed (passwords) or sealed (secret keys).

use opendrs_core::store::{AdminStore, StoreError, StoreErrorKind};
use opendrs_core::{
    caller::{Role, Tenant},
    clock::now_ms,
    crypto::{
        hash_password, new_access_key, new_id, new_password, new_secret_key, MasterKey, Purpose,
    },
};
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
    move |e| match e.kind() {
        StoreErrorKind::Conflict => anyhow::anyhow!("{what} already exists"),
        _ => e.into(),
    }
}

/// Creates an account (domain); returns its ID.
pub async fn account_create(store: &dyn AdminStore, name: &str) -> anyhow::Result<String> {
    let id = new_id();
    store
        .domain_create(&id, name, now_ms())
        .await
        .map_err(already_exists(format!("an account named {name:?}")))?;
    Ok(id)
}

/// Creates a project in an account, with the default enterprise project "0".
pub async fn project_create(
    store: &dyn AdminStore,
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
        .project_create(account, &id, name, now_ms())
        .await
        .map_err(already_exists(format!("a project with ID {id}")))
}

/// Creates an enterprise project in a project.
pub async fn enterprise_project_create(
    store: &dyn AdminStore,
    project_id: &str,
    id: &str,
    name: &str,
) -> anyhow::Result<()> {
    let tenant = store
        .project_find(project_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no such project {project_id}"))?;
    store.enterprise_project_upsert(&tenant, id, name).await?;
    Ok(())
}

/// Creates a user; returns (user ID, password). A password is generated when none is given.
pub async fn user_create(
    store: &dyn AdminStore,
    account: &str,
    name: &str,
    password: Option<&str>,
) -> anyhow::Result<(String, String)> {
    let password = password.map(str::to_string).unwrap_or_else(new_password);
    let id = new_id();
    let hash = hash_password(&password);
    store
        .user_create(account, &id, name, &hash, now_ms())
        .await
        .map_err(already_exists(format!(
            "a user named {name:?} in account {account:?}"
        )))?;
    Ok((id, password))
}

pub async fn user_set_enabled(
    store: &dyn AdminStore,
    account: &str,
    user: &str,
    enabled: bool,
) -> anyhow::Result<()> {
    Ok(store.user_set_enabled(account, user, enabled).await?)
}

/// Sets a (given or generated) password; returns it. Earlier tokens stop working.
pub async fn user_set_password(
    store: &dyn AdminStore,
    account: &str,
    user: &str,
    password: Option<&str>,
) -> anyhow::Result<String> {
    let password = password.map(str::to_string).unwrap_or_else(new_password);
    let hash = hash_password(&password);
    store.user_set_password(account, user, &hash).await?;
    Ok(password)
}

pub async fn role_set(
    store: &dyn AdminStore,
    account: &str,
    user: &str,
    project: &str,
    role: Role,
    grant: bool,
) -> anyhow::Result<()> {
    Ok(store.role_set(account, user, project, role, grant).await?)
}

pub async fn user_limit(
    store: &dyn AdminStore,
    account: &str,
    user: &str,
    project: &str,
    eps: &[String],
) -> anyhow::Result<()> {
    Ok(store.user_limit(account, user, project, eps).await?)
}

/// Creates an access key for a user.
pub async fn key_create(
    store: &dyn AdminStore,
    master: &MasterKey,
    account: &str,
    user: &str,
) -> anyhow::Result<KeyPair> {
    let pair = KeyPair {
        ak: new_access_key(),
        sk: new_secret_key(),
    };
    let sealed = master.seal(Purpose::SecretKey, pair.sk.as_bytes());
    store
        .key_create(account, user, &pair.ak, &sealed, now_ms())
        .await?;
    Ok(pair)
}

/// Replaces a key by a new one for the same user.
pub async fn key_rotate(
    store: &dyn AdminStore,
    master: &MasterKey,
    ak: &str,
) -> anyhow::Result<KeyPair> {
    let pair = KeyPair {
        ak: new_access_key(),
        sk: new_secret_key(),
    };
    let sealed = master.seal(Purpose::SecretKey, pair.sk.as_bytes());
    store
        .key_replace(ak, &pair.ak, &sealed, now_ms())
        .await
        .map_err(|e| match e.kind() {
            StoreErrorKind::NotFound => anyhow::anyhow!("no such access key {ak}"),
            _ => e.into(),
        })?;
    Ok(pair)
}

/// Deletes a key; an unknown key is an error.
pub async fn key_delete(store: &dyn AdminStore, ak: &str) -> anyhow::Result<()> {
    if !store.key_delete(ak).await? {
        anyhow::bail!("no such access key {ak}");
    }
    Ok(())
}
