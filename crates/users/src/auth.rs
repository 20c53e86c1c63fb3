//! Logging in and out: password and resume logins, token authentication, personal access tokens and
//! `users.createToken`.

use crate::Users;
use crate::accounts::{Account, UserSelector};
use crate::password::sha256_hex;
use crate::throttle::{Blocked, Limits};
use crate::tokens::{hash_token, same};
use apogee_core::names::{perm, setting};
use apogee_core::{Error, EventKind, Result, Timestamp, Topic, random_secret};
use apogee_storage::LoginToken;
use apogee_storage::repo::{
    self,
    tokens::{KIND_LOGIN, KIND_PAT},
};
use std::sync::Arc;
use std::time::Duration;

/// A password as a client sends it.
#[derive(Debug, Clone)]
pub enum PasswordInput {
    /// Plain text (REST logins, the asteroid DDP client).
    Plain(String),
    /// `{digest, algorithm: "sha-256"}`: the lowercase hex SHA-256 of the password.
    Digest(String),
}

/// A login attempt.
#[derive(Debug, Clone)]
pub enum LoginRequest {
    /// Username/email and password.
    Password {
        /// Who logs in.
        user: UserSelector,
        /// Their password.
        password: PasswordInput,
    },
    /// An existing token (`{"resume": token}`).
    Resume(String),
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginResult {
    /// Who logged in.
    pub account: Account,
    /// The token to send as `X-Auth-Token` (shown once; stored only as a hash).
    pub token: String,
    /// When the token expires.
    pub expires: Timestamp,
    /// `password` or `resume`.
    pub kind: &'static str,
}

/// The caller of an authenticated request.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// Their account.
    pub account: Account,
    /// The hash of the token they presented (so `logout` removes exactly that one).
    pub token_hash: String,
}

impl AuthUser {
    /// The caller's user id.
    pub fn id(&self) -> &str {
        &self.account.user.id
    }
}

fn unauthorized() -> Error {
    Error::LoginFailed {
        code: "unauthorized".into(),
        message: "Unauthorized".into(),
    }
}

impl Users {
    fn login_limits(&self) -> Option<Limits> {
        let s = self.settings();
        if self.options().test_mode || !s.bool(setting::BLOCK_FAILED_LOGINS) {
            return None;
        }
        let n = |id| u32::try_from(s.int(id).max(0)).unwrap_or(u32::MAX);
        let mins = |id| Duration::from_secs(u64::try_from(s.int(id).max(0)).unwrap_or(0) * 60);
        Some(Limits {
            per_user: if s.bool(setting::BLOCK_BY_USER) {
                n(setting::BLOCK_USER_ATTEMPTS)
            } else {
                0
            },
            per_ip: if s.bool(setting::BLOCK_BY_IP) {
                n(setting::BLOCK_IP_ATTEMPTS)
            } else {
                0
            },
            user_block: mins(setting::BLOCK_USER_MINUTES),
            ip_block: mins(setting::BLOCK_IP_MINUTES),
        })
    }

    /// Logs in; `ip` is the client address for brute-force blocking.
    pub async fn login(&self, req: LoginRequest, ip: &str) -> Result<LoginResult> {
        match req {
            LoginRequest::Resume(token) => self.resume(&token).await,
            LoginRequest::Password { user, password } => {
                self.password_login(user, password, ip).await
            }
        }
    }

    async fn password_login(
        &self,
        sel: UserSelector,
        pw: PasswordInput,
        ip: &str,
    ) -> Result<LoginResult> {
        let key = match &sel {
            UserSelector::Id(s) | UserSelector::Username(s) | UserSelector::Email(s) => s.clone(),
        };
        let limits = self.login_limits();
        if limits.is_some() {
            match self.inner.throttle.check(&key, ip) {
                Some(Blocked::User) => {
                    return Err(Error::LoginFailed {
                        code: "error-login-blocked-for-user".into(),
                        message: "Login has been temporarily blocked for this user".into(),
                    });
                }
                Some(Blocked::Ip) => {
                    return Err(Error::LoginFailed {
                        code: "error-login-blocked-for-ip".into(),
                        message: "Login has been temporarily blocked for this IP".into(),
                    });
                }
                None => {}
            }
        }
        let digest = match &pw {
            PasswordInput::Plain(p) => sha256_hex(p),
            PasswordInput::Digest(d) => d.to_ascii_lowercase(),
        };
        let account = self.find(&sel).await?;
        let ok = match account
            .as_ref()
            .and_then(|a| a.user.password_hash.clone().map(|h| (a, h)))
        {
            Some((_, hash)) => self.passwords().verify_digest(&digest, &hash).await?,
            None => {
                self.passwords().burn().await;
                false
            }
        };
        let account = match (ok, account) {
            (true, Some(a)) => a,
            _ => {
                if let Some(l) = limits {
                    self.inner.throttle.failure(&key, ip, l);
                }
                return Err(unauthorized());
            }
        };
        if !account.user.active {
            return Err(Error::LoginFailed {
                code: "error-user-is-not-activated".into(),
                message: "User is not activated".into(),
            });
        }
        self.inner.throttle.success(&key, ip);
        self.issue_login_token(account, "password").await
    }

    async fn issue_login_token(
        &self,
        mut account: Account,
        kind: &'static str,
    ) -> Result<LoginResult> {
        let token = random_secret();
        let now = Timestamp::now();
        let days = self.settings().int(setting::LOGIN_EXPIRATION).max(1);
        let expires = now.plus_millis(days * 86_400_000);
        repo::tokens::insert(
            self.db(),
            LoginToken {
                hashed_token: hash_token(&token),
                user_id: account.user.id.clone(),
                kind: KIND_LOGIN.into(),
                name: None,
                last_token_part: None,
                bypass_two_factor: false,
                created_at: now.millis(),
                expires_at: Some(expires.millis()),
            },
        )
        .await?;
        account.user.last_login = Some(now.millis());
        account.user.updated_at = now.millis();
        account.user = repo::users::update(self.db(), account.user).await?;
        Ok(LoginResult {
            account,
            token,
            expires,
            kind,
        })
    }

    async fn resume(&self, token: &str) -> Result<LoginResult> {
        let hashed = hash_token(token);
        let row = repo::tokens::by_hash(self.db(), &hashed)
            .await?
            .ok_or_else(unauthorized)?;
        let now = Timestamp::now();
        if row.expires_at.is_some_and(|e| e <= now.millis()) {
            return Err(unauthorized());
        }
        let account = self
            .find(&UserSelector::Id(row.user_id.clone()))
            .await?
            .ok_or_else(unauthorized)?;
        if !account.user.active {
            return Err(unauthorized());
        }
        let expires = Timestamp(row.expires_at.unwrap_or(i64::MAX));
        Ok(LoginResult {
            account,
            token: token.to_owned(),
            expires,
            kind: "resume",
        })
    }

    /// Authenticates `X-User-Id` + `X-Auth-Token`; any failure is `Unauthorized`.
    pub async fn authenticate(&self, user_id: &str, token: &str) -> Result<Arc<AuthUser>> {
        if user_id.is_empty() || token.is_empty() {
            return Err(Error::Unauthorized);
        }
        let hashed = hash_token(token);
        // Taken before reading, so a write that lands during the read invalidates what we cache.
        let generation = self.db().accounts_generation();
        if let Some(auth) = self.inner.auth_cache.get(&hashed, generation)
            && same(auth.id(), user_id)
        {
            return Ok(auth);
        }
        let row = repo::tokens::by_hash(self.db(), &hashed)
            .await?
            .ok_or(Error::Unauthorized)?;
        if !same(&row.user_id, user_id) || !same(&row.hashed_token, &hashed) {
            return Err(Error::Unauthorized);
        }
        if row
            .expires_at
            .is_some_and(|e| e <= Timestamp::now().millis())
        {
            return Err(Error::Unauthorized);
        }
        let account = self
            .find(&UserSelector::Id(row.user_id))
            .await?
            .ok_or(Error::Unauthorized)?;
        if !account.user.active {
            return Err(Error::Unauthorized);
        }
        let auth = Arc::new(AuthUser {
            account,
            token_hash: hashed,
        });
        self.inner.auth_cache.put(&auth, generation);
        Ok(auth)
    }

    /// Removes the token the caller presented.
    pub async fn logout(&self, auth: &AuthUser) -> Result<()> {
        if repo::tokens::delete(self.db(), &auth.token_hash).await? {
            self.tokens_removed(auth.id(), vec![auth.token_hash.clone()]);
        }
        self.rest_logout(auth).await
    }

    /// Announces deleted tokens of a user: `<uid>/force_logout`, and every realtime connection
    /// that logged in with one of them is closed (by each instance's realtime feed).
    pub(crate) fn tokens_removed(&self, user_id: &str, token_hashes: Vec<String>) {
        if token_hashes.is_empty() {
            return;
        }
        self.publisher().publish(
            Topic::User(user_id.to_owned()),
            EventKind::LoginTokensRemoved {
                user_id: user_id.to_owned(),
                token_hashes,
            },
        );
    }

    /// `users.removeOtherTokens` / `removeOtherTokens`: deletes every login token of the caller
    /// but the one in use (personal access tokens stay, as with Rocket.Chat's
    /// `removeNonPATLoginTokensExcept`); connections that used them are closed.
    pub async fn remove_other_tokens(&self, actor: &AuthUser) -> Result<()> {
        let removed = repo::tokens::delete_all(
            self.db(),
            actor.id(),
            Some(KIND_LOGIN),
            Some(&actor.token_hash),
        )
        .await?;
        for hash in &removed {
            self.rest_logout_token(actor.id(), hash).await?;
        }
        self.tokens_removed(actor.id(), removed);
        Ok(())
    }

    /// `users.logout`: removes every login token of a user (another user needs `edit-other-user-info`).
    pub async fn logout_everywhere(
        &self,
        actor: &AuthUser,
        user_id: Option<&str>,
    ) -> Result<String> {
        let id = user_id.unwrap_or(actor.id()).to_owned();
        if id != actor.id() {
            self.require(actor, perm::EDIT_OTHER_USER_INFO).await?;
        }
        self.get(&UserSelector::Id(id.clone())).await?;
        let removed = repo::tokens::delete_all(self.db(), &id, Some(KIND_LOGIN), None).await?;
        self.rest_logout_all(&id).await?;
        self.tokens_removed(&id, removed);
        Ok(id)
    }

    /// `users.generatePersonalAccessToken`: a named, non-expiring token.
    pub async fn generate_pat(
        &self,
        actor: &AuthUser,
        name: &str,
        bypass_2fa: bool,
    ) -> Result<String> {
        self.require(actor, perm::CREATE_PERSONAL_ACCESS_TOKENS)
            .await?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::missing_param("tokenName"));
        }
        let existing = repo::tokens::personal(self.db(), actor.id()).await?;
        if existing.iter().any(|t| t.name.as_deref() == Some(name)) {
            return Err(Error::meteor(
                "error-token-already-exists",
                "A token with this name already exists",
            ));
        }
        self.insert_pat(actor.id(), name, bypass_2fa).await
    }

    async fn insert_pat(&self, user_id: &str, name: &str, bypass_2fa: bool) -> Result<String> {
        let token = random_secret();
        let last: String = token
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        repo::tokens::insert(
            self.db(),
            LoginToken {
                hashed_token: hash_token(&token),
                user_id: user_id.to_owned(),
                kind: KIND_PAT.into(),
                name: Some(name.to_owned()),
                last_token_part: Some(last),
                bypass_two_factor: bypass_2fa,
                created_at: Timestamp::now().millis(),
                expires_at: None,
            },
        )
        .await?;
        Ok(token)
    }

    /// `users.regeneratePersonalAccessToken`: replaces a named token.
    pub async fn regenerate_pat(&self, actor: &AuthUser, name: &str) -> Result<String> {
        self.require(actor, perm::CREATE_PERSONAL_ACCESS_TOKENS)
            .await?;
        let existing = repo::tokens::personal(self.db(), actor.id()).await?;
        let old = existing
            .into_iter()
            .find(|t| t.name.as_deref() == Some(name))
            .ok_or_else(|| Error::meteor("error-token-does-not-exists", "Token does not exist"))?;
        if repo::tokens::delete(self.db(), &old.hashed_token).await? {
            self.tokens_removed(actor.id(), vec![old.hashed_token.clone()]);
        }
        self.insert_pat(actor.id(), name, old.bypass_two_factor)
            .await
    }

    /// `users.removePersonalAccessToken`.
    pub async fn remove_pat(&self, actor: &AuthUser, name: &str) -> Result<()> {
        self.require(actor, perm::CREATE_PERSONAL_ACCESS_TOKENS)
            .await?;
        let removed = repo::tokens::delete_personal(self.db(), actor.id(), name).await?;
        if removed.is_empty() {
            return Err(Error::meteor(
                "error-token-does-not-exists",
                "Token does not exist",
            ));
        }
        self.tokens_removed(actor.id(), removed);
        Ok(())
    }

    /// `users.getPersonalAccessTokens`.
    pub async fn list_pats(&self, actor: &AuthUser) -> Result<Vec<LoginToken>> {
        self.require(actor, perm::CREATE_PERSONAL_ACCESS_TOKENS)
            .await?;
        repo::tokens::personal(self.db(), actor.id()).await
    }

    /// `users.createToken`: a login token for another user, only when the operator enabled it with
    /// `CREATE_TOKENS_FOR_USERS=true` and the caller presents `CREATE_TOKENS_FOR_USERS_SECRET`.
    pub async fn create_token_for(
        &self,
        actor: &AuthUser,
        target: &UserSelector,
        secret: Option<&str>,
    ) -> Result<LoginResult> {
        let denied = || Error::meteor("error-not-authorized", "Not authorized");
        if !self.options().create_tokens_for_users {
            return Err(denied());
        }
        self.require(actor, perm::USER_GENERATE_ACCESS_TOKEN)
            .await?;
        if let Some(expected) = self
            .options()
            .create_tokens_secret
            .as_deref()
            .filter(|s| !s.is_empty())
            && !secret.is_some_and(|s| same(s, expected))
        {
            return Err(denied());
        }
        let account = self.get(target).await?;
        self.issue_login_token(account, "password").await
    }
}
