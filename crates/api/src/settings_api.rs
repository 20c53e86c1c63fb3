//! `settings.*`, `settings/:_id`, `service.configurations`.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::page;
use crate::project;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_core::names::perm;
use apogee_protocol::user::SettingJson;
use apogee_protocol::{Flag, OkBody};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;

/// A page of settings.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct SettingsListResponse {
    /// The settings.
    pub settings: Vec<SettingJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `settings.oauth` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct OauthResponse {
    /// Configured OAuth services (none).
    pub services: Vec<Value>,
    /// Always `true`.
    pub success: bool,
}

/// `service.configurations` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct ServiceConfigurationsResponse {
    /// Login service configurations (none).
    pub configurations: Vec<Value>,
    /// Always `true`.
    pub success: bool,
}

/// `GET settings/:_id` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct SettingResponse {
    /// Setting id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Current value.
    pub value: Value,
    /// Always `true`.
    pub success: bool,
}

/// `POST settings/:_id` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct SettingUpdateBody {
    /// New value (required).
    pub value: Option<Value>,
    /// Run an action setting (not supported).
    pub execute: Option<Flag>,
    /// Color editor (color settings).
    pub editor: Option<String>,
}

fn paged(all: Vec<SettingJson>, offset: u64, count: Option<u64>) -> SettingsListResponse {
    let total = all.len() as u64;
    let items: Vec<SettingJson> = apogee_storage::Page::slice(offset, count, all);
    SettingsListResponse {
        count: items.len() as u64,
        settings: items,
        offset,
        total,
        success: true,
    }
}

/// Settings operations.
pub struct SettingsApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Settings")]
impl SettingsApi {
    /// settings.public: public settings, no login needed; _id filters by a comma-separated list.
    #[oai(
        path = "/settings.public",
        method = "get",
        operation_id = "settings.public"
    )]
    async fn public(
        &self,
        #[oai(name = "_id")] ids: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<SettingsListResponse> {
        let wanted: Option<Vec<String>> = ids
            .0
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.split(',').map(|x| x.trim().to_owned()).collect());
        let page = page(&self.state, offset.0, count.0, None)?;
        let all: Vec<SettingJson> = self
            .state
            .users
            .settings()
            .all()
            .iter()
            .filter(|s| s.public)
            .filter(|s| {
                wanted
                    .as_ref()
                    .is_none_or(|w| w.iter().any(|id| id == s.id))
            })
            .map(|s| project::setting(s, false))
            .collect();
        Ok(Json(paged(all, page.offset, page.count)))
    }

    /// settings.oauth: configured OAuth login services (none).
    #[oai(
        path = "/settings.oauth",
        method = "get",
        operation_id = "settings.oauth"
    )]
    async fn oauth(&self) -> ApiResult<OauthResponse> {
        Ok(Json(OauthResponse {
            services: Vec::new(),
            success: true,
        }))
    }

    /// service.configurations: login service configurations (none).
    #[oai(
        path = "/service.configurations",
        method = "get",
        operation_id = "service.configurations"
    )]
    async fn service_configurations(&self) -> ApiResult<ServiceConfigurationsResponse> {
        Ok(Json(ServiceConfigurationsResponse {
            configurations: Vec::new(),
            success: true,
        }))
    }

    /// settings: all settings for holders of view-privileged-setting, public ones for others.
    #[oai(path = "/settings", method = "get", operation_id = "settings")]
    async fn list(
        &self,
        auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
        #[oai(name = "includeDefaults")] include_defaults: Query<Option<Flag>>,
    ) -> ApiResult<SettingsListResponse> {
        let privileged = self
            .state
            .users
            .can(&auth.0, perm::VIEW_PRIVILEGED_SETTING)
            .await?;
        let defaults = include_defaults.0.is_some_and(|f| f.0) && privileged;
        let page = page(&self.state, offset.0, count.0, None)?;
        let all: Vec<SettingJson> = self
            .state
            .users
            .settings()
            .all()
            .iter()
            .filter(|s| privileged || s.public)
            .map(|s| project::setting(s, defaults))
            .collect();
        Ok(Json(paged(all, page.offset, page.count)))
    }

    /// settings/:_id (GET): one setting (permission view-privileged-setting).
    #[oai(path = "/settings/:id", method = "get", operation_id = "settings.get")]
    async fn get(
        &self,
        auth: Auth,
        #[oai(name = "id")] id: Path<String>,
    ) -> ApiResult<SettingResponse> {
        self.state
            .users
            .require(&auth.0, perm::VIEW_PRIVILEGED_SETTING)
            .await?;
        let s = self
            .state
            .users
            .settings()
            .one(&id.0)
            .ok_or_else(|| Error::NotFound("Resource not found".into()))?;
        Ok(Json(SettingResponse {
            id: s.id.to_owned(),
            value: s.value,
            success: true,
        }))
    }

    /// settings/:_id (POST): changes a setting (permission edit-privileged-setting).
    #[oai(
        path = "/settings/:id",
        method = "post",
        operation_id = "settings.update"
    )]
    async fn update(
        &self,
        auth: Auth,
        #[oai(name = "id")] id: Path<String>,
        body: Json<SettingUpdateBody>,
    ) -> ApiResult<OkBody> {
        self.state
            .users
            .require(&auth.0, perm::EDIT_PRIVILEGED_SETTING)
            .await?;
        if !self.state.users.settings().exists(&id.0) {
            return Err(Error::NotFound("Resource not found".into()).into());
        }
        if body.0.execute.is_some_and(|f| f.0) {
            return Err(Error::meteor(
                "error-action-not-allowed",
                "Action settings are not supported",
            )
            .into());
        }
        let value = body.0.value.ok_or_else(|| Error::missing_param("value"))?;
        self.state.users.settings().set(&id.0, value).await?;
        Ok(Json(OkBody::ok()))
    }
}
