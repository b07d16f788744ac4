//! Job tags in SQLite: the v5 tag APIs over `job_tags`.
