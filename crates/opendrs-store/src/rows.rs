//! Reading a `jobs` row into a domain [`Job`].

use opendrs_core::{
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
    lifecycle::Step,
};
use rusqlite::{types::Type, Row};

/// How many columns [`COLUMNS`] has.
pub const COLUMN_COUNT: usize = 18;

/// The columns [`job`] reads, in order (on alias `j`).
pub const COLUMNS: &str = "j.seq, j.id, j.name, j.status, j.description, j.create_time, \
    j.engine_type, j.net_type, j.billing_tag, j.job_direction, j.db_use_type, j.task_type, \
    j.node_new_framework, j.error_msg, j.enterprise_project_id, j.charging_mode, j.is_multi_az, \
    j.running_step";

pub fn parsed<T>(row: &Row, i: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = row.get(i)?;
    parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            Type::Text,
            format!("unknown value {s:?}").into(),
        )
    })
}

/// Reads [`COLUMNS`] starting at column 0.
pub fn job(row: &Row) -> rusqlite::Result<(i64, Job)> {
    job_at(row, 0)
}

/// Reads [`COLUMNS`] starting at column `o`.
pub fn job_at(row: &Row, o: usize) -> rusqlite::Result<(i64, Job)> {
    let job = Job {
        id: row.get(o + 1)?,
        name: row.get(o + 2)?,
        status: parsed(row, o + 3, JobStatus::parse)?,
        description: row.get(o + 4)?,
        create_time_ms: row.get(o + 5)?,
        engine_type: row.get(o + 6)?,
        net_type: parsed(row, o + 7, NetType::parse)?,
        billing_tag: row.get(o + 8)?,
        job_direction: parsed(row, o + 9, JobDirection::parse)?,
        db_use_type: parsed(row, o + 10, DbUseType::parse)?,
        task_type: parsed(row, o + 11, TaskType::parse)?,
        node_new_framework: row.get(o + 12)?,
        error_msg: row.get(o + 13)?,
        enterprise_project_id: row.get(o + 14)?,
        charging_mode: parsed(row, o + 15, ChargingMode::parse)?,
        is_multi_az: row.get(o + 16)?,
        tags: Vec::new(),
        source_endpoint: Endpoint::default(),
        target_endpoint: Endpoint::default(),
        children: Vec::new(),
        running: row
            .get::<_, Option<String>>(o + 17)?
            .as_deref()
            .and_then(Step::parse),
    };
    Ok((row.get(o)?, job))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_is_the_number_of_columns() {
        assert_eq!(super::COLUMNS.split(',').count(), super::COLUMN_COUNT);
    }
}
