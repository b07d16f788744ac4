-- Identity: accounts (domains), users, role bindings, enterprise-project limits, access keys,
-- and a version counter that every identity change bumps (servers reload their snapshot when it moves).

CREATE TABLE domains (
    key        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

ALTER TABLE projects ADD COLUMN domain_key INTEGER REFERENCES domains(key);

CREATE TABLE users (
    key            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    domain_key     INTEGER NOT NULL REFERENCES domains(key),
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,              -- Argon2id, PHC string
    enabled        INTEGER NOT NULL DEFAULT 1,
    password_epoch INTEGER NOT NULL DEFAULT 0, -- bumped on password change: revokes tokens
    created_at     INTEGER NOT NULL,
    UNIQUE (domain_key, name)
);

CREATE TABLE role_bindings (
    user_key    INTEGER NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    project_key INTEGER NOT NULL REFERENCES projects(key),
    role        TEXT NOT NULL CHECK (role IN ('drs_admin', 'drs_viewer')),
    PRIMARY KEY (user_key, project_key, role)
) WITHOUT ROWID;

CREATE TABLE user_enterprise_projects (
    user_key    INTEGER NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    project_key INTEGER NOT NULL REFERENCES projects(key),
    ep_id       TEXT NOT NULL,
    PRIMARY KEY (user_key, project_key, ep_id)
) WITHOUT ROWID;

CREATE TABLE access_keys (
    ak            TEXT PRIMARY KEY,
    user_key      INTEGER NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    secret_sealed BLOB NOT NULL,               -- XChaCha20-Poly1305 under the master key
    created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE identity_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO identity_version VALUES (1, 1);

CREATE TRIGGER identity_bump_domains_insert AFTER INSERT ON domains BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_domains_update AFTER UPDATE ON domains BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_domains_delete AFTER DELETE ON domains BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_projects_insert AFTER INSERT ON projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_projects_update AFTER UPDATE ON projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_projects_delete AFTER DELETE ON projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_enterprise_projects_insert AFTER INSERT ON enterprise_projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_enterprise_projects_update AFTER UPDATE ON enterprise_projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_enterprise_projects_delete AFTER DELETE ON enterprise_projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_users_insert AFTER INSERT ON users BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_users_update AFTER UPDATE ON users BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_users_delete AFTER DELETE ON users BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_role_bindings_insert AFTER INSERT ON role_bindings BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_role_bindings_update AFTER UPDATE ON role_bindings BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_role_bindings_delete AFTER DELETE ON role_bindings BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_user_enterprise_projects_insert AFTER INSERT ON user_enterprise_projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_user_enterprise_projects_update AFTER UPDATE ON user_enterprise_projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_user_enterprise_projects_delete AFTER DELETE ON user_enterprise_projects BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_access_keys_insert AFTER INSERT ON access_keys BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_access_keys_update AFTER UPDATE ON access_keys BEGIN
    UPDATE identity_version SET version = version + 1;
END;
CREATE TRIGGER identity_bump_access_keys_delete AFTER DELETE ON access_keys BEGIN
    UPDATE identity_version SET version = version + 1;
END;
