//! Identity rows: accounts, users, projects' owners, role bindings, enterprise-project limits
//! and access keys; and the snapshot authentication keeps in memory.

use opendrs_core::{
    caller::{Role, Tenant},
    identity::{IdentitySnapshot, KeyEntry, ProjectEntry, UserEntry},
};
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

/// The identity version; it moves on every identity change.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT version FROM identity_version WHERE id = 1",
        [],
        |r| r.get(0),
    )
}

/// Reads every project, user, role, limit and (sealed) key.
pub fn snapshot(conn: &Connection) -> rusqlite::Result<IdentitySnapshot> {
    let mut snap = IdentitySnapshot {
        version: version(conn)?,
        ..Default::default()
    };
    let mut stmt = conn.prepare(
        "SELECT p.key, p.id, p.name, d.id FROM projects p LEFT JOIN domains d ON d.key = p.domain_key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ProjectEntry {
            tenant: Tenant::new(r.get::<_, String>(1)?, r.get(0)?),
            name: r.get(2)?,
            domain_id: r.get(3)?,
        })
    })?;
    for p in rows {
        let p = p?;
        snap.projects.insert(p.tenant.project_id().to_string(), p);
    }
    let mut stmt = conn.prepare(
        "SELECT u.key, u.id, u.name, d.id, d.name, u.password_hash, u.enabled, u.password_epoch
           FROM users u JOIN domains d ON d.key = u.domain_key",
    )?;
    let mut by_key: HashMap<i64, String> = HashMap::new();
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            UserEntry {
                id: r.get(1)?,
                name: r.get(2)?,
                domain_id: r.get(3)?,
                domain_name: r.get(4)?,
                password_hash: r.get(5)?,
                enabled: r.get(6)?,
                password_epoch: r.get(7)?,
                roles: HashMap::new(),
                enterprise_projects: HashMap::new(),
            },
        ))
    })?;
    for row in rows {
        let (key, u) = row?;
        by_key.insert(key, u.id.clone());
        snap.users.insert(u.id.clone(), u);
    }
    let mut stmt = conn.prepare(
        "SELECT b.user_key, p.id, b.role FROM role_bindings b JOIN projects p ON p.key = b.project_key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (uk, pid, role) = row?;
        if let (Some(u), Some(role)) = (
            by_key.get(&uk).and_then(|id| snap.users.get_mut(id)),
            Role::parse(&role),
        ) {
            u.roles.entry(pid).or_default().push(role);
        }
    }
    let mut stmt = conn.prepare(
        "SELECT l.user_key, p.id, l.ep_id FROM user_enterprise_projects l JOIN projects p ON p.key = l.project_key
          ORDER BY l.ep_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (uk, pid, ep) = row?;
        if let Some(u) = by_key.get(&uk).and_then(|id| snap.users.get_mut(id)) {
            u.enterprise_projects.entry(pid).or_default().push(ep);
        }
    }
    let mut stmt = conn.prepare("SELECT ak, user_key, secret_sealed FROM access_keys")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    for row in rows {
        let (ak, uk, secret) = row?;
        if let Some(user_id) = by_key.get(&uk) {
            snap.keys.insert(
                ak,
                KeyEntry {
                    user_id: user_id.clone(),
                    secret,
                },
            );
        }
    }
    Ok(snap)
}

fn domain_key(conn: &Connection, domain: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT key FROM domains WHERE name = ?1 OR id = ?1",
        [domain],
        |r| r.get(0),
    )
    .optional()
}

fn not_found(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidParameterName(format!("no such {what}"))
}

/// Creates an account (domain); returns its ID.
pub fn domain_create(
    conn: &Connection,
    id: &str,
    name: &str,
    now: i64,
) -> rusqlite::Result<String> {
    conn.execute(
        "INSERT INTO domains (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![id, name, now],
    )?;
    Ok(id.to_string())
}

/// Creates a project in a domain.
pub fn project_create(
    conn: &Connection,
    domain: &str,
    id: &str,
    name: &str,
    now: i64,
) -> rusqlite::Result<Tenant> {
    let dk = domain_key(conn, domain)?.ok_or_else(|| not_found("domain"))?;
    conn.execute(
        "INSERT INTO projects (id, name, created_at, domain_key) VALUES (?1, ?2, ?3, ?4)",
        params![id, name, now, dk],
    )?;
    Ok(Tenant::new(id, conn.last_insert_rowid()))
}

/// Creates a user.
pub fn user_create(
    conn: &Connection,
    domain: &str,
    id: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> rusqlite::Result<()> {
    let dk = domain_key(conn, domain)?.ok_or_else(|| not_found("domain"))?;
    conn.execute(
        "INSERT INTO users (id, domain_key, name, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, dk, name, password_hash, now],
    )?;
    Ok(())
}

fn user_key(conn: &Connection, domain: &str, name: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT u.key FROM users u JOIN domains d ON d.key = u.domain_key
          WHERE (d.name = ?1 OR d.id = ?1) AND (u.name = ?2 OR u.id = ?2)",
        params![domain, name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| not_found("user"))
}

fn project_key_of(conn: &Connection, project_id: &str) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT key FROM projects WHERE id = ?1",
        [project_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| not_found("project"))
}

/// Enables or disables a user.
pub fn user_set_enabled(
    conn: &Connection,
    domain: &str,
    name: &str,
    enabled: bool,
) -> rusqlite::Result<()> {
    let k = user_key(conn, domain, name)?;
    conn.execute(
        // Disabling bumps the password epoch: tokens issued before stay invalid after a re-enable.
        "UPDATE users SET enabled = ?1,
                password_epoch = password_epoch + CASE WHEN ?1 THEN 0 ELSE 1 END
          WHERE key = ?2",
        params![enabled, k],
    )?;
    Ok(())
}

/// Sets a new password hash and revokes the user's earlier tokens.
pub fn user_set_password(
    conn: &Connection,
    domain: &str,
    name: &str,
    hash: &str,
) -> rusqlite::Result<()> {
    let k = user_key(conn, domain, name)?;
    conn.execute(
        "UPDATE users SET password_hash = ?1, password_epoch = password_epoch + 1 WHERE key = ?2",
        params![hash, k],
    )?;
    Ok(())
}

/// Grants (or with `grant` false, revokes) a role on a project.
pub fn role_set(
    conn: &Connection,
    domain: &str,
    user: &str,
    project_id: &str,
    role: Role,
    grant: bool,
) -> rusqlite::Result<()> {
    let (uk, pk) = (
        user_key(conn, domain, user)?,
        project_key_of(conn, project_id)?,
    );
    if grant {
        conn.execute(
            "INSERT INTO role_bindings (user_key, project_key, role) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![uk, pk, role.as_str()],
        )?;
    } else {
        conn.execute(
            "DELETE FROM role_bindings WHERE user_key = ?1 AND project_key = ?2 AND role = ?3",
            params![uk, pk, role.as_str()],
        )?;
    }
    Ok(())
}

/// Limits a user to these enterprise projects of a project (empty: no limit).
pub fn user_limit(
    conn: &Connection,
    domain: &str,
    user: &str,
    project_id: &str,
    eps: &[String],
) -> rusqlite::Result<()> {
    let (uk, pk) = (
        user_key(conn, domain, user)?,
        project_key_of(conn, project_id)?,
    );
    conn.execute(
        "DELETE FROM user_enterprise_projects WHERE user_key = ?1 AND project_key = ?2",
        params![uk, pk],
    )?;
    for ep in eps {
        conn.execute(
            "INSERT INTO user_enterprise_projects (user_key, project_key, ep_id) VALUES (?1, ?2, ?3)",
            params![uk, pk, ep],
        )?;
    }
    Ok(())
}

/// Stores an access key (its secret sealed by the caller).
pub fn key_create(
    conn: &Connection,
    domain: &str,
    user: &str,
    ak: &str,
    sealed: &[u8],
    now: i64,
) -> rusqlite::Result<()> {
    let uk = user_key(conn, domain, user)?;
    conn.execute(
        "INSERT INTO access_keys (ak, user_key, secret_sealed, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![ak, uk, sealed, now],
    )?;
    Ok(())
}

/// Deletes an access key; returns whether it existed.
pub fn key_delete(conn: &Connection, ak: &str) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM access_keys WHERE ak = ?1", [ak])? > 0)
}

/// The (domain name, user name) owning an access key.
pub fn key_owner(conn: &Connection, ak: &str) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        "SELECT d.name, u.name FROM access_keys k JOIN users u ON u.key = k.user_key
           JOIN domains d ON d.key = u.domain_key WHERE k.ak = ?1",
        [ak],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// One row per access key: (ak, domain, user, created_at).
pub fn key_list(conn: &Connection) -> rusqlite::Result<Vec<(String, String, String, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT k.ak, d.name, u.name, k.created_at FROM access_keys k JOIN users u ON u.key = k.user_key
           JOIN domains d ON d.key = u.domain_key ORDER BY d.name, u.name, k.created_at",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    rows.collect()
}
