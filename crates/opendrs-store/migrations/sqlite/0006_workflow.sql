-- The v3 task workflow: what a job's configuration adds to it (objects chosen, flow control),
-- the latest connection test of each endpoint, the latest precheck run and the latest
-- switchover, each a JSON text written and read by the core (opendrs_core::workflow::state).
-- A job without a row (seeded data) has no recorded workflow.

-- A status-keeping step in progress (precheck | switchover), kept with the job so that the list
-- can show it (`current_action`) and the project's version moves when it starts or ends.
ALTER TABLE jobs ADD COLUMN running_step TEXT;

-- When the status last changed, on the executor's clock (ms): how long a task has been paused or
-- failed, measured on the clock that moves it (progress, RPO/RTO). NULL for rows not changed since.
ALTER TABLE jobs ADD COLUMN status_since INTEGER;

CREATE TABLE job_workflow (
    job_seq     INTEGER PRIMARY KEY REFERENCES jobs(seq) ON DELETE CASCADE,
    objects     TEXT,                -- batch-select-objects
    speed_limit TEXT,                -- batch-limit-speed: JSON array, [] = unlimited
    connections TEXT,                -- batch-connection: latest result per endpoint
    precheck    TEXT,                -- batch-precheck: latest run (items, times, done)
    switchover  TEXT                 -- batch-switchover: latest switchover
);
