-- The job lifecycle: what a job was created with, pending data-plane transitions (the durable
-- executor's work queue), the history of every status change, the audit trail of every write,
-- and the executor's virtual clock (deterministic mode).

ALTER TABLE jobs ADD COLUMN deleted_at INTEGER;            -- ms; set when the status becomes DELETED
ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '{}'; -- creation settings shown by batch-detail

-- A job name is unique in its project (among jobs not deleted): the check reads this index.
CREATE INDEX jobs_by_name ON jobs (project_key, name);
-- The retention purge walks deleted jobs by age.
CREATE INDEX jobs_deleted ON jobs (deleted_at) WHERE deleted_at IS NOT NULL;

-- At most one pending transition per top-level job. The executor applies a due row, the status
-- change, its events and the follow-up row in ONE write transaction, so a crash at any point
-- leaves either all of it or none of it: nothing is lost, nothing runs twice.
CREATE TABLE job_transitions (
    job_seq      INTEGER PRIMARY KEY REFERENCES jobs(seq) ON DELETE CASCADE,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    step         TEXT NOT NULL,      -- create | start | resume | full_transfer | release | scheduled_start
    due_at       INTEGER NOT NULL,   -- executor clock, ms
    scheduled_at INTEGER NOT NULL    -- executor clock, ms
);
CREATE INDEX job_transitions_due ON job_transitions (due_at);

-- Every status change of every job (children included), in order.
CREATE TABLE job_events (
    seq         INTEGER PRIMARY KEY,
    job_seq     INTEGER NOT NULL REFERENCES jobs(seq) ON DELETE CASCADE,
    at          INTEGER NOT NULL,    -- wall clock, ms
    from_status TEXT,
    to_status   TEXT NOT NULL,
    cause       TEXT NOT NULL,       -- "user:<action>" or "executor:<step>"
    request_id  TEXT,
    error_msg   TEXT
);
CREATE INDEX job_events_by_job ON job_events (job_seq, seq);

-- Who did what, when, where, to which jobs, with which outcome. Written in the same transaction
-- as the change it describes; refused requests are recorded too.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,     -- wall clock, ms
    project_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    action     TEXT NOT NULL,        -- the API operation, such as BatchCreateJobs
    job_ids    TEXT NOT NULL,        -- JSON array
    request_id TEXT NOT NULL,
    outcome    TEXT NOT NULL,        -- success | partial | failure | refused
    detail     TEXT NOT NULL         -- JSON: per-item error codes, or the refusal's code
);
CREATE INDEX audit_by_project ON audit_log (project_id, at);
CREATE INDEX audit_by_time ON audit_log (at);

-- The executor's clock in deterministic ("virtual") mode: it moves only on command.
CREATE TABLE executor_clock (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    now_ms INTEGER NOT NULL
);
