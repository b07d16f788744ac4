-- A job's name is unique among its project's live top-level jobs, enforced by the schema: an
-- insert or rename that would break it fails on this index (answered DRS.M00277), so two
-- writers can never both take a name. It replaces the plain index the old check read.
CREATE UNIQUE INDEX jobs_name_unique ON jobs (project_key, name)
    WHERE parent_seq IS NULL AND status <> 'DELETED';
DROP INDEX jobs_by_name;
