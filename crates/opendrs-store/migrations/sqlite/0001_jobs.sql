-- Projects, enterprise projects, jobs and the indexes the tenant task query needs.

CREATE TABLE projects (
    key         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,          -- 32 lowercase hex characters
    name        TEXT NOT NULL,                 -- such as cn-north-4
    created_at  INTEGER NOT NULL               -- ms since the epoch
);

CREATE TABLE enterprise_projects (
    project_key INTEGER NOT NULL REFERENCES projects(key),
    id          TEXT NOT NULL,                 -- "0" is the default one
    name        TEXT NOT NULL,
    PRIMARY KEY (project_key, id)
) WITHOUT ROWID;

CREATE TABLE jobs (
    seq                   INTEGER PRIMARY KEY,
    project_key           INTEGER NOT NULL REFERENCES projects(key),
    id                    TEXT NOT NULL,
    parent_seq            INTEGER REFERENCES jobs(seq),
    name                  TEXT NOT NULL,
    name_fold             TEXT NOT NULL,       -- Unicode-lowercased name, for matching
    status                TEXT NOT NULL,
    db_use_type           TEXT NOT NULL,
    engine_type           TEXT NOT NULL,
    net_type              TEXT NOT NULL,
    job_direction         TEXT NOT NULL,
    task_type             TEXT NOT NULL,
    description           TEXT NOT NULL DEFAULT '',
    error_msg             TEXT,
    billing_tag           INTEGER NOT NULL DEFAULT 0,
    node_new_framework    INTEGER NOT NULL DEFAULT 0,
    enterprise_project_id TEXT NOT NULL DEFAULT '0',
    create_time           INTEGER NOT NULL,    -- ms since the epoch
    update_time           INTEGER NOT NULL,
    source_endpoint       TEXT NOT NULL DEFAULT '{}',
    target_endpoint       TEXT NOT NULL DEFAULT '{}',
    UNIQUE (project_key, id)
);

-- The list's two access paths, in the list's order, top-level jobs only.
CREATE INDEX jobs_top_by_time ON jobs (project_key, db_use_type, create_time DESC, id DESC)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_top_by_status ON jobs (project_key, db_use_type, status, create_time DESC, id DESC)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_children ON jobs (parent_seq, create_time DESC, id DESC)
    WHERE parent_seq IS NOT NULL;

CREATE TABLE job_tags (
    job_seq     INTEGER NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
    project_key INTEGER NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (job_seq, key)
) WITHOUT ROWID;
CREATE INDEX job_tags_lookup ON job_tags (project_key, key, value, job_seq);

-- Source and target instance IDs and IPs, for the instance_ids / instance_ip filters.
CREATE TABLE job_instances (
    project_key INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('id', 'ip')),
    value       TEXT NOT NULL,
    job_seq     INTEGER NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
    PRIMARY KEY (project_key, kind, value, job_seq)
) WITHOUT ROWID;
CREATE INDEX job_instances_by_job ON job_instances (job_seq);

-- Top-level job counts per enumerated dimension, kept by triggers: total_record for the
-- enumerated filters is a sum over a handful of rows instead of a count over the project.
CREATE TABLE job_counts (
    project_key           INTEGER NOT NULL,
    db_use_type           TEXT NOT NULL,
    enterprise_project_id TEXT NOT NULL,
    status                TEXT NOT NULL,
    engine_type           TEXT NOT NULL,
    net_type              TEXT NOT NULL,
    n                     INTEGER NOT NULL,
    PRIMARY KEY (project_key, db_use_type, enterprise_project_id, status, engine_type, net_type)
) WITHOUT ROWID;

CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs WHEN NEW.parent_seq IS NULL BEGIN
    INSERT INTO job_counts VALUES (NEW.project_key, NEW.db_use_type, NEW.enterprise_project_id,
                                   NEW.status, NEW.engine_type, NEW.net_type, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs WHEN OLD.parent_seq IS NULL BEGIN
    UPDATE job_counts SET n = n - 1
     WHERE project_key = OLD.project_key AND db_use_type = OLD.db_use_type
       AND enterprise_project_id = OLD.enterprise_project_id AND status = OLD.status
       AND engine_type = OLD.engine_type AND net_type = OLD.net_type;
END;

CREATE TRIGGER jobs_count_update
AFTER UPDATE OF status, db_use_type, engine_type, net_type, enterprise_project_id, parent_seq ON jobs
BEGIN
    UPDATE job_counts SET n = n - 1
     WHERE OLD.parent_seq IS NULL
       AND project_key = OLD.project_key AND db_use_type = OLD.db_use_type
       AND enterprise_project_id = OLD.enterprise_project_id AND status = OLD.status
       AND engine_type = OLD.engine_type AND net_type = OLD.net_type;
    INSERT INTO job_counts
    SELECT NEW.project_key, NEW.db_use_type, NEW.enterprise_project_id, NEW.status,
           NEW.engine_type, NEW.net_type, 1
     WHERE NEW.parent_seq IS NULL
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

-- Per-project n-gram index of folded names: each token is "p<project key>d<scenario>x<hex of 3
-- chars>", so a posting list never spans two projects or scenarios. Rowid = jobs.seq. Maintained by the store.
CREATE VIRTUAL TABLE job_name_grams USING fts5 (
    grams, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii'
);
