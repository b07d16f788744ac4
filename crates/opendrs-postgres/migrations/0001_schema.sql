-- The whole OpenDRS schema on PostgreSQL: the same tables and meanings as the SQLite migrations
-- 0001-0004. Text compared or ordered is COLLATE "C" (byte order, as SQLite's BINARY), whatever
-- the database's default collation. Times are BIGINT ms since the epoch; JSON is TEXT, stored as
-- the Rust code serialized it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- Identity ---------------------------------------------------------------------------------------

CREATE TABLE domains (
    key        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE projects (
    key        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL UNIQUE,
    name       TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    domain_key BIGINT REFERENCES domains(key)
);

CREATE TABLE enterprise_projects (
    project_key BIGINT NOT NULL REFERENCES projects(key),
    id          TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (project_key, id)
);

CREATE TABLE users (
    key            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             TEXT COLLATE "C" NOT NULL UNIQUE,
    domain_key     BIGINT NOT NULL REFERENCES domains(key),
    name           TEXT COLLATE "C" NOT NULL,
    password_hash  TEXT NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    password_epoch BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    UNIQUE (domain_key, name)
);

CREATE TABLE role_bindings (
    user_key    BIGINT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    project_key BIGINT NOT NULL REFERENCES projects(key),
    role        TEXT COLLATE "C" NOT NULL CHECK (role IN ('drs_admin', 'drs_viewer')),
    PRIMARY KEY (user_key, project_key, role)
);

CREATE TABLE user_enterprise_projects (
    user_key    BIGINT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    project_key BIGINT NOT NULL REFERENCES projects(key),
    ep_id       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_key, project_key, ep_id)
);

CREATE TABLE access_keys (
    ak            TEXT COLLATE "C" PRIMARY KEY,
    user_key      BIGINT NOT NULL REFERENCES users(key) ON DELETE CASCADE,
    secret_sealed BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);

-- Bumped by every identity change (servers reload their snapshot when it moves). Identity writes
-- are rare administration: one row is enough.
CREATE TABLE identity_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO identity_version VALUES (1, 1);

CREATE FUNCTION identity_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE identity_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;

CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON domains
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();
CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();
CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON enterprise_projects
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();
CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();
CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON role_bindings
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();
CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON user_enterprise_projects
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();
CREATE TRIGGER identity_bump AFTER INSERT OR UPDATE OR DELETE ON access_keys
    FOR EACH STATEMENT EXECUTE FUNCTION identity_bump();

-- Jobs -------------------------------------------------------------------------------------------

CREATE TABLE jobs (
    seq                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_key           BIGINT NOT NULL REFERENCES projects(key),
    id                    TEXT COLLATE "C" NOT NULL,
    parent_seq            BIGINT REFERENCES jobs(seq),
    name                  TEXT COLLATE "C" NOT NULL,
    name_fold             TEXT COLLATE "C" NOT NULL,   -- opendrs_core::query::fold(name)
    status                TEXT COLLATE "C" NOT NULL,
    db_use_type           TEXT COLLATE "C" NOT NULL,
    engine_type           TEXT COLLATE "C" NOT NULL,
    net_type              TEXT COLLATE "C" NOT NULL,
    job_direction         TEXT COLLATE "C" NOT NULL,
    task_type             TEXT COLLATE "C" NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    error_msg             TEXT,
    billing_tag           BOOLEAN NOT NULL DEFAULT FALSE,
    node_new_framework    BOOLEAN NOT NULL DEFAULT FALSE,
    enterprise_project_id TEXT COLLATE "C" NOT NULL DEFAULT '0',
    create_time           BIGINT NOT NULL,
    update_time           BIGINT NOT NULL,
    source_endpoint       TEXT NOT NULL DEFAULT '{}',
    target_endpoint       TEXT NOT NULL DEFAULT '{}',
    deleted_at            BIGINT,                       -- executor clock, ms; set with DELETED
    spec                  TEXT NOT NULL DEFAULT '{}',   -- creation settings (JSON)
    UNIQUE (project_key, id)
);

-- The list's access paths, in the list's order, top-level jobs only.
CREATE INDEX jobs_top_by_time ON jobs (project_key, db_use_type, create_time DESC, id DESC)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_top_by_status ON jobs (project_key, db_use_type, status, create_time DESC, id DESC)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_children ON jobs (parent_seq, create_time DESC, id DESC)
    WHERE parent_seq IS NOT NULL;
-- A name is unique among a project's live top-level jobs (job_insert: ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX jobs_name_unique ON jobs (project_key, name)
    WHERE parent_seq IS NULL AND status <> 'DELETED';
-- Substring search of folded names: trigrams, one GIN index with the project.
CREATE INDEX jobs_name_trgm ON jobs USING gin (project_key, name_fold gin_trgm_ops);
-- The retention purge walks deleted jobs by age.
CREATE INDEX jobs_deleted ON jobs (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE job_tags (
    job_seq     BIGINT NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
    project_key BIGINT NOT NULL,
    key         TEXT COLLATE "C" NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (job_seq, key)
);
CREATE INDEX job_tags_lookup ON job_tags (project_key, key, value, job_seq);

CREATE TABLE job_instances (
    project_key BIGINT NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL CHECK (kind IN ('id', 'ip')),
    value       TEXT COLLATE "C" NOT NULL,
    job_seq     BIGINT NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
    PRIMARY KEY (project_key, kind, value, job_seq)
);
CREATE INDEX job_instances_by_job ON job_instances (job_seq);

-- Top-level job counts per enumerated dimension: total_record for the enumerated filters is a
-- sum over a handful of rows. Writers never update a shared row: triggers APPEND signed delta
-- rows to job_count_deltas in the writing transaction; readers sum base + deltas in one
-- statement (one snapshot); PgStore::counts_compact folds the deltas into the base rows.
CREATE TABLE job_counts (
    project_key           BIGINT NOT NULL,
    db_use_type           TEXT COLLATE "C" NOT NULL,
    enterprise_project_id TEXT COLLATE "C" NOT NULL,
    status                TEXT COLLATE "C" NOT NULL,
    engine_type           TEXT COLLATE "C" NOT NULL,
    net_type              TEXT COLLATE "C" NOT NULL,
    n                     BIGINT NOT NULL,
    PRIMARY KEY (project_key, db_use_type, enterprise_project_id, status, engine_type, net_type)
);
CREATE TABLE job_count_deltas (
    project_key           BIGINT NOT NULL,
    db_use_type           TEXT COLLATE "C" NOT NULL,
    enterprise_project_id TEXT COLLATE "C" NOT NULL,
    status                TEXT COLLATE "C" NOT NULL,
    engine_type           TEXT COLLATE "C" NOT NULL,
    net_type              TEXT COLLATE "C" NOT NULL,
    n                     BIGINT NOT NULL
);
CREATE INDEX job_count_deltas_by_project ON job_count_deltas (project_key, db_use_type);

-- A version per project that moves with every change to its jobs or their tags, in the writing
-- transaction. Kept like the counts (no hot row): the version is the sum of the base row and the
-- appended deltas, each positive, so it grows with every commit touching the project.
CREATE TABLE project_versions (
    project_key BIGINT PRIMARY KEY,
    version     BIGINT NOT NULL
);
CREATE TABLE project_version_deltas (
    project_key BIGINT NOT NULL,
    n           BIGINT NOT NULL
);
CREATE INDEX project_version_deltas_by_project ON project_version_deltas (project_key);

CREATE FUNCTION jobs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO job_count_deltas
        SELECT project_key, db_use_type, enterprise_project_id, status, engine_type, net_type, count(*)
          FROM new_rows WHERE parent_seq IS NULL
         GROUP BY 1, 2, 3, 4, 5, 6;
        INSERT INTO project_version_deltas SELECT DISTINCT project_key, 1 FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO job_count_deltas
        SELECT project_key, db_use_type, enterprise_project_id, status, engine_type, net_type, -count(*)
          FROM old_rows WHERE parent_seq IS NULL
         GROUP BY 1, 2, 3, 4, 5, 6;
        INSERT INTO project_version_deltas SELECT DISTINCT project_key, 1 FROM old_rows;
    ELSE
        INSERT INTO job_count_deltas
        SELECT k, u, e, s, g, t, sum(d) FROM (
            SELECT o.project_key, o.db_use_type, o.enterprise_project_id, o.status, o.engine_type,
                   o.net_type, -1
              FROM old_rows o JOIN new_rows n ON n.seq = o.seq
             WHERE o.parent_seq IS NULL
               AND (o.project_key, o.db_use_type, o.enterprise_project_id, o.status, o.engine_type,
                    o.net_type, o.parent_seq IS NULL)
                   IS DISTINCT FROM
                   (n.project_key, n.db_use_type, n.enterprise_project_id, n.status, n.engine_type,
                    n.net_type, n.parent_seq IS NULL)
            UNION ALL
            SELECT n.project_key, n.db_use_type, n.enterprise_project_id, n.status, n.engine_type,
                   n.net_type, 1
              FROM old_rows o JOIN new_rows n ON n.seq = o.seq
             WHERE n.parent_seq IS NULL
               AND (o.project_key, o.db_use_type, o.enterprise_project_id, o.status, o.engine_type,
                    o.net_type, o.parent_seq IS NULL)
                   IS DISTINCT FROM
                   (n.project_key, n.db_use_type, n.enterprise_project_id, n.status, n.engine_type,
                    n.net_type, n.parent_seq IS NULL)
        ) AS x(k, u, e, s, g, t, d)
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0;
        INSERT INTO project_version_deltas SELECT DISTINCT project_key, 1 FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

-- Statement-level with transition tables: a seeding batch of thousands of jobs appends a few
-- grouped rows, not one per job. (A trigger with transition tables has exactly one event.)
CREATE TRIGGER jobs_inserted AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_changed();
CREATE TRIGGER jobs_updated AFTER UPDATE ON jobs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_changed();
CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_changed();

CREATE FUNCTION job_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO project_version_deltas SELECT DISTINCT project_key, 1 FROM old_rows;
    ELSE
        INSERT INTO project_version_deltas SELECT DISTINCT project_key, 1 FROM new_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER job_tags_inserted AFTER INSERT ON job_tags REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION job_tags_changed();
CREATE TRIGGER job_tags_updated AFTER UPDATE ON job_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION job_tags_changed();
CREATE TRIGGER job_tags_deleted AFTER DELETE ON job_tags REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION job_tags_changed();

-- The lifecycle ----------------------------------------------------------------------------------

-- At most one pending transition per top-level job: the executors' durable work queue.
CREATE TABLE job_transitions (
    job_seq      BIGINT PRIMARY KEY REFERENCES jobs(seq) ON DELETE CASCADE,
    from_status  TEXT COLLATE "C" NOT NULL,
    to_status    TEXT COLLATE "C" NOT NULL,
    step         TEXT COLLATE "C" NOT NULL,
    due_at       BIGINT NOT NULL,   -- executor clock, ms
    scheduled_at BIGINT NOT NULL    -- executor clock, ms
);
CREATE INDEX job_transitions_due ON job_transitions (due_at, job_seq);

-- Every status change of every job (children included), in order.
CREATE TABLE job_events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_seq     BIGINT NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
    from_status TEXT COLLATE "C",
    to_status   TEXT COLLATE "C" NOT NULL,
    cause       TEXT COLLATE "C" NOT NULL,
    request_id  TEXT,
    error_msg   TEXT
);
CREATE INDEX job_events_by_job ON job_events (job_seq, seq);

CREATE TABLE audit_log (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    project_id TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    action     TEXT NOT NULL,
    job_ids    TEXT NOT NULL,      -- JSON array
    request_id TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL       -- JSON
);
CREATE INDEX audit_by_project ON audit_log (project_id, at);
CREATE INDEX audit_by_time ON audit_log (at);

CREATE TABLE executor_clock (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    now_ms BIGINT NOT NULL
);
