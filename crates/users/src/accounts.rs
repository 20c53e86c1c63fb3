//! Accounts: creation, lookup, listing, profile updates, activation, status, preferences, deletion.

use crate::auth::{AuthUser, PasswordInput};
use crate::password::{is_digest, sha256_hex};
use crate::presence::effective_status;
use crate::{Users, validate};
use apogee_core::names::{perm, role, setting};
use apogee_core::{Error, EventKind, Result, Timestamp, Topic, UserId};
use apogee_storage::User;
use apogee_storage::repo::{self, Page, users::UserFilter};
use serde_json::{Map, Value};

/// A user with its global roles: what every projection starts from.
#[derive(Debug, Clone)]
pub struct Account {
    /// The stored row.
    pub user: User,
    /// Global role ids, sorted.
    pub roles: Vec<String>,
}

impl Account {
    /// Whether the account holds a global role.
    pub fn has_role(&self, r: &str) -> bool {
        self.roles.iter().any(|x| x == r)
    }
}

/// How a request names a user: `userId`, `username` or `email`.
#[derive(Debug, Clone)]
pub enum UserSelector {
    /// By `_id`.
    Id(String),
    /// By username (case-insensitive).
    Username(String),
    /// By email (case-insensitive).
    Email(String),
}

/// Fields of a new account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// Unique username.
    pub username: String,
    /// Email address (required for people, optional for bots).
    pub email: Option<String>,
    /// Display name (defaults to the username).
    pub name: Option<String>,
    /// Password; `None` leaves the account without one (login impossible until set).
    pub password: Option<PasswordInput>,
    /// Global roles; `None` gives `["user"]`.
    pub roles: Option<Vec<String>>,
    /// Active (default true).
    pub active: Option<bool>,
    /// Email verified.
    pub verified: bool,
    /// Ask for a new password at next login.
    pub require_password_change: bool,
    /// Custom fields (JSON object).
    pub custom_fields: Option<Value>,
}

/// Changes an administrator (or the user) makes with `users.update`.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    /// New email.
    pub email: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// New password.
    pub password: Option<PasswordInput>,
    /// New username.
    pub username: Option<String>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// Replace the global roles.
    pub roles: Option<Vec<String>>,
    /// Mark the email verified.
    pub verified: Option<bool>,
    /// Replace custom fields.
    pub custom_fields: Option<Value>,
    /// Require a password change.
    pub require_password_change: Option<bool>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Bio.
    pub bio: Option<String>,
    /// Status message.
    pub status_text: Option<String>,
}

/// Changes a user makes to their own profile (`users.updateOwnBasicInfo`).
#[derive(Debug, Clone, Default)]
pub struct OwnUpdate {
    /// New email.
    pub email: Option<String>,
    /// New display name.
    pub name: Option<String>,
    /// New username.
    pub username: Option<String>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Bio.
    pub bio: Option<String>,
    /// Status message.
    pub status_text: Option<String>,
    /// Current password (SHA-256 hex digest as Rocket.Chat's clients send it, or plain).
    pub current_password: Option<String>,
    /// New password (plain).
    pub new_password: Option<String>,
}

impl Users {
    /// Looks an account up.
    pub async fn find(&self, sel: &UserSelector) -> Result<Option<Account>> {
        let db = self.db();
        let user = match sel {
            UserSelector::Id(id) => repo::users::by_id(db, id).await?,
            UserSelector::Username(u) => repo::users::by_username(db, u).await?,
            UserSelector::Email(e) => repo::users::by_email(db, e).await?,
        };
        match user {
            Some(user) => {
                let roles = repo::users::roles_of(db, &user.id).await?;
                Ok(Some(Account { user, roles }))
            }
            None => Ok(None),
        }
    }

    /// Looks an account up or fails with `error-invalid-user`.
    pub async fn get(&self, sel: &UserSelector) -> Result<Account> {
        self.find(sel).await?.ok_or_else(Error::invalid_user)
    }

    /// A page of accounts with their roles, and the total.
    pub async fn list(&self, filter: &UserFilter, page: &Page) -> Result<(Vec<Account>, u64)> {
        let (users, total) = repo::users::list(self.db(), filter, page).await?;
        Ok((self.with_roles(users).await?, total))
    }

    /// Attaches roles to users loaded in bulk.
    pub async fn with_roles(&self, users: Vec<User>) -> Result<Vec<Account>> {
        let ids: Vec<String> = users.iter().map(|u| u.id.clone()).collect();
        let mut roles = repo::users::roles_of_many(self.db(), &ids).await?;
        Ok(users
            .into_iter()
            .map(|u| {
                let r = roles.remove(&u.id).unwrap_or_default();
                Account { user: u, roles: r }
            })
            .collect())
    }

    async fn digest_of(&self, p: &PasswordInput) -> String {
        match p {
            PasswordInput::Plain(s) => sha256_hex(s),
            PasswordInput::Digest(d) => d.to_ascii_lowercase(),
        }
    }

    async fn ensure_username_free(&self, username: &str, except: Option<&str>) -> Result<()> {
        if let Some(u) = repo::users::by_username(self.db(), username).await?
            && Some(u.id.as_str()) != except
        {
            return Err(Error::meteor(
                "error-field-unavailable",
                format!("{username} is already in use :("),
            ));
        }
        Ok(())
    }

    async fn ensure_email_free(&self, email: &str, except: Option<&str>) -> Result<()> {
        if let Some(u) = repo::users::by_email(self.db(), email).await?
            && Some(u.id.as_str()) != except
        {
            return Err(Error::meteor(
                "error-field-unavailable",
                format!("{email} is already in use :("),
            ));
        }
        Ok(())
    }

    /// Creates an account. The first account created while nobody holds `admin` becomes admin.
    pub async fn create(&self, n: NewAccount) -> Result<Account> {
        let username = n.username.trim().to_owned();
        validate::username(&username)?;
        self.ensure_username_free(&username, None).await?;
        let email = n.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            validate::email(e)?;
            self.ensure_email_free(e, None).await?;
        }
        let mut roles = n
            .roles
            .clone()
            .unwrap_or_else(|| vec![role::USER.to_owned()]);
        for r in &roles {
            if repo::roles::by_id(self.db(), r).await?.is_none() {
                return Err(Error::meteor(
                    "error-invalid-role",
                    format!("Role {r} does not exist"),
                ));
            }
        }
        if repo::users::count_in_role(self.db(), role::ADMIN).await? == 0
            && !roles.iter().any(|r| r == role::ADMIN)
        {
            roles.push(role::ADMIN.to_owned());
        }
        roles.sort();
        roles.dedup();
        let password_hash = match &n.password {
            Some(p) => Some(
                self.passwords()
                    .hash_digest(&self.digest_of(p).await)
                    .await?,
            ),
            None => None,
        };
        let now = Timestamp::now().millis();
        let user = User {
            id: UserId::generate().0,
            username_lower: username.to_lowercase(),
            name: n
                .name
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| username.clone()),
            username,
            email: email.map(str::to_owned),
            email_lower: email.map(str::to_lowercase),
            email_verified: n.verified,
            user_type: if roles.iter().any(|r| r == role::BOT) {
                "bot"
            } else {
                "user"
            }
            .to_owned(),
            active: n.active.unwrap_or(true),
            status: "offline".into(),
            status_default: "online".into(),
            status_connection: "offline".into(),
            status_text: String::new(),
            utc_offset: None,
            language: None,
            nickname: None,
            bio: None,
            custom_fields: n.custom_fields.map(|v| v.to_string()),
            preferences: "{}".into(),
            password_hash,
            require_password_change: n.require_password_change,
            avatar_etag: None,
            last_login: None,
            created_at: now,
            updated_at: now,
        };
        repo::users::insert(self.db(), user.clone(), &roles).await?;
        Ok(Account { user, roles })
    }

    /// Self-registration (`users.register`), allowed when `Accounts_RegistrationForm` is `Public`
    /// (or under `TEST_MODE`), or with the secret URL's hash.
    pub async fn register(&self, n: NewAccount, secret: Option<&str>) -> Result<Account> {
        let form = self.settings().string(setting::REGISTRATION_FORM);
        let secret_ok = form == "Secret URL"
            && secret.is_some_and(|s| {
                let expected = self
                    .settings()
                    .string("Accounts_RegistrationForm_SecretURL");
                !expected.is_empty() && crate::tokens::same(s, &expected)
            });
        if form != "Public" && !secret_ok && !self.options().test_mode {
            return Err(Error::meteor(
                "error-user-registration-disabled",
                "User registration is disabled",
            ));
        }
        if self
            .find(&UserSelector::Username(n.username.clone()))
            .await?
            .is_some()
        {
            return Err(Error::Failure("Username is already in use".into()));
        }
        if let Some(e) = n.email.as_deref()
            && repo::users::by_email(self.db(), e).await?.is_some()
        {
            return Err(Error::meteor("error-invalid-email", "Email already exists"));
        }
        self.create(NewAccount { roles: None, ..n }).await
    }

    /// Whether this account is the only one holding `admin`.
    pub async fn is_last_admin(&self, account: &Account) -> Result<bool> {
        Ok(account.has_role(role::ADMIN)
            && repo::users::count_in_role(self.db(), role::ADMIN).await? <= 1)
    }

    fn no_admin_left() -> Error {
        Error::meteor(
            "error-action-not-allowed",
            "Leaving the app without admins is not allowed",
        )
    }

    /// `users.update`: an admin edits anyone, a user edits themself within the account settings.
    pub async fn update(&self, actor: &AuthUser, user_id: &str, up: UserUpdate) -> Result<Account> {
        let mut acc = self.get(&UserSelector::Id(user_id.to_owned())).await?;
        let is_self = actor.id() == user_id;
        if !is_self {
            self.require(actor, perm::EDIT_OTHER_USER_INFO).await?;
        }
        if up.password.is_some() && !is_self {
            self.require(actor, perm::EDIT_OTHER_USER_PASSWORD).await?;
        }
        if up.active.is_some() {
            self.require(actor, perm::EDIT_OTHER_USER_ACTIVE_STATUS)
                .await?;
        }
        if up.roles.is_some() {
            self.require(actor, perm::ASSIGN_ROLES).await?;
        }
        let names_before = (acc.user.name.clone(), acc.user.username.clone());
        let roles_before = acc.roles.clone();
        let u = &mut acc.user;
        if let Some(name) = up
            .username
            .map(|s| s.trim().to_owned())
            .filter(|s| *s != u.username)
        {
            validate::username(&name)?;
            self.ensure_username_free(&name, Some(&u.id)).await?;
            u.username_lower = name.to_lowercase();
            u.username = name;
        }
        if let Some(email) = up.email.map(|s| s.trim().to_owned()) {
            if email.is_empty() {
                u.email = None;
                u.email_lower = None;
            } else if Some(email.to_lowercase()) != u.email_lower {
                validate::email(&email)?;
                self.ensure_email_free(&email, Some(&u.id)).await?;
                u.email_lower = Some(email.to_lowercase());
                u.email = Some(email);
                u.email_verified = false;
            }
        }
        if let Some(v) = up.verified {
            u.email_verified = v;
        }
        if let Some(n) = up.name {
            u.name = n;
        }
        if let Some(p) = &up.password {
            let digest = self.digest_of(p).await;
            u.password_hash = Some(self.passwords().hash_digest(&digest).await?);
        }
        if let Some(c) = up.custom_fields {
            u.custom_fields = Some(c.to_string());
        }
        if let Some(r) = up.require_password_change {
            u.require_password_change = r;
        }
        if let Some(n) = up.nickname {
            u.nickname = Some(n);
        }
        if let Some(b) = up.bio {
            u.bio = Some(b);
        }
        if let Some(s) = up.status_text {
            u.status_text = s;
        }
        let deactivating = up.active == Some(false) && u.active;
        if let Some(a) = up.active {
            u.active = a;
        }
        if deactivating && self.is_last_admin(&acc).await? {
            return Err(Self::no_admin_left());
        }
        if let Some(mut roles) = up.roles {
            roles.sort();
            roles.dedup();
            for r in &roles {
                if repo::roles::by_id(self.db(), r).await?.is_none() {
                    return Err(Error::meteor(
                        "error-invalid-role",
                        format!("Role {r} does not exist"),
                    ));
                }
            }
            if acc.has_role(role::ADMIN)
                && !roles.iter().any(|r| r == role::ADMIN)
                && self.is_last_admin(&acc).await?
            {
                return Err(Self::no_admin_left());
            }
            repo::users::set_roles(self.db(), &acc.user.id, &roles).await?;
            acc.roles = roles;
        }
        acc.user.updated_at = Timestamp::now().millis();
        acc.user = repo::users::update(self.db(), acc.user).await?;
        if deactivating {
            let removed = repo::tokens::delete_all(self.db(), user_id, None, None).await?;
            self.rest_logout_all(user_id).await?;
            self.tokens_removed(user_id, removed);
        }
        self.announce_profile(&names_before, &acc);
        for r in acc.roles.iter().filter(|r| !roles_before.contains(r)) {
            self.announce_role(user_id, r, true);
        }
        for r in roles_before.iter().filter(|r| !acc.roles.contains(r)) {
            self.announce_role(user_id, r, false);
        }
        Ok(acc)
    }

    /// Publishes `Users:NameChanged` when the name or username differs from `before`.
    pub(crate) fn announce_profile(&self, before: &(String, String), acc: &Account) {
        if before.0 != acc.user.name || before.1 != acc.user.username {
            self.publisher().publish(
                Topic::Logged,
                EventKind::UserRenamed {
                    user_id: acc.user.id.clone(),
                },
            );
        }
    }

    /// Publishes a global role change (`roles-change`).
    pub(crate) fn announce_role(&self, user_id: &str, role_id: &str, added: bool) {
        self.publisher().publish(
            Topic::Logged,
            EventKind::RoleChanged {
                user_id: user_id.to_owned(),
                role: role_id.to_owned(),
                scope: None,
                added,
            },
        );
    }

    /// `users.updateOwnBasicInfo`: profile changes by the user, within the `Accounts_Allow*` settings.
    pub async fn update_own(&self, actor: &AuthUser, up: OwnUpdate) -> Result<Account> {
        let s = self.settings();
        let not_allowed = |what: &str| {
            Error::meteor("error-action-not-allowed", format!("{what} is not allowed"))
        };
        if !s.bool(setting::ALLOW_PROFILE_CHANGE) {
            return Err(not_allowed("Edit user profile"));
        }
        let mut acc = self.get(&UserSelector::Id(actor.id().to_owned())).await?;
        let changes_secret = up.new_password.is_some()
            || up
                .email
                .as_ref()
                .is_some_and(|e| Some(e.trim().to_lowercase()) != acc.user.email_lower);
        if changes_secret && acc.user.password_hash.is_some() {
            // Rocket.Chat's clients send the current password as its SHA-256 digest.
            let current = up
                .current_password
                .as_deref()
                .ok_or_else(|| Error::meteor("error-invalid-password", "Invalid password"))?;
            if !self.check_current_password(&acc.user, current).await? {
                return Err(Error::meteor("error-invalid-password", "Invalid password"));
            }
        }
        let names_before = (acc.user.name.clone(), acc.user.username.clone());
        let u = &mut acc.user;
        if let Some(name) = up
            .username
            .map(|x| x.trim().to_owned())
            .filter(|x| *x != u.username)
        {
            if !s.bool(setting::ALLOW_USERNAME_CHANGE) {
                return Err(not_allowed("Changing username"));
            }
            validate::username(&name)?;
            self.ensure_username_free(&name, Some(&u.id)).await?;
            u.username_lower = name.to_lowercase();
            u.username = name;
        }
        if let Some(email) = up.email.map(|x| x.trim().to_owned())
            && Some(email.to_lowercase()) != u.email_lower
        {
            if !s.bool(setting::ALLOW_EMAIL_CHANGE) {
                return Err(not_allowed("Changing email"));
            }
            validate::email(&email)?;
            self.ensure_email_free(&email, Some(&u.id)).await?;
            u.email_lower = Some(email.to_lowercase());
            u.email = Some(email);
            u.email_verified = false;
        }
        if let Some(n) = up.name {
            if !s.bool(setting::ALLOW_REAL_NAME_CHANGE) && n != u.name {
                return Err(not_allowed("Editing user's real name"));
            }
            u.name = n;
        }
        if let Some(n) = up.nickname {
            u.nickname = Some(n);
        }
        if let Some(b) = up.bio {
            u.bio = Some(b);
        }
        if let Some(t) = up.status_text {
            if !s.bool(setting::ALLOW_STATUS_MESSAGE_CHANGE) {
                return Err(not_allowed("Changing status message"));
            }
            u.status_text = t;
        }
        if let Some(p) = up.new_password {
            if !s.bool(setting::ALLOW_PASSWORD_CHANGE) {
                return Err(not_allowed("Changing password"));
            }
            if p.is_empty() {
                return Err(Error::meteor(
                    "error-password-policy-not-met",
                    "Password must not be empty",
                ));
            }
            u.password_hash = Some(self.passwords().hash_digest(&sha256_hex(&p)).await?);
            u.require_password_change = false;
        }
        acc.user.updated_at = Timestamp::now().millis();
        acc.user = repo::users::update(self.db(), acc.user).await?;
        self.announce_profile(&names_before, &acc);
        Ok(acc)
    }

    async fn check_current_password(&self, user: &User, given: &str) -> Result<bool> {
        let Some(stored) = &user.password_hash else {
            return Ok(false);
        };
        if is_digest(given) && self.passwords().verify_digest(given, stored).await? {
            return Ok(true);
        }
        self.passwords()
            .verify_digest(&sha256_hex(given), stored)
            .await
    }

    /// `users.delete`: removes an account (and its tokens); never the last admin.
    pub async fn delete(&self, actor: &AuthUser, user_id: &str) -> Result<()> {
        self.require(actor, perm::DELETE_USER).await?;
        let acc = self.get(&UserSelector::Id(user_id.to_owned())).await?;
        if self.is_last_admin(&acc).await? {
            return Err(Self::no_admin_left());
        }
        repo::users::delete(self.db(), user_id).await?;
        self.publisher().publish(
            Topic::Logged,
            EventKind::UserDeleted {
                user_id: user_id.to_owned(),
                username: acc.user.username.clone(),
            },
        );
        Ok(())
    }

    /// `users.setActiveStatus`.
    pub async fn set_active(
        &self,
        actor: &AuthUser,
        user_id: &str,
        active: bool,
    ) -> Result<Account> {
        self.require(actor, perm::EDIT_OTHER_USER_ACTIVE_STATUS)
            .await?;
        let mut acc = self.get(&UserSelector::Id(user_id.to_owned())).await?;
        if !active && acc.user.active && self.is_last_admin(&acc).await? {
            return Err(Self::no_admin_left());
        }
        if acc.user.active != active {
            acc.user.active = active;
            acc.user.updated_at = Timestamp::now().millis();
            acc.user = repo::users::update(self.db(), acc.user).await?;
            if !active {
                // A deactivated user is logged out everywhere, as in Rocket.Chat.
                let removed = repo::tokens::delete_all(self.db(), user_id, None, None).await?;
                self.rest_logout_all(user_id).await?;
                self.tokens_removed(user_id, removed);
            }
        }
        Ok(acc)
    }

    /// `users.setStatus`: the chosen status (kept as the default across connections) and message.
    pub async fn set_status(
        &self,
        actor: &AuthUser,
        target: Option<&str>,
        status: Option<&str>,
        message: Option<&str>,
    ) -> Result<Account> {
        let id = target.unwrap_or(actor.id());
        if id != actor.id() {
            self.require(actor, perm::EDIT_OTHER_USER_INFO).await?;
        }
        if let Some(s) = status {
            validate::status(s)?;
        }
        if message.is_some() && !self.settings().bool(setting::ALLOW_STATUS_MESSAGE_CHANGE) {
            return Err(Error::meteor(
                "error-not-allowed",
                "Change status is not allowed",
            ));
        }
        // Under the user's presence lock: a session opening meanwhile cannot interleave its write.
        let lock = self.presence_lock(id);
        let guard = lock.lock().await;
        let mut acc = self.get(&UserSelector::Id(id.to_owned())).await?;
        let before = (acc.user.status.clone(), acc.user.status_text.clone());
        if let Some(s) = status {
            acc.user.status_default = s.to_owned();
            let connection = self
                .local_connection_status(id)
                .map_or_else(|| acc.user.status_connection.clone(), str::to_owned);
            acc.user.status = effective_status(s, &connection).to_owned();
            acc.user.status_connection = connection;
        }
        if let Some(m) = message {
            acc.user.status_text = m.chars().take(120).collect();
        }
        acc.user.updated_at = Timestamp::now().millis();
        let saved = repo::users::update(self.db(), acc.user).await;
        drop(guard);
        self.forget_idle(id);
        acc.user = saved?;
        if before != (acc.user.status.clone(), acc.user.status_text.clone()) {
            self.publisher().publish(
                Topic::Logged,
                EventKind::PresenceChanged {
                    user_id: id.to_owned(),
                },
            );
        }
        Ok(acc)
    }

    /// The stored preferences object of a user.
    pub fn preferences(user: &User) -> Map<String, Value> {
        serde_json::from_str(&user.preferences).unwrap_or_default()
    }

    /// `users.setPreferences`: merges keys into the user's preferences.
    pub async fn set_preferences(
        &self,
        actor: &AuthUser,
        target: Option<&str>,
        data: Map<String, Value>,
    ) -> Result<Account> {
        let id = target.unwrap_or(actor.id());
        if id != actor.id() {
            self.require(actor, perm::EDIT_OTHER_USER_INFO).await?;
        }
        let mut acc = self.get(&UserSelector::Id(id.to_owned())).await?;
        let mut prefs = Self::preferences(&acc.user);
        for (k, v) in data {
            if k == "language" {
                acc.user.language = v.as_str().map(str::to_owned);
            }
            prefs.insert(k, v);
        }
        acc.user.preferences = Value::Object(prefs).to_string();
        acc.user.updated_at = Timestamp::now().millis();
        acc.user = repo::users::update(self.db(), acc.user).await?;
        Ok(acc)
    }

    /// Sets a password without checks (operator CLI `apogee user passwd`).
    pub async fn set_password(&self, user_id: &str, plain: &str) -> Result<()> {
        let mut acc = self.get(&UserSelector::Id(user_id.to_owned())).await?;
        acc.user.password_hash = Some(self.passwords().hash_digest(&sha256_hex(plain)).await?);
        acc.user.updated_at = Timestamp::now().millis();
        repo::users::update(self.db(), acc.user).await?;
        Ok(())
    }
}
