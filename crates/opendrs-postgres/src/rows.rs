//! Reading a `jobs` row into a domain [`Job`] (the same columns as the SQLite store's).

use crate::error::{classify, corrupt};
use opendrs_core::{
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
    lifecycle::Step,
    store::StoreResult,
};
use tokio_postgres::{types::FromSql, Row};

/// How many columns [`COLUMNS`] has.
pub const COLUMN_COUNT: usize = 18;

/// The columns [`job_at`] reads, in order (on alias `j`).
pub const COLUMNS: &str = "j.seq, j.id, j.name, j.status, j.description, j.create_time, \
    j.engine_type, j.net_type, j.billing_tag, j.job_direction, j.db_use_type, j.task_type, \
    j.node_new_framework, j.error_msg, j.enterprise_project_id, j.charging_mode, j.is_multi_az, \
    j.running_step";

/// Column `i` of `row`.
pub fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> StoreResult<T> {
    row.try_get(i).map_err(classify)
}

pub fn parsed<T>(row: &Row, i: usize, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    let s: &str = get(row, i)?;
    parse(s).ok_or_else(|| corrupt(format!("unknown value {s:?} in column {i}")))
}

/// Reads [`COLUMNS`] starting at column `o`: (seq, job).
pub fn job_at(row: &Row, o: usize) -> StoreResult<(i64, Job)> {
    let job = Job {
        id: get(row, o + 1)?,
        name: get(row, o + 2)?,
        status: parsed(row, o + 3, JobStatus::parse)?,
        description: get(row, o + 4)?,
        create_time_ms: get(row, o + 5)?,
        engine_type: get(row, o + 6)?,
        net_type: parsed(row, o + 7, NetType::parse)?,
        billing_tag: get(row, o + 8)?,
        job_direction: parsed(row, o + 9, JobDirection::parse)?,
        db_use_type: parsed(row, o + 10, DbUseType::parse)?,
        task_type: parsed(row, o + 11, TaskType::parse)?,
        node_new_framework: get(row, o + 12)?,
        error_msg: get(row, o + 13)?,
        enterprise_project_id: get(row, o + 14)?,
        charging_mode: parsed(row, o + 15, ChargingMode::parse)?,
        is_multi_az: get(row, o + 16)?,
        tags: Vec::new(),
        source_endpoint: Endpoint::default(),
        target_endpoint: Endpoint::default(),
        children: Vec::new(),
        running: get::<Option<&str>>(row, o + 17)?.and_then(Step::parse),
    };
    Ok((get(row, o)?, job))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_is_the_number_of_columns() {
        assert_eq!(super::COLUMNS.split(',').count(), super::COLUMN_COUNT);
    }
}
