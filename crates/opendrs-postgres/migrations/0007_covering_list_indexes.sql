-- The list answers more of itself from its indexes.
-- 1. Each order index carries `status`: a page's `status <> 'DELETED'` is checked in the index,
--    so a deep page (OFFSET n) skips its n jobs by an index-only scan and reads the table for
--    the page's own jobs alone (list.rs, `page_statement`).
-- 2. The counts' key carries `n`: `total_record` for enumerated filters sums a project's counts
--    (over a thousand rows in a big project, one per enterprise project, status, engine and
--    network) from the index instead of as many heap pages.
-- `jobs_top_by_status` has `status` in its key already.
DROP INDEX jobs_top_by_time;
CREATE INDEX jobs_top_by_time ON jobs (project_key, db_use_type, create_time DESC, id DESC)
    INCLUDE (status) WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_name;
CREATE INDEX jobs_top_by_name ON jobs (project_key, db_use_type, name_fold, create_time, id)
    INCLUDE (status) WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_net_type;
CREATE INDEX jobs_top_by_net_type ON jobs (project_key, db_use_type, net_type, create_time, id)
    INCLUDE (status) WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_direction;
CREATE INDEX jobs_top_by_direction ON jobs (project_key, db_use_type, job_direction, create_time, id)
    INCLUDE (status) WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_pay_mode;
CREATE INDEX jobs_top_by_pay_mode ON jobs (project_key, db_use_type, charging_mode, create_time, id)
    INCLUDE (status) WHERE parent_seq IS NULL;
ALTER TABLE job_counts
    DROP CONSTRAINT job_counts_pkey,
    ADD CONSTRAINT job_counts_pkey
        PRIMARY KEY (project_key, db_use_type, enterprise_project_id, status, engine_type, net_type)
        INCLUDE (n);
