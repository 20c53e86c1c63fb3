//! What a fresh database gets, and what every start re-applies: built-in roles, default
//! permissions, `uniqueID`, the `GENERAL` channel, forced settings and the first admin.

use crate::Users;
use crate::accounts::{NewAccount, UserSelector};
use crate::auth::PasswordInput;
use apogee_core::names::{BUILTIN_ROLES, DEFAULT_PERMISSIONS, role, setting};
use apogee_core::{Result, Timestamp, random_id, random_secret};
use apogee_storage::repo;
use apogee_storage::{Role, Room};
use serde_json::Value;

/// Who the first admin is (from `ADMIN_USERNAME`/`ADMIN_PASS`/`ADMIN_EMAIL`, else generated).
#[derive(Debug, Clone, Default)]
pub struct AdminSeed {
    /// Username (default `admin`).
    pub username: Option<String>,
    /// Password (default: random, printed once).
    pub password: Option<String>,
    /// Email (none when not given).
    pub email: Option<String>,
}

/// What seeding did, for the start-up log.
#[derive(Debug, Clone, Default)]
pub struct SeedOutcome {
    /// An admin was created: `(username, password if generated)`.
    pub admin_created: Option<(String, Option<String>)>,
}

impl Users {
    /// Seeds a fresh database and re-applies forced settings; safe to run at every start.
    pub async fn seed(
        &self,
        admin: &AdminSeed,
        forced_settings: &[(String, String)],
    ) -> Result<SeedOutcome> {
        self.seed_catalog(forced_settings).await?;
        self.seed_admin(admin).await
    }

    /// The part of seeding that creates no account: roles, permissions, `uniqueID`, forced
    /// settings and `GENERAL` (what operator commands need before touching accounts).
    pub async fn seed_catalog(&self, forced_settings: &[(String, String)]) -> Result<()> {
        let db = self.db();
        let now = Timestamp::now().millis();
        // One read each, so that a start on an existing database costs two queries, not a hundred.
        let have_roles: Vec<String> = repo::roles::all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let have_perms: Vec<String> = repo::roles::permissions(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        for r in BUILTIN_ROLES
            .iter()
            .filter(|r| !have_roles.iter().any(|h| h == r.id))
        {
            repo::roles::insert_if_missing(
                db,
                Role {
                    id: r.id.into(),
                    name: r.id.into(),
                    description: r.description.into(),
                    protected: true,
                    scope: r.scope.into(),
                    mandatory_2fa: false,
                    updated_at: now,
                },
            )
            .await?;
        }
        for (id, roles) in DEFAULT_PERMISSIONS
            .iter()
            .filter(|(id, _)| !have_perms.iter().any(|h| h == id))
        {
            let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
            repo::roles::seed_permission(db, id, &roles, now).await?;
        }
        if self.settings().string(setting::UNIQUE_ID).is_empty() {
            self.settings()
                .set(setting::UNIQUE_ID, Value::String(random_id()))
                .await?;
        }
        for (id, raw) in forced_settings {
            if !self.settings().exists(id) {
                tracing::warn!(setting = %id, "OVERWRITE_SETTING names an unknown setting; ignored");
                continue;
            }
            // Environment values are strings; JSON-looking ones (numbers, arrays) are parsed.
            let v =
                serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.clone()));
            let v = match v {
                Value::Bool(_) | Value::Number(_) => Value::String(raw.clone()),
                other => other,
            };
            if self.settings().get(id) != self.settings().coerce(id, v.clone())? {
                self.settings().set(id, v).await?;
            }
        }
        repo::rooms::insert_if_missing(
            db,
            Room {
                id: "GENERAL".into(),
                t: "c".into(),
                name: Some("general".into()),
                fname: Some("general".into()),
                creator_id: None,
                topic: None,
                description: None,
                announcement: None,
                read_only: false,
                is_default: true,
                featured: false,
                archived: false,
                msgs: 0,
                users_count: 0,
                last_message_at: None,
                custom_fields: None,
                created_at: now,
                updated_at: now,
                creator_username: None,
                sys_mes: true,
                broadcast: false,
                encrypted: false,
                react_when_read_only: false,
                join_code_hash: None,
                muted: "[]".into(),
                unmuted: "[]".into(),
                group_mentions: 0,
                last_message: None,
                seq: 0,
                uids: None,
                usernames: None,
                prid: None,
                team_id: None,
                avatar_etag: None,
                mver: 0,
            },
        )
        .await?;
        Ok(())
    }

    /// Creates the first admin unless somebody holds `admin`.
    pub async fn seed_admin(&self, admin: &AdminSeed) -> Result<SeedOutcome> {
        let db = self.db();
        let mut outcome = SeedOutcome::default();
        if repo::users::count_in_role(db, role::ADMIN).await? == 0 {
            let username = admin.username.clone().unwrap_or_else(|| "admin".into());
            match self.find(&UserSelector::Username(username.clone())).await? {
                Some(existing) => {
                    // The named admin exists but lost the role: give it back rather than fail.
                    repo::users::add_role(db, &existing.user.id, role::ADMIN).await?;
                    if let Some(p) = &admin.password {
                        self.set_password(&existing.user.id, p).await?;
                    }
                    outcome.admin_created = Some((username, None));
                }
                None => {
                    let generated = admin
                        .password
                        .is_none()
                        .then(|| random_secret()[..20].to_owned());
                    let password = admin
                        .password
                        .clone()
                        .or_else(|| generated.clone())
                        .unwrap_or_default();
                    self.create(NewAccount {
                        username: username.clone(),
                        email: admin.email.clone(),
                        name: Some("Administrator".into()),
                        password: Some(PasswordInput::Plain(password)),
                        roles: Some(vec![role::ADMIN.into(), role::USER.into()]),
                        verified: true,
                        ..NewAccount::default()
                    })
                    .await?;
                    outcome.admin_created = Some((username, generated));
                }
            }
        }
        Ok(outcome)
    }
}
