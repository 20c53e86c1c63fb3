//! `roles.*` and `permissions.*`.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::page;
use crate::project;
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_core::names::{perm, role};
use apogee_protocol::user::{PermissionJson, RoleJson, UserJson};
use apogee_protocol::{Flag, OkBody};
use apogee_storage::Page;
use apogee_users::UserFilter;
use apogee_users::access::RoleInput;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

/// `{roles}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RolesListResponse {
    /// All roles.
    pub roles: Vec<RoleJson>,
    /// Always `true`.
    pub success: bool,
}

/// `{role}`.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RoleResponse {
    /// The role.
    pub role: RoleJson,
    /// Always `true`.
    pub success: bool,
}

/// `roles.create` / `roles.update` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoleBody {
    /// Role id (`roles.update` only).
    pub role_id: Option<String>,
    /// Name (required).
    pub name: Option<String>,
    /// `Users` or `Subscriptions`.
    pub scope: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Require 2FA.
    #[oai(rename = "mandatory2fa")]
    pub mandatory_2fa: Option<Flag>,
}

/// A body naming a role and a user.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoleUserBody {
    /// Role id.
    pub role_id: Option<String>,
    /// Role name (legacy).
    pub role_name: Option<String>,
    /// Username (required).
    pub username: Option<String>,
    /// Room, for room-scoped roles.
    pub room_id: Option<String>,
    /// Room, for room-scoped roles (`roles.removeUserFromRole`).
    pub scope: Option<String>,
}

/// `roles.delete` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RoleDeleteBody {
    /// Role id (required).
    pub role_id: Option<String>,
}

/// `roles.getUsersInRole` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UsersInRoleResponse {
    /// Holders of the role.
    pub users: Vec<UserJson>,
    /// Holders in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// Removed record id.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RemovedId {
    /// The id.
    #[oai(rename = "_id")]
    pub id: String,
}

/// `{update, remove}` for roles.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RolesSync {
    /// Changed roles.
    pub update: Vec<RoleJson>,
    /// Deleted roles.
    pub remove: Vec<RemovedId>,
}

/// `roles.sync` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct RolesSyncResponse {
    /// The changes.
    pub roles: RolesSync,
    /// Always `true`.
    pub success: bool,
}

/// A user with their roles.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct UserRoles {
    /// User id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Username.
    pub username: String,
    /// Global roles.
    pub roles: Vec<String>,
}

/// `roles.getUsersInPublicRoles` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PublicRolesResponse {
    /// Users holding roles other than the default ones.
    pub users: Vec<UserRoles>,
    /// Always `true`.
    pub success: bool,
}

/// `permissions.listAll` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PermissionsListResponse {
    /// Permissions (changed since `updatedSince`, or all).
    pub update: Vec<PermissionJson>,
    /// Removed permissions.
    pub remove: Vec<RemovedId>,
    /// Always `true`.
    pub success: bool,
}

/// One permission change.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct PermissionChange {
    /// Permission id.
    #[oai(rename = "_id")]
    pub id: String,
    /// Roles that will hold it.
    pub roles: Vec<String>,
}

/// `permissions.update` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct PermissionsUpdateBody {
    /// Changes (required).
    pub permissions: Option<Vec<PermissionChange>>,
}

/// `permissions.update` answer.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct PermissionsUpdateResponse {
    /// The whole table after the change.
    pub permissions: Vec<PermissionJson>,
    /// Always `true`.
    pub success: bool,
}

fn role_ref(b: &RoleUserBody) -> Result<String, Error> {
    b.role_id
        .clone()
        .or_else(|| b.role_name.clone())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::missing_param("roleId"))
}

/// Role operations.
pub struct RolesApi {
    /// Shared services.
    pub state: AppState,
}

impl RolesApi {
    /// Grants or revokes a role within one room (a Subscriptions-scope role on a member).
    async fn room_role(
        &self,
        auth: &Auth,
        role_ref: &str,
        username: &str,
        rid: &str,
        add: bool,
    ) -> Result<apogee_storage::Role, Error> {
        self.state
            .users
            .require(&auth.0, perm::ACCESS_PERMISSIONS)
            .await?;
        let role = self
            .state
            .users
            .find_role(role_ref)
            .await?
            .ok_or_else(|| Error::meteor("error-role-not-found", "Role not found"))?;
        let room = apogee_storage::repo::rooms::by_id(self.state.users.db(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-room", "Invalid room"))?;
        let who = apogee_users::UserSelector::Username(username.to_owned());
        self.state
            .rooms
            .set_room_role(&auth.0, &room, &who, &role.id, add)
            .await?;
        Ok(role)
    }
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Roles")]
impl RolesApi {
    /// roles.list: every role.
    #[oai(path = "/roles.list", method = "get", operation_id = "roles.list")]
    async fn list(&self, _auth: Auth) -> ApiResult<RolesListResponse> {
        let roles = self.state.users.roles().await?;
        Ok(Json(RolesListResponse {
            roles: roles.iter().map(project::role).collect(),
            success: true,
        }))
    }

    /// roles.sync: roles changed and deleted since updatedSince.
    #[oai(path = "/roles.sync", method = "get", operation_id = "roles.sync")]
    async fn sync(
        &self,
        _auth: Auth,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ApiResult<RolesSyncResponse> {
        let since = crate::params::date_param(updated_since.0.as_deref(), "updatedSince")?
            .ok_or_else(|| Error::missing_param("updatedSince"))?;
        let (update, remove) = self.state.users.roles_since(since).await?;
        Ok(Json(RolesSyncResponse {
            roles: RolesSync {
                update: update.iter().map(project::role).collect(),
                remove: remove.into_iter().map(|id| RemovedId { id }).collect(),
            },
            success: true,
        }))
    }

    /// roles.create: a custom role (permission access-permissions).
    #[oai(path = "/roles.create", method = "post", operation_id = "roles.create")]
    async fn create(&self, auth: Auth, body: Json<RoleBody>) -> ApiResult<RoleResponse> {
        let b = body.0;
        let r = self
            .state
            .users
            .create_role(
                &auth.0,
                RoleInput {
                    name: b.name.ok_or_else(|| Error::missing_param("name"))?,
                    scope: b.scope,
                    description: b.description,
                    mandatory_2fa: b.mandatory_2fa.map(|f| f.0),
                },
            )
            .await?;
        Ok(Json(RoleResponse {
            role: project::role(&r),
            success: true,
        }))
    }

    /// roles.update: renames or redescribes a role (permission access-permissions).
    #[oai(path = "/roles.update", method = "post", operation_id = "roles.update")]
    async fn update(&self, auth: Auth, body: Json<RoleBody>) -> ApiResult<RoleResponse> {
        let b = body.0;
        let id = b.role_id.ok_or_else(|| Error::missing_param("roleId"))?;
        let r = self
            .state
            .users
            .update_role(
                &auth.0,
                &id,
                RoleInput {
                    name: b.name.unwrap_or_default(),
                    scope: b.scope,
                    description: b.description,
                    mandatory_2fa: b.mandatory_2fa.map(|f| f.0),
                },
            )
            .await?;
        Ok(Json(RoleResponse {
            role: project::role(&r),
            success: true,
        }))
    }

    /// roles.delete: deletes an unprotected role nobody holds.
    #[oai(path = "/roles.delete", method = "post", operation_id = "roles.delete")]
    async fn delete(&self, auth: Auth, body: Json<RoleDeleteBody>) -> ApiResult<OkBody> {
        let id = body
            .0
            .role_id
            .ok_or_else(|| Error::missing_param("roleId"))?;
        self.state.users.delete_role(&auth.0, &id).await?;
        Ok(Json(OkBody::ok()))
    }

    /// roles.addUserToRole: gives a global role to a user.
    #[oai(
        path = "/roles.addUserToRole",
        method = "post",
        operation_id = "roles.addUserToRole"
    )]
    async fn add_user(&self, auth: Auth, body: Json<RoleUserBody>) -> ApiResult<RoleResponse> {
        let role_ref = role_ref(&body.0)?;
        let username = body
            .0
            .username
            .clone()
            .ok_or_else(|| Error::missing_param("username"))?;
        let r = match body.0.room_id.as_deref().filter(|r| !r.is_empty()) {
            Some(rid) => {
                self.room_role(&auth, &role_ref, &username, rid, true)
                    .await?
            }
            None => {
                self.state
                    .users
                    .add_user_to_role(&auth.0, &role_ref, &username)
                    .await?
            }
        };
        Ok(Json(RoleResponse {
            role: project::role(&r),
            success: true,
        }))
    }

    /// roles.removeUserFromRole: takes a global role from a user (never the last admin).
    #[oai(
        path = "/roles.removeUserFromRole",
        method = "post",
        operation_id = "roles.removeUserFromRole"
    )]
    async fn remove_user(&self, auth: Auth, body: Json<RoleUserBody>) -> ApiResult<RoleResponse> {
        let role_ref = role_ref(&body.0)?;
        let username = body
            .0
            .username
            .clone()
            .ok_or_else(|| Error::missing_param("username"))?;
        let room = body
            .0
            .scope
            .clone()
            .or(body.0.room_id.clone())
            .filter(|r| !r.is_empty());
        let r = match room {
            Some(rid) => {
                self.room_role(&auth, &role_ref, &username, &rid, false)
                    .await?
            }
            None => {
                self.state
                    .users
                    .remove_user_from_role(&auth.0, &role_ref, &username)
                    .await?
            }
        };
        Ok(Json(RoleResponse {
            role: project::role(&r),
            success: true,
        }))
    }

    /// roles.getUsersInRole: a page of the users holding a role.
    #[oai(
        path = "/roles.getUsersInRole",
        method = "get",
        operation_id = "roles.getUsersInRole"
    )]
    async fn users_in_role(
        &self,
        auth: Auth,
        role: Query<Option<String>>,
        #[oai(name = "roomId")] room_id: Query<Option<String>>,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<UsersInRoleResponse> {
        let role = role
            .0
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::missing_param("role"))?;
        let page = page(&self.state, offset.0, count.0, None)?;
        let full = self
            .state
            .users
            .can(&auth.0, perm::VIEW_FULL_OTHER_USER_INFO)
            .await?;
        let (users, total) = match room_id.0.filter(|r| !r.is_empty()) {
            Some(rid) => {
                self.state
                    .users
                    .require(&auth.0, perm::ACCESS_PERMISSIONS)
                    .await?;
                let r = self
                    .state
                    .users
                    .find_role(&role)
                    .await?
                    .ok_or_else(|| Error::meteor("error-role-not-found", "Role not found"))?;
                let holders = self.state.rooms.holders(&rid, &r.id).await?;
                let ids: Vec<String> = holders.iter().map(|h| h.user_id.clone()).collect();
                let accounts = self
                    .state
                    .users
                    .with_roles(
                        apogee_storage::repo::users::by_ids(self.state.users.db(), &ids).await?,
                    )
                    .await?;
                let total = accounts.len() as u64;
                let page_items = apogee_storage::Page::slice(page.offset, page.count, accounts);
                (page_items, total)
            }
            None => {
                self.state
                    .users
                    .users_in_role(&auth.0, &role, &page)
                    .await?
            }
        };
        Ok(Json(UsersInRoleResponse {
            users: users.iter().map(|a| project::user(a, full)).collect(),
            total,
            success: true,
        }))
    }

    /// roles.getUsersInPublicRoles: users holding any role beyond the default ones.
    #[oai(
        path = "/roles.getUsersInPublicRoles",
        method = "get",
        operation_id = "roles.getUsersInPublicRoles"
    )]
    async fn public_roles(&self, _auth: Auth) -> ApiResult<PublicRolesResponse> {
        let (all, _) = self
            .state
            .users
            .list(
                &UserFilter {
                    active_only: true,
                    ..UserFilter::default()
                },
                &Page::default(),
            )
            .await?;
        let users = all
            .into_iter()
            .filter(|a| {
                a.roles
                    .iter()
                    .any(|r| r != role::USER && r != role::BOT && r != "app")
            })
            .map(|a| UserRoles {
                id: a.user.id,
                username: a.user.username,
                roles: a.roles,
            })
            .collect();
        Ok(Json(PublicRolesResponse {
            users,
            success: true,
        }))
    }
}

/// Permission operations.
pub struct PermissionsApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Permissions")]
impl PermissionsApi {
    /// permissions.listAll: the permission table (or what changed since updatedSince).
    #[oai(
        path = "/permissions.listAll",
        method = "get",
        operation_id = "permissions.listAll"
    )]
    async fn list_all(
        &self,
        _auth: Auth,
        #[oai(name = "updatedSince")] updated_since: Query<Option<String>>,
    ) -> ApiResult<PermissionsListResponse> {
        let since = crate::params::date_param(updated_since.0.as_deref(), "updatedSince")?;
        let (update, remove) = self.state.users.permissions(since).await?;
        Ok(Json(PermissionsListResponse {
            update: update.iter().map(project::permission).collect(),
            remove: remove.into_iter().map(|id| RemovedId { id }).collect(),
            success: true,
        }))
    }

    /// permissions.update: sets which roles hold permissions (permission access-permissions).
    #[oai(
        path = "/permissions.update",
        method = "post",
        operation_id = "permissions.update"
    )]
    async fn update(
        &self,
        auth: Auth,
        body: Json<PermissionsUpdateBody>,
    ) -> ApiResult<PermissionsUpdateResponse> {
        let changes: Vec<(String, Vec<String>)> = body
            .0
            .permissions
            .ok_or_else(|| Error::missing_param("permissions"))?
            .into_iter()
            .map(|p| (p.id, p.roles))
            .collect();
        let all = self
            .state
            .users
            .update_permissions(&auth.0, &changes)
            .await?;
        Ok(Json(PermissionsUpdateResponse {
            permissions: all.iter().map(project::permission).collect(),
            success: true,
        }))
    }
}
