-- Job quotas per project, set by `opendrs admin quota set`. No row, or NULL: the service's
-- default (`default_job_quota`). What a quota counts (live top-level jobs) is read from
-- job_counts; a creation reads both inside its write transaction (SQLite's one writer).
CREATE TABLE project_quotas (
    project_key INTEGER PRIMARY KEY,
    instances   INTEGER CHECK (instances IS NULL OR instances >= 0)
);
