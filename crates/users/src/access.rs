//! Roles and permissions: the permission check every operation makes, and the `roles.*` /
//! `permissions.*` management calls.

use crate::Users;
use crate::accounts::{Account, UserSelector};
use crate::auth::AuthUser;
use apogee_core::names::{perm, role};
use apogee_core::{Error, Result, Timestamp, random_id};
use apogee_storage::repo::{self, Page};
use apogee_storage::{Permission, Role};

/// Fields of `roles.create` / `roles.update`.
#[derive(Debug, Clone, Default)]
pub struct RoleInput {
    /// Role name (unique).
    pub name: String,
    /// `Users` or `Subscriptions`.
    pub scope: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Require 2FA for holders.
    pub mandatory_2fa: Option<bool>,
}

impl Users {
    /// Whether any of these roles holds a permission.
    pub async fn roles_have(&self, roles: &[String], permission: &str) -> Result<bool> {
        let Some(p) = repo::roles::permission(self.db(), permission).await? else {
            return Ok(false);
        };
        let holders: Vec<String> = serde_json::from_str(&p.roles).unwrap_or_default();
        Ok(roles.iter().any(|r| holders.contains(r)))
    }

    /// Whether the caller holds a permission (through a global role).
    pub async fn can(&self, auth: &AuthUser, permission: &str) -> Result<bool> {
        self.roles_have(&auth.account.roles, permission).await
    }

    /// Fails with 403 unless the caller holds the permission.
    pub async fn require(&self, auth: &AuthUser, permission: &str) -> Result<()> {
        if self.can(auth, permission).await? {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// `roles.list`.
    pub async fn roles(&self) -> Result<Vec<Role>> {
        repo::roles::all(self.db()).await
    }

    /// Roles changed since a time, and ids of roles deleted since then (`roles.sync`).
    pub async fn roles_since(&self, since: Timestamp) -> Result<(Vec<Role>, Vec<String>)> {
        let update = repo::roles::updated_since(self.db(), since.millis()).await?;
        let remove = repo::trash::since(self.db(), "roles", since.millis()).await?;
        Ok((update, remove.into_iter().map(|r| r.0).collect()))
    }

    /// Finds a role by id, or else by name (clients send either).
    pub async fn find_role(&self, id_or_name: &str) -> Result<Option<Role>> {
        if let Some(r) = repo::roles::by_id(self.db(), id_or_name).await? {
            return Ok(Some(r));
        }
        repo::roles::by_name(self.db(), id_or_name).await
    }

    fn role_not_found() -> Error {
        Error::meteor("error-role-not-found", "Role not found")
    }

    fn check_scope(scope: &str) -> Result<()> {
        if matches!(scope, "Users" | "Subscriptions") {
            Ok(())
        } else {
            Err(Error::meteor("error-invalid-scope", "Invalid scope"))
        }
    }

    /// `roles.create` (Enterprise-only in Rocket.Chat; part of Apogee).
    pub async fn create_role(&self, actor: &AuthUser, input: RoleInput) -> Result<Role> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            return Err(Error::missing_param("name"));
        }
        if repo::roles::by_name(self.db(), &name).await?.is_some() {
            return Err(Error::meteor(
                "error-duplicate-role-names-not-allowed",
                "Role name already exists",
            ));
        }
        let scope = input.scope.unwrap_or_else(|| "Users".into());
        Self::check_scope(&scope)?;
        let role = Role {
            id: random_id(),
            name,
            description: input.description.unwrap_or_default(),
            protected: false,
            scope,
            mandatory_2fa: input.mandatory_2fa.unwrap_or(false),
            updated_at: Timestamp::now().millis(),
        };
        repo::roles::insert_if_missing(self.db(), role.clone()).await?;
        Ok(role)
    }

    /// `roles.update`.
    pub async fn update_role(
        &self,
        actor: &AuthUser,
        role_id: &str,
        input: RoleInput,
    ) -> Result<Role> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        let mut r = repo::roles::by_id(self.db(), role_id)
            .await?
            .ok_or_else(Self::role_not_found)?;
        let name = input.name.trim();
        if !name.is_empty() && name != r.name {
            if r.protected {
                return Err(Error::meteor(
                    "error-role-protected",
                    "Cannot change the name of a protected role",
                ));
            }
            if repo::roles::by_name(self.db(), name).await?.is_some() {
                return Err(Error::meteor(
                    "error-duplicate-role-names-not-allowed",
                    "Role name already exists",
                ));
            }
            r.name = name.to_owned();
        }
        if let Some(s) = input.scope {
            Self::check_scope(&s)?;
            r.scope = s;
        }
        if let Some(d) = input.description {
            r.description = d;
        }
        if let Some(m) = input.mandatory_2fa {
            r.mandatory_2fa = m;
        }
        r.updated_at = Timestamp::now().millis();
        repo::roles::update(self.db(), r).await
    }

    /// `roles.delete`: only unprotected roles nobody holds.
    pub async fn delete_role(&self, actor: &AuthUser, role_id: &str) -> Result<()> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        let r = self
            .find_role(role_id)
            .await?
            .ok_or_else(Self::role_not_found)?;
        if r.protected {
            return Err(Error::meteor(
                "error-role-protected",
                "Cannot delete a protected role",
            ));
        }
        if repo::users::count_in_role(self.db(), &r.id).await? > 0 {
            return Err(Error::meteor(
                "error-role-in-use",
                "Cannot delete role because it's in use",
            ));
        }
        repo::roles::delete(self.db(), &r.id).await
    }

    /// `roles.addUserToRole` for a global (`Users`-scope) role.
    pub async fn add_user_to_role(
        &self,
        actor: &AuthUser,
        role_ref: &str,
        username: &str,
    ) -> Result<Role> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        let r = self
            .find_role(role_ref)
            .await?
            .ok_or_else(Self::role_not_found)?;
        if r.id == role::ADMIN {
            self.require(actor, perm::ASSIGN_ADMIN_ROLE).await?;
        }
        let acc = self
            .get(&UserSelector::Username(username.to_owned()))
            .await?;
        if acc.has_role(&r.id) {
            return Err(Error::meteor(
                "error-user-already-in-role",
                "User already in role",
            ));
        }
        repo::users::add_role(self.db(), &acc.user.id, &r.id).await?;
        self.announce_role(&acc.user.id, &r.id, true);
        Ok(r)
    }

    /// `roles.removeUserFromRole` for a global role; never the last admin.
    pub async fn remove_user_from_role(
        &self,
        actor: &AuthUser,
        role_ref: &str,
        username: &str,
    ) -> Result<Role> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        let r = self
            .find_role(role_ref)
            .await?
            .ok_or_else(Self::role_not_found)?;
        let acc = self
            .get(&UserSelector::Username(username.to_owned()))
            .await?;
        if !acc.has_role(&r.id) {
            return Err(Error::meteor(
                "error-user-not-in-role",
                "User is not in this role",
            ));
        }
        if r.id == role::ADMIN && self.is_last_admin(&acc).await? {
            return Err(Error::meteor(
                "error-admin-required",
                "You need to have at least one admin",
            ));
        }
        repo::users::remove_role(self.db(), &acc.user.id, &r.id).await?;
        self.announce_role(&acc.user.id, &r.id, false);
        Ok(r)
    }

    /// `roles.getUsersInRole`: a page of holders and the total.
    pub async fn users_in_role(
        &self,
        actor: &AuthUser,
        role_ref: &str,
        page: &Page,
    ) -> Result<(Vec<Account>, u64)> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        let r = self
            .find_role(role_ref)
            .await?
            .ok_or_else(Self::role_not_found)?;
        let (users, total) = repo::users::in_role(self.db(), &r.id, page).await?;
        Ok((self.with_roles(users).await?, total))
    }

    /// The permission table, or the part changed since a time, with removed ids.
    pub async fn permissions(
        &self,
        since: Option<Timestamp>,
    ) -> Result<(Vec<Permission>, Vec<String>)> {
        match since {
            None => Ok((repo::roles::permissions(self.db()).await?, Vec::new())),
            Some(t) => {
                let update = repo::roles::permissions_since(self.db(), t.millis()).await?;
                let remove = repo::trash::since(self.db(), "permissions", t.millis()).await?;
                Ok((update, remove.into_iter().map(|r| r.0).collect()))
            }
        }
    }

    /// `permissions.update`: sets the roles of each listed permission; all must exist.
    pub async fn update_permissions(
        &self,
        actor: &AuthUser,
        changes: &[(String, Vec<String>)],
    ) -> Result<Vec<Permission>> {
        self.require(actor, perm::ACCESS_PERMISSIONS).await?;
        for (id, roles) in changes {
            if repo::roles::permission(self.db(), id).await?.is_none() {
                return Err(Error::meteor(
                    "error-invalid-permission",
                    "Invalid permission",
                ));
            }
            for r in roles {
                if repo::roles::by_id(self.db(), r).await?.is_none() {
                    return Err(Error::meteor("error-invalid-role", "Role does not exist"));
                }
            }
        }
        let now = Timestamp::now().millis();
        for (id, roles) in changes {
            let mut roles = roles.clone();
            roles.sort();
            roles.dedup();
            repo::roles::set_permission(self.db(), id, &roles, now).await?;
        }
        repo::roles::permissions(self.db()).await
    }
}
