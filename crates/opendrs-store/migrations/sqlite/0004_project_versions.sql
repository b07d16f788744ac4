-- A version per project that moves with every change to the project's jobs or their tags: a
-- rendered list page of one project stays valid while writes land in other projects.

CREATE TABLE project_versions (
    project_key INTEGER PRIMARY KEY,
    version     INTEGER NOT NULL
);

CREATE TRIGGER jobs_version_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO project_versions VALUES (NEW.project_key, 1)
    ON CONFLICT DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER jobs_version_update AFTER UPDATE ON jobs BEGIN
    INSERT INTO project_versions VALUES (NEW.project_key, 1)
    ON CONFLICT DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER jobs_version_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO project_versions VALUES (OLD.project_key, 1)
    ON CONFLICT DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER job_tags_version_insert AFTER INSERT ON job_tags BEGIN
    INSERT INTO project_versions VALUES (NEW.project_key, 1)
    ON CONFLICT DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER job_tags_version_update AFTER UPDATE ON job_tags BEGIN
    INSERT INTO project_versions VALUES (NEW.project_key, 1)
    ON CONFLICT DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER job_tags_version_delete AFTER DELETE ON job_tags BEGIN
    INSERT INTO project_versions VALUES (OLD.project_key, 1)
    ON CONFLICT DO UPDATE SET version = version + 1;
END;
