-- The v5 list's orders (`sort_key` name, status, create_time, net_type, job_direction, pay_mode;
-- `sort_dir` asc or desc). An order is (key, create_time, id), all in one direction, so that it is
-- total and one index per key serves both directions (walked forwards or backwards): no page
-- sorts the project. A job's charging mode (the `pay_mode` key) and whether it is multi-AZ become
-- columns (they were only in `spec`).

ALTER TABLE jobs ADD COLUMN charging_mode TEXT NOT NULL DEFAULT 'on_demand';  -- on_demand | period
ALTER TABLE jobs ADD COLUMN is_multi_az INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET charging_mode = 'period' WHERE json_extract(spec, '$.charging_mode') = 'period';
UPDATE jobs SET is_multi_az = 1 WHERE json_extract(spec, '$.master_az') IS NOT NULL;

-- The status index was (status, create_time DESC, id DESC): it could not give status DESC with
-- newest first. Uniform, it serves the v3 list's status filter (walked backwards within one
-- status) and both directions of the status order.
DROP INDEX jobs_top_by_status;
CREATE INDEX jobs_top_by_status ON jobs (project_key, db_use_type, status, create_time, id)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_top_by_name ON jobs (project_key, db_use_type, name_fold, create_time, id)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_top_by_net_type ON jobs (project_key, db_use_type, net_type, create_time, id)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_top_by_direction ON jobs (project_key, db_use_type, job_direction, create_time, id)
    WHERE parent_seq IS NULL;
CREATE INDEX jobs_top_by_pay_mode ON jobs (project_key, db_use_type, charging_mode, create_time, id)
    WHERE parent_seq IS NULL;
