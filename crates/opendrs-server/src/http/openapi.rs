//! The OpenAPI 3 document: the base here (info, schemas, security, tags), the operations added
//! by the route table (`http::api`) from the handlers' annotations. `openapi/opendrs.json` in
//! the repository is this document; a test keeps them equal.

use utoipa::{
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
    Modify, OpenApi,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "OpenDRS", description = "A self-hostable implementation of the Huawei Cloud DRS v3 job API."),
    components(schemas(
        // The enumerations only parameters use (the bodies' are collected with the bodies).
        opendrs_core::tags::ResourceType,
        opendrs_core::lang::XLanguage,
        opendrs_core::enums::SortKey,
        opendrs_core::enums::SortDir,
        opendrs_core::enums::DetailType,
        opendrs_core::v5::list::JobTypeParam,
        opendrs_core::query::QueryJobsReq,
        opendrs_core::job::JobListResponse,
        opendrs_core::job::JobInfo,
        opendrs_core::job::ChildrenJobInfo,
        opendrs_core::lifecycle::JobActionResp,
        super::error::ErrorBody,
        opendrs_core::batch::BatchQueryJobReqPage,
        opendrs_core::batch::BatchListJobStatusResponse,
        opendrs_core::batch::QueryJobStatusResp,
        opendrs_core::batch::BatchListJobDetailsResponse,
        opendrs_core::batch::QueryJobResp,
        opendrs_core::batch::Tag,
        opendrs_core::batch::InstInfo,
        opendrs_core::job::Endpoint,
        opendrs_core::ops::CreateJobReq,
        opendrs_core::ops::CreateJobResp,
        opendrs_core::ops::JobOpResp,
        opendrs_core::login::TokenRequest,
        opendrs_core::login::TokenResponse,
        opendrs_core::login::TokenBody,
        opendrs_core::login::TokenProject,
        opendrs_core::login::TokenUser,
        opendrs_core::login::Named,
        opendrs_core::tags::BatchResourceTag,
        opendrs_core::tags::BatchTagReq,
        opendrs_core::tags::BatchDealResourceTagReq,
        opendrs_core::tags::ResourceTagInfo,
        opendrs_core::tags::ListInstanceTagsResponse,
        opendrs_core::tags::ProjectTag,
        opendrs_core::tags::ListTagsResponse,
        opendrs_core::tags::TagValues,
        opendrs_core::tags::TagMatch,
        opendrs_core::tags::QueryInstanceByTagReq,
        opendrs_core::tags::ResourceInstance,
        opendrs_core::tags::ListInstanceByTagsResponse,
        opendrs_core::tags::CountInstanceByTagsResponse,
        opendrs_core::timeline::ShowTimelineResponse,
        opendrs_core::timeline::TimelineInfo,
        opendrs_core::batch::SpeedLimitView,
        opendrs_core::batch::DatabaseObjectInfo,
        opendrs_core::workflow::bodies::TestEndPoint,
        opendrs_core::workflow::bodies::UpdateDatabaseObjectReq,
        opendrs_core::workflow::bodies::DatabaseInfo,
        opendrs_core::workflow::bodies::LimitSpeedReq,
        opendrs_core::workflow::bodies::SpeedLimitInfo,
        opendrs_core::workflow::bodies::PreCheckInfo,
        opendrs_core::workflow::answers::CheckJobResp,
        opendrs_core::workflow::answers::DatabaseObjectResp,
        opendrs_core::workflow::answers::PostPreCheckResp,
        opendrs_core::workflow::answers::SwitchoverResp,
        opendrs_core::workflow::answers::EndpointVo,
        opendrs_core::workflow::answers::QueryPreCheckResp,
        opendrs_core::workflow::answers::PrecheckResultView,
        opendrs_core::workflow::answers::QueryProgressResp,
        opendrs_core::workflow::answers::ProgressInfo,
        opendrs_core::workflow::answers::QueryRpoAndRtoResp,
        opendrs_core::workflow::answers::RpoAndRtoInfo,
        opendrs_core::quota::QueryQuotaInfo,
        opendrs_core::quota::QuotaResource,
        opendrs_core::node_types::QuerySupportNodeTypeBean,
    )),
    modifiers(&Security),
    tags((name = "jobs", description = "DRS tasks"), (name = "auth", description = "IAM-style tokens"), (name = "tags", description = "Task tags (v5)"), (name = "workflow", description = "Task workflow: connection tests, objects, flow control, prechecks, progress, DR switchover"))
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "aksk",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "SDK-HMAC-SHA256 Access=AK, SignedHeaders=…, Signature=… with X-Sdk-Date",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Auth-Token",
                "An IAM token from POST /v3/auth/tokens",
            ))),
        );
    }
}

/// The document without operations, which `http::api` adds as it registers the routes.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document served at `/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = super::api().into_openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// The document as committed: pretty JSON with a final newline.
pub fn document_json() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}
