//! Every human-facing error text, in English (`en-us`, the default) and Chinese (`zh-cn`).
//! One exhaustive `match` per language: a new error variant does not compile until both have text.

use crate::{
    error::{Ambiguity, Error, PageProblem, Reason},
    lang::Lang,
};

/// The `error_msg` for `err` in `lang`. Never contains internal details.
pub fn message(err: &Error, lang: Lang) -> String {
    match lang {
        Lang::EnUs => english(err),
        Lang::ZhCn => chinese(err),
    }
}

fn english(err: &Error) -> String {
    match err {
        Error::EmptyParam { field } => format!("The parameter {field} is empty."),
        Error::InvalidParam {
            field,
            reason: None,
        } => {
            format!("The value of parameter {field} is invalid.")
        }
        Error::InvalidParam {
            field,
            reason: Some(r),
        } => {
            format!(
                "The value of parameter {field} is invalid: {}.",
                reason_en(r)
            )
        }
        Error::InvalidPage(p) => format!("The value of Page is invalid, {}.", page_en(p)),
        Error::InvalidRequest { detail } => format!("Invalid request, {detail}."),
        Error::JobNotFound => "Task information not found.".into(),
        Error::JobDeleted => "The task has been deleted or the resource has been released.".into(),
        Error::NoSuchJob => "Job does not exist, please check job ID.".into(),
        Error::NameTaken => "The task name already exists.".into(),
        Error::StatusForbids { status } => {
            format!("This API cannot be called in the current task status ({status}).")
        }
        Error::ChildJob => "Only parent tasks can invoke this interface.".into(),
        Error::NotForThisTask => "This API cannot be called for this type of task.".into(),
        Error::PrecheckNotPassed => "This API cannot be called in the current task status: \
            the task must pass a precheck (forStartJob) before it starts."
            .into(),
        Error::RetryPrecheckNotPassed => "This API cannot be called in the current task status: \
            the task must pass a precheck (forRetryJob) before it is reset."
            .into(),
        Error::PrecheckNotRun => "No precheck has been run for this task.".into(),
        Error::OperationInProgress => "Another operation is being performed on the task \
            (a precheck or a switchover). Try again when it has finished."
            .into(),
        Error::FlowControlUnsupported => "This task does not support flow control.".into(),
        Error::SpeedRangeEmpty => "Start time cannot be the same as end time.".into(),
        Error::ConnectionFailed { target } => {
            format!("The database cannot be connected: {target} does not answer.")
        }
        Error::NotReplicating { status } => format!(
            "This API cannot be called in the current task status ({status}): the task is not replicating."
        ),
        Error::TagKeyDuplicate => "The tag key must be unique.".into(),
        Error::TagTooLong => "The tag key or value exceeds the maximum length allowed.".into(),
        Error::TooManyTags { max } => format!(
            "The maximum number of tags has been reached: a task carries at most {max} tags."
        ),
        Error::QuotaExceeded { quota } => format!(
            "The quota of tasks has been reached: the project may have at most {quota} tasks \
             that are not deleted. Delete tasks or ask an administrator to raise the quota."
        ),
        Error::Unauthenticated { reason } => {
            format!("Incorrect IAM authentication information: {reason}")
        }
        Error::AmbiguousCredentials(a) => format!(
            "Incorrect IAM authentication information: {}; send exactly one credential.",
            match a {
                Ambiguity::TwoSignatures =>
                    "the request carries more than one Authorization header",
                Ambiguity::TwoTokens => "the request carries more than one X-Auth-Token header",
                Ambiguity::TokenAndSignature =>
                    "the request carries both an X-Auth-Token and an Authorization header",
            }
        ),
        Error::TokenExpired => "The token must be updated.".into(),
        Error::ProjectMismatch => "Invalid project ID.".into(),
        Error::Forbidden => "You do not have sufficient permissions.".into(),
        Error::RouteNotFound => {
            "The API does not exist or has not been published in the environment.".into()
        }
        Error::MethodNotAllowed => {
            "The API does not exist: this method is not supported on this path.".into()
        }
        Error::BodyTooLarge { limit } => {
            format!("Request entity too large: the body must not exceed {limit} bytes.")
        }
        Error::RequestTimeout { secs } => {
            format!("API request error: the request was not completed within {secs} s.")
        }
        Error::UriTooLong { limit } => {
            format!("Request-URI too long: the URI must not exceed {limit} bytes.")
        }
        Error::HeadersTooLarge { limit } => {
            format!("Request header fields too large: the headers must not exceed {limit} bytes.")
        }
        Error::TooManyStreams { max } => format!(
            "The throttling threshold has been reached: the project already runs {max} \
             all-items (cur_page 0) queries; retry after 1 s."
        ),
        Error::Throttled { retry_after } => format!(
            "The throttling threshold has been reached: retry after {} s.",
            retry_after.as_secs().max(1)
        ),
        Error::Unavailable(_) => {
            "Service is abnormal: storage is temporarily unavailable. Try again later.".into()
        }
        Error::Internal(_) => "Service is abnormal. Check logs.".into(),
    }
}

fn chinese(err: &Error) -> String {
    match err {
        Error::EmptyParam { field } => format!("参数{field}为空。"),
        Error::InvalidParam {
            field,
            reason: None,
        } => format!("参数{field}的值无效。"),
        Error::InvalidParam {
            field,
            reason: Some(r),
        } => {
            format!("参数{field}的值无效：{}。", reason_zh(r))
        }
        Error::InvalidPage(p) => format!("分页参数无效，{}。", page_zh(p)),
        Error::InvalidRequest { detail } => format!("无效的请求，{detail}。"),
        Error::JobNotFound => "未找到任务信息。".into(),
        Error::JobDeleted => "任务已删除或资源已释放。".into(),
        Error::NoSuchJob => "任务不存在，请检查任务ID。".into(),
        Error::NameTaken => "任务名称已存在。".into(),
        Error::StatusForbids { status } => format!("当前任务状态（{status}）不允许调用此接口。"),
        Error::ChildJob => "只有父任务可以调用此接口。".into(),
        Error::NotForThisTask => "此类型的任务不能调用此接口。".into(),
        Error::PrecheckNotPassed => {
            "当前任务状态不允许调用此接口：任务启动前必须通过预检查（forStartJob）。".into()
        }
        Error::RetryPrecheckNotPassed => {
            "当前任务状态不允许调用此接口：任务重置前必须通过预检查（forRetryJob）。".into()
        }
        Error::PrecheckNotRun => "该任务尚未进行预检查。".into(),
        Error::OperationInProgress => {
            "任务正在进行其他操作（预检查或倒换），请在其完成后重试。".into()
        }
        Error::FlowControlUnsupported => "该任务不支持流量控制。".into(),
        Error::SpeedRangeEmpty => "开始时间不能与结束时间相同。".into(),
        Error::ConnectionFailed { target } => format!("数据库无法连接：{target}无响应。"),
        Error::NotReplicating { status } => {
            format!("当前任务状态（{status}）不允许调用此接口：任务未在复制数据。")
        }
        Error::TagKeyDuplicate => "标签键不能重复。".into(),
        Error::TagTooLong => "标签键或值超过允许的最大长度。".into(),
        Error::TooManyTags { max } => format!("标签数量已达上限：一个任务最多{max}个标签。"),
        Error::QuotaExceeded { quota } => format!(
            "任务配额已用完：该项目最多可有{quota}个未删除的任务。请删除任务或联系管理员提高配额。"
        ),
        Error::Unauthenticated { reason } => format!("IAM认证信息错误：{reason}"),
        Error::AmbiguousCredentials(a) => format!(
            "IAM认证信息错误：{}，请只发送一种凭证。",
            match a {
                Ambiguity::TwoSignatures => "请求包含多个Authorization头",
                Ambiguity::TwoTokens => "请求包含多个X-Auth-Token头",
                Ambiguity::TokenAndSignature => "请求同时包含X-Auth-Token头和Authorization头",
            }
        ),
        Error::TokenExpired => "Token需要更新。".into(),
        Error::ProjectMismatch => "项目ID无效。".into(),
        Error::Forbidden => "用户权限不足。".into(),
        Error::RouteNotFound => "API不存在或未在环境中发布。".into(),
        Error::MethodNotAllowed => "API不存在：该路径不支持此方法。".into(),
        Error::BodyTooLarge { limit } => format!("请求体过大：不能超过{limit}字节。"),
        Error::RequestTimeout { secs } => format!("请求超时：未能在{secs}秒内完成。"),
        Error::UriTooLong { limit } => format!("请求URI过长：不能超过{limit}字节。"),
        Error::HeadersTooLarge { limit } => format!("请求头过大：不能超过{limit}字节。"),
        Error::TooManyStreams { max } => format!(
            "已达到流控阈值：该项目已有{max}个查询全部任务（cur_page为0）的请求在执行，请在1秒后重试。"
        ),
        Error::Throttled { retry_after } => {
            format!(
                "已达到流控阈值：请在{}秒后重试。",
                retry_after.as_secs().max(1)
            )
        }
        Error::Unavailable(_) => "服务异常：存储暂时不可用，请稍后重试。".into(),
        Error::Internal(_) => "服务异常，请检查日志。".into(),
    }
}

fn reason_en(r: &Reason) -> String {
    match r {
        Reason::WrongType => "wrong JSON type".into(),
        Reason::OneOf(values) => format!("expected one of {}", values.join(", ")),
        Reason::UnknownEngine => "unknown engine type".into(),
        Reason::Empty => "must not be empty".into(),
        Reason::TooMany(n) => format!("at most {n} items are allowed"),
        Reason::Duplicate => "an item appears twice".into(),
        Reason::TooLong(n) => format!("at most {n} characters are allowed"),
        Reason::ControlCharacter => "control characters are not allowed".into(),
        Reason::OutOfRange { min, max } => format!("must be between {min} and {max}"),
        Reason::Overlap => "the ranges overlap".into(),
        Reason::NotAFailedCheck => "not a failed item of the latest precheck".into(),
        Reason::NotYetSupported => "this value is not supported by this service yet".into(),
        Reason::AtLeast(min) => format!("must be an integer of at least {min}"),
    }
}

fn reason_zh(r: &Reason) -> String {
    match r {
        Reason::WrongType => "JSON类型错误".into(),
        Reason::OneOf(values) => format!("取值应为{}之一", values.join("、")),
        Reason::UnknownEngine => "未知的引擎类型".into(),
        Reason::Empty => "不能为空".into(),
        Reason::TooMany(n) => format!("最多允许{n}项"),
        Reason::Duplicate => "存在重复项".into(),
        Reason::TooLong(n) => format!("最多允许{n}个字符"),
        Reason::ControlCharacter => "不允许包含控制字符".into(),
        Reason::OutOfRange { min, max } => format!("取值范围为{min}到{max}"),
        Reason::Overlap => "时间段重叠".into(),
        Reason::NotAFailedCheck => "不是最近一次预检查的失败项".into(),
        Reason::NotYetSupported => "本服务暂不支持该取值".into(),
        Reason::AtLeast(min) => format!("应为不小于{min}的整数"),
    }
}

fn page_en(p: &PageProblem) -> String {
    match p {
        PageProblem::PerPageRange { max } => format!("per_page must be between 0 and {max}"),
        PageProblem::NegativeCurPage => "cur_page must be 0 or greater".into(),
        PageProblem::AllItemsPastFirstPage => "with per_page 0, cur_page must be 0 or 1".into(),
        PageProblem::PastLastPage { pages } => format!("cur_page must not exceed {pages}"),
    }
}

fn page_zh(p: &PageProblem) -> String {
    match p {
        PageProblem::PerPageRange { max } => format!("per_page的取值范围为0到{max}"),
        PageProblem::NegativeCurPage => "cur_page不能小于0".into(),
        PageProblem::AllItemsPastFirstPage => "per_page为0时cur_page只能为0或1".into(),
        PageProblem::PastLastPage { pages } => format!("cur_page不能大于{pages}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn samples() -> Vec<Error> {
        vec![
            Error::empty("db_use_type"),
            Error::invalid("status"),
            Error::invalid_with("per_page", Reason::WrongType),
            Error::invalid_with("status", Reason::OneOf(&["a", "b"])),
            Error::invalid_with("engine_type", Reason::UnknownEngine),
            Error::invalid_with("enterprise_project_id", Reason::Empty),
            Error::invalid_with("tags", Reason::TooMany(20)),
            Error::InvalidPage(PageProblem::PerPageRange { max: 100 }),
            Error::InvalidPage(PageProblem::NegativeCurPage),
            Error::InvalidPage(PageProblem::AllItemsPastFirstPage),
            Error::InvalidPage(PageProblem::PastLastPage { pages: 2 }),
            Error::invalid_with("jobs", Reason::Duplicate),
            Error::request("expected value at line 1 column 1"),
            Error::Unauthenticated {
                reason: "verify aksk signature fail".into(),
            },
            Error::JobNotFound,
            Error::JobDeleted,
            Error::NoSuchJob,
            Error::invalid_with("type", Reason::NotYetSupported),
            Error::NameTaken,
            Error::StatusForbids {
                status: crate::enums::JobStatus::Pausing,
            },
            Error::ChildJob,
            Error::NotForThisTask,
            Error::PrecheckNotPassed,
            Error::RetryPrecheckNotPassed,
            Error::PrecheckNotRun,
            Error::OperationInProgress,
            Error::FlowControlUnsupported,
            Error::SpeedRangeEmpty,
            Error::ConnectionFailed {
                target: "db.invalid".into(),
            },
            Error::NotReplicating {
                status: crate::enums::JobStatus::Configuration,
            },
            Error::TagKeyDuplicate,
            Error::TagTooLong,
            Error::TooManyTags { max: 20 },
            Error::TokenExpired,
            Error::AmbiguousCredentials(Ambiguity::TwoSignatures),
            Error::AmbiguousCredentials(Ambiguity::TwoTokens),
            Error::AmbiguousCredentials(Ambiguity::TokenAndSignature),
            Error::UriTooLong { limit: 8192 },
            Error::HeadersTooLarge { limit: 16384 },
            Error::TooManyStreams { max: 4 },
            Error::invalid_with("name", Reason::TooLong(50)),
            Error::invalid_with("description", Reason::ControlCharacter),
            Error::invalid_with("period_num", Reason::OutOfRange { min: 1, max: 9 }),
            Error::invalid_with("speed_limit", Reason::Overlap),
            Error::invalid_with("skipped_precheck_list", Reason::NotAFailedCheck),
            Error::invalid_with("offset", Reason::AtLeast(0)),
            Error::ProjectMismatch,
            Error::Forbidden,
            Error::RouteNotFound,
            Error::MethodNotAllowed,
            Error::BodyTooLarge { limit: 1024 },
            Error::RequestTimeout { secs: 30 },
            Error::Throttled {
                retry_after: Duration::from_secs(2),
            },
            Error::Unavailable("pool timed out".into()),
            Error::Internal("disk I/O error at /secret/path".into()),
        ]
    }

    #[test]
    fn every_error_has_a_distinct_english_and_chinese_message() {
        for err in samples() {
            let en = message(&err, Lang::EnUs);
            let zh = message(&err, Lang::ZhCn);
            assert!(!en.is_empty() && !zh.is_empty(), "{err:?}");
            assert_ne!(en, zh, "{err:?} has no translation");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
        }
    }

    #[test]
    fn the_empty_parameter_message_names_the_field_as_the_original_does() {
        assert_eq!(
            message(&Error::empty("db_use_type"), Lang::EnUs),
            "The parameter db_use_type is empty."
        );
    }

    #[test]
    fn chinese_messages_carry_no_english_explanations() {
        let err = Error::InvalidPage(PageProblem::PerPageRange { max: 100 });
        assert_eq!(
            message(&err, Lang::ZhCn),
            "分页参数无效，per_page的取值范围为0到100。"
        );
        let err = Error::invalid_with("net_type", Reason::UnknownEngine);
        assert!(!message(&err, Lang::ZhCn).contains("unknown"));
    }

    #[test]
    fn internal_details_never_reach_the_message() {
        for err in [
            Error::Internal("disk I/O error at /secret/path".into()),
            Error::Unavailable("cannot open /secret/path".into()),
        ] {
            for lang in [Lang::EnUs, Lang::ZhCn] {
                assert!(!message(&err, lang).contains("/secret/path"));
            }
        }
    }
}
