-- Every list page checks `status` (`<> 'DELETED'`, or the filtered status). The order indexes of
-- 0001/0007 ended with (create_time, id), so a page at offset 1,000 read a table row for each of
-- the 1,010 index entries it stepped over, only to check its status: fast while those rows sat in
-- the connection's page cache, 1.4 ms when they did not. With `status` as the last column the
-- condition is checked in the index, and SQLite seeks a table row only for the rows it returns
-- (its deferred seek): a deep page costs the same with a cold cache as with a warm one.
-- PostgreSQL's order indexes carry it since its 0007 (`INCLUDE (status)`).
DROP INDEX jobs_top_by_time;
CREATE INDEX jobs_top_by_time ON jobs (project_key, db_use_type, create_time DESC, id DESC, status)
    WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_name;
CREATE INDEX jobs_top_by_name ON jobs (project_key, db_use_type, name_fold, create_time, id, status)
    WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_net_type;
CREATE INDEX jobs_top_by_net_type ON jobs (project_key, db_use_type, net_type, create_time, id, status)
    WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_direction;
CREATE INDEX jobs_top_by_direction ON jobs (project_key, db_use_type, job_direction, create_time, id, status)
    WHERE parent_seq IS NULL;
DROP INDEX jobs_top_by_pay_mode;
CREATE INDEX jobs_top_by_pay_mode ON jobs (project_key, db_use_type, charging_mode, create_time, id, status)
    WHERE parent_seq IS NULL;
