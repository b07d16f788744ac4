//! ListAvailableNodeTypes (`GET /v3/{project_id}/node-type`): its query string, validated, and
//! THE rule saying which flavours a scenario offers. Nothing is ever sold out.

use crate::{
    enums::{is_engine_type, DbUseType, JobDirection},
    error::{Error, Reason, Result},
    v5::params::Params,
};
use serde::Serialize;

/// The flavours of a migration task (the original's documented example answer).
const MIGRATION: &[&str] = &["micro", "small", "medium", "high", "xlarge"];
/// The flavours of a synchronization task: every flavour the v3 creation accepts.
const SYNC: &[&str] = crate::ops::NODE_TYPES;
/// The flavour of a disaster-recovery task, single- or dual-active (the v5 API: only `high`).
const DISASTER_RECOVERY: &[&str] = &["high"];

/// A validated query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTypeQuery {
    pub engine_type: String,
    pub db_use_type: DbUseType,
    pub job_direction: JobDirection,
    pub is_use_sellout_info: bool,
    pub is_multi_write: bool,
}

/// A boolean query parameter: `true`/`false` in any case (Python's SDK writes `True`);
/// absent or empty is `false`.
fn flag(p: &Params, name: &str) -> Result<bool> {
    match p.one(name)? {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(Error::invalid_with(name, Reason::OneOf(&["true", "false"]))),
    }
}

impl NodeTypeQuery {
    /// Reads the raw query string: the three required parameters, then the two flags. A missing
    /// or unknown value is `DRS.M00202` naming the parameter; dual-active (`is_multi_write`)
    /// exists for disaster recovery only.
    pub fn parse(raw: Option<&str>) -> Result<NodeTypeQuery> {
        let p = Params::parse(raw)?;
        let engine_type = match p.one("engine_type")? {
            None => return Err(Error::invalid_with("engine_type", Reason::Empty)),
            Some(e) if !is_engine_type(e) => {
                return Err(Error::invalid_with("engine_type", Reason::UnknownEngine))
            }
            Some(e) => e.to_string(),
        };
        let db_use_type = p
            .one("db_use_type")?
            .and_then(DbUseType::parse)
            .ok_or_else(|| Error::invalid_with("db_use_type", Reason::OneOf(DbUseType::NAMES)))?;
        let job_direction = p
            .one("job_direction")?
            .and_then(JobDirection::parse)
            .ok_or_else(|| {
                Error::invalid_with("job_direction", Reason::OneOf(JobDirection::NAMES))
            })?;
        let is_use_sellout_info = flag(&p, "is_use_sellout_info")?;
        let is_multi_write = flag(&p, "is_multi_write")?;
        if is_multi_write && db_use_type != DbUseType::CloudDataGuard {
            return Err(Error::invalid_with(
                "is_multi_write",
                Reason::OneOf(&["false"]),
            ));
        }
        Ok(NodeTypeQuery {
            engine_type,
            db_use_type,
            job_direction,
            is_use_sellout_info,
            is_multi_write,
        })
    }

    /// The flavours offered, smallest first: by scenario alone (every engine and direction of
    /// a scenario runs on the same simulated flavours).
    pub fn flavours(&self) -> &'static [&'static str] {
        match self.db_use_type {
            DbUseType::Migration => MIGRATION,
            DbUseType::Sync => SYNC,
            DbUseType::CloudDataGuard => DISASTER_RECOVERY,
        }
    }

    /// The answer: every flavour with `is_sellout: false`, asked or not (clients keep only
    /// the flavours that are not sold out, so the field is always there).
    pub fn answer(&self) -> ListAvailableNodeTypesResponse {
        ListAvailableNodeTypesResponse {
            node_types: self
                .flavours()
                .iter()
                .map(|f| QuerySupportNodeTypeBean {
                    node_type: (*f).to_string(),
                    is_sellout: false,
                })
                .collect(),
        }
    }
}

/// The answer (`ListAvailableNodeTypesResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ListAvailableNodeTypesResponse {
    pub node_types: Vec<QuerySupportNodeTypeBean>,
}

/// One flavour (`QuerySupportNodeTypeBean`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct QuerySupportNodeTypeBean {
    /// `micro`, `small`, `medium`, `high`, `xlarge` or `2xlarge`.
    pub node_type: String,
    /// Always `false`: no flavour is ever sold out.
    pub is_sellout: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<NodeTypeQuery> {
        NodeTypeQuery::parse(Some(q))
    }

    fn field(e: Error) -> String {
        match e {
            Error::InvalidParam { field, .. } => field,
            other => panic!("not an invalid parameter: {other:?}"),
        }
    }

    #[test]
    fn each_scenario_offers_its_flavours_none_sold_out() {
        let q = |s| {
            parse(&format!(
                "engine_type=mysql&db_use_type={s}&job_direction=up"
            ))
        };
        let names = |s| {
            q(s).expect("valid")
                .answer()
                .node_types
                .into_iter()
                .map(|n| {
                    assert!(!n.is_sellout);
                    n.node_type
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("migration"),
            ["micro", "small", "medium", "high", "xlarge"]
        );
        assert_eq!(names("sync").len(), 6);
        assert_eq!(names("cloudDataGuard"), ["high"]);
    }

    #[test]
    fn every_required_parameter_missing_or_unknown_is_named() {
        let base = [
            ("engine_type", "mysql"),
            ("db_use_type", "migration"),
            ("job_direction", "down"),
        ];
        for (i, (name, _)) in base.iter().enumerate() {
            for bad in [None, Some("nonsense")] {
                let q: Vec<String> = base
                    .iter()
                    .enumerate()
                    .filter_map(|(j, (n, v))| match (i == j, bad) {
                        (false, _) => Some(format!("{n}={v}")),
                        (true, Some(b)) => Some(format!("{n}={b}")),
                        (true, None) => None,
                    })
                    .collect();
                let err = parse(&q.join("&")).expect_err("refused");
                assert_eq!(err.code(), "DRS.M00202");
                assert_eq!(field(err), *name, "{q:?}");
            }
        }
    }

    #[test]
    fn flags_take_true_or_false_in_any_case_and_dual_active_is_disaster_recovery_only() {
        let ok = parse(
            "engine_type=cloudDataGuard-mysql&db_use_type=cloudDataGuard&job_direction=down\
             &is_use_sellout_info=True&is_multi_write=true",
        )
        .expect("valid");
        assert!(ok.is_use_sellout_info && ok.is_multi_write);
        let err =
            parse("engine_type=mysql&db_use_type=migration&job_direction=up&is_multi_write=1")
                .expect_err("not a boolean");
        assert_eq!(field(err), "is_multi_write");
        let err = parse("engine_type=mysql&db_use_type=sync&job_direction=up&is_multi_write=true")
            .expect_err("dual-active sync");
        assert_eq!(field(err), "is_multi_write");
        let err =
            parse("engine_type=mysql&db_use_type=sync&job_direction=up&is_use_sellout_info=yes")
                .expect_err("not a boolean");
        assert_eq!(field(err), "is_use_sellout_info");
    }
}
