//! OpenDRS storage on PostgreSQL (work in progress).
