-- Job quotas per project, set by `opendrs admin quota set`. instances NULL, or no row: the
-- service's default (`default_job_quota`). A creating transaction makes sure its project has a
-- row and locks it FOR UPDATE before it counts the project's live top-level jobs (job_counts
-- + job_count_deltas): two creations in one project take turns, so both cannot pass the last
-- slot; creations in different projects never wait for each other.
CREATE TABLE project_quotas (
    project_key BIGINT PRIMARY KEY,
    instances   BIGINT CHECK (instances IS NULL OR instances >= 0)
);
