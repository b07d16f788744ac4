-- Name grams scoped by scenario as well as project. Every name search names its scenario
-- (`db_use_type` is required by the v3 list, and the v5 list's `job_type` maps to one), yet a
-- '<project_key>:<gram>' posting list held the project's jobs of every scenario: a needle common
-- in one scenario read (and verified) the other scenarios' jobs too. Tokens are now
-- '<project_key>:<db_use_type>:<gram>' (opendrs_core::query::grams::token builds the same).

CREATE FUNCTION opendrs_name_grams(project_key BIGINT, db_use_type TEXT, name_fold TEXT)
    RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS
$$
    SELECT coalesce(array_agg(DISTINCT project_key::text || ':' || db_use_type || ':'
                              || substr(name_fold, i, 3)), '{}')
      FROM generate_series(1, char_length(name_fold) - 2) AS i
$$;

DROP INDEX jobs_name_grams;
UPDATE jobs SET name_grams = opendrs_name_grams(project_key, db_use_type, name_fold);
CREATE INDEX jobs_name_grams ON jobs USING gin (name_grams);
DROP FUNCTION opendrs_name_grams(BIGINT, TEXT);
