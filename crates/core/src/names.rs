//! Names shared across the domain: Rocket.Chat's built-in roles, default permissions and the
//! settings registry (ids, defaults, visibility). Seeded into a fresh database and used in checks.

use serde_json::{Value, json};

/// A built-in role: id (= name), description, scope (`Users` or `Subscriptions`).
#[derive(Debug, Clone, Copy)]
pub struct BuiltinRole {
    /// `_id` and `name`.
    pub id: &'static str,
    /// Shown in the admin UI.
    pub description: &'static str,
    /// `Users` (global) or `Subscriptions` (per room).
    pub scope: &'static str,
}

/// Rocket.Chat's built-in roles; all are `protected`.
pub const BUILTIN_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        id: "admin",
        description: "Admin",
        scope: "Users",
    },
    BuiltinRole {
        id: "moderator",
        description: "Moderator",
        scope: "Subscriptions",
    },
    BuiltinRole {
        id: "leader",
        description: "Leader",
        scope: "Subscriptions",
    },
    BuiltinRole {
        id: "owner",
        description: "Owner",
        scope: "Subscriptions",
    },
    BuiltinRole {
        id: "user",
        description: "",
        scope: "Users",
    },
    BuiltinRole {
        id: "bot",
        description: "",
        scope: "Users",
    },
    BuiltinRole {
        id: "app",
        description: "",
        scope: "Users",
    },
    BuiltinRole {
        id: "guest",
        description: "",
        scope: "Users",
    },
    BuiltinRole {
        id: "anonymous",
        description: "",
        scope: "Users",
    },
    BuiltinRole {
        id: "livechat-agent",
        description: "Livechat Agent",
        scope: "Users",
    },
    BuiltinRole {
        id: "livechat-manager",
        description: "Livechat Manager",
        scope: "Users",
    },
    BuiltinRole {
        id: "livechat-monitor",
        description: "Livechat Monitor",
        scope: "Users",
    },
];

/// Role names used in code.
pub mod role {
    /// Global administrator.
    pub const ADMIN: &str = "admin";
    /// Every ordinary account.
    pub const USER: &str = "user";
    /// Bot accounts.
    pub const BOT: &str = "bot";
    /// Room owner (subscription scope).
    pub const OWNER: &str = "owner";
    /// Room moderator (subscription scope).
    pub const MODERATOR: &str = "moderator";
    /// Room leader (subscription scope).
    pub const LEADER: &str = "leader";
}

/// Permission names used in code (Rocket.Chat's ids).
pub mod perm {
    /// Create users (`users.create`).
    pub const CREATE_USER: &str = "create-user";
    /// Delete users.
    pub const DELETE_USER: &str = "delete-user";
    /// Edit other users' profile data.
    pub const EDIT_OTHER_USER_INFO: &str = "edit-other-user-info";
    /// Set or reset other users' avatars.
    pub const EDIT_OTHER_USER_AVATAR: &str = "edit-other-user-avatar";
    /// Change other users' passwords.
    pub const EDIT_OTHER_USER_PASSWORD: &str = "edit-other-user-password";
    /// Activate or deactivate other users.
    pub const EDIT_OTHER_USER_ACTIVE_STATUS: &str = "edit-other-user-active-status";
    /// Assign roles to users.
    pub const ASSIGN_ROLES: &str = "assign-roles";
    /// Grant the admin role.
    pub const ASSIGN_ADMIN_ROLE: &str = "assign-admin-role";
    /// Manage the permission table and roles.
    pub const ACCESS_PERMISSIONS: &str = "access-permissions";
    /// See all of other users' fields (emails, ...).
    pub const VIEW_FULL_OTHER_USER_INFO: &str = "view-full-other-user-info";
    /// List users in the admin area.
    pub const VIEW_USER_ADMINISTRATION: &str = "view-user-administration";
    /// Read server statistics.
    pub const VIEW_STATISTICS: &str = "view-statistics";
    /// Read non-public settings.
    pub const VIEW_PRIVILEGED_SETTING: &str = "view-privileged-setting";
    /// Change settings.
    pub const EDIT_PRIVILEGED_SETTING: &str = "edit-privileged-setting";
    /// Create personal access tokens.
    pub const CREATE_PERSONAL_ACCESS_TOKENS: &str = "create-personal-access-tokens";
    /// Create login tokens for other users (`users.createToken`).
    pub const USER_GENERATE_ACCESS_TOKEN: &str = "user-generate-access-token";
    /// Skip the REST rate limiter.
    pub const API_BYPASS_RATE_LIMIT: &str = "api-bypass-rate-limit";
    /// See rooms one is not a member of in spotlight/directory.
    pub const VIEW_OUTSIDE_ROOM: &str = "view-outside-room";
    /// See other users' presence details.
    pub const VIEW_D_ROOM: &str = "view-d-room";
}

/// Rocket.Chat's default permission table: permission id → roles that hold it.
pub const DEFAULT_PERMISSIONS: &[(&str, &[&str])] = &[
    ("access-permissions", &["admin"]),
    ("access-setting-permissions", &["admin"]),
    ("access-mailer", &["admin"]),
    ("add-oauth-service", &["admin"]),
    ("add-all-to-room", &["admin"]),
    ("add-user-to-joined-room", &["admin", "owner", "moderator"]),
    ("add-user-to-any-c-room", &["admin"]),
    ("add-user-to-any-p-room", &[]),
    ("api-bypass-rate-limit", &["admin", "bot", "app"]),
    ("archive-room", &["admin", "owner"]),
    ("assign-admin-role", &["admin"]),
    ("assign-roles", &["admin"]),
    ("ban-user", &["admin", "owner", "moderator"]),
    ("bulk-register-user", &["admin"]),
    ("call-management", &["admin", "owner", "moderator"]),
    ("clean-channel-history", &["admin"]),
    ("create-c", &["admin", "user", "bot", "app"]),
    ("create-d", &["admin", "user", "bot", "app"]),
    ("create-p", &["admin", "user", "bot", "app"]),
    ("create-invite-links", &["admin", "owner", "moderator"]),
    ("create-personal-access-tokens", &["admin", "user"]),
    ("create-team", &["admin", "user"]),
    ("create-user", &["admin"]),
    ("delete-c", &["admin", "owner"]),
    ("delete-d", &["admin"]),
    ("delete-message", &["admin", "owner", "moderator"]),
    ("delete-own-message", &["admin", "user"]),
    ("delete-p", &["admin", "owner"]),
    ("delete-user", &["admin"]),
    ("edit-message", &["admin", "owner", "moderator"]),
    ("edit-other-user-active-status", &["admin"]),
    ("edit-other-user-avatar", &["admin"]),
    ("edit-other-user-e2ee", &["admin"]),
    ("edit-other-user-info", &["admin"]),
    ("edit-other-user-password", &["admin"]),
    ("edit-other-user-totp", &["admin"]),
    ("edit-privileged-setting", &["admin"]),
    ("edit-room", &["admin", "owner", "moderator"]),
    ("edit-room-avatar", &["admin", "owner", "moderator"]),
    ("edit-room-retention-policy", &["admin"]),
    ("force-delete-message", &["admin", "owner"]),
    ("join-without-join-code", &["admin", "bot", "app"]),
    ("leave-c", &["admin", "user", "bot", "anonymous", "app"]),
    ("leave-p", &["admin", "user", "bot", "anonymous", "app"]),
    ("manage-assets", &["admin"]),
    ("manage-emoji", &["admin"]),
    ("manage-incoming-integrations", &["admin"]),
    ("manage-outgoing-integrations", &["admin"]),
    ("manage-own-incoming-integrations", &["admin"]),
    ("manage-own-outgoing-integrations", &["admin"]),
    ("manage-oauth-apps", &["admin"]),
    ("manage-sounds", &["admin"]),
    ("manage-user-status", &["admin"]),
    ("mention-all", &["admin", "owner", "moderator", "user"]),
    ("mention-here", &["admin", "owner", "moderator", "user"]),
    ("message-impersonate", &["bot", "app"]),
    ("mute-user", &["admin", "owner", "moderator"]),
    ("pin-message", &["owner", "moderator", "admin"]),
    ("post-readonly", &["admin", "owner", "moderator"]),
    ("preview-c-room", &["admin", "user", "anonymous"]),
    ("remove-user", &["admin", "owner", "moderator"]),
    ("run-import", &["admin"]),
    ("run-migration", &["admin"]),
    ("send-many-messages", &["admin", "bot", "app"]),
    ("set-leader", &["admin", "owner"]),
    ("set-moderator", &["admin", "owner"]),
    ("set-owner", &["admin", "owner"]),
    ("set-react-when-readonly", &["admin", "owner"]),
    ("set-readonly", &["admin", "owner"]),
    ("start-discussion", &["admin", "user", "guest", "app"]),
    (
        "start-discussion-other-user",
        &["admin", "user", "owner", "app"],
    ),
    ("toggle-room-e2e-encryption", &["owner", "admin"]),
    ("unarchive-room", &["admin"]),
    ("user-generate-access-token", &["admin"]),
    (
        "view-broadcast-member-list",
        &["admin", "owner", "moderator"],
    ),
    ("view-c-room", &["admin", "user", "bot", "app", "anonymous"]),
    ("view-d-room", &["admin", "user", "bot", "app", "guest"]),
    ("view-full-other-user-info", &["admin"]),
    ("view-history", &["admin", "user", "anonymous"]),
    ("view-joined-room", &["guest", "bot", "app", "anonymous"]),
    ("view-logs", &["admin"]),
    ("view-other-user-channels", &["admin"]),
    (
        "view-outside-room",
        &["admin", "owner", "moderator", "user"],
    ),
    ("view-p-room", &["admin", "user", "anonymous", "guest"]),
    ("view-privileged-setting", &["admin"]),
    ("view-room-administration", &["admin"]),
    ("view-statistics", &["admin"]),
    ("view-user-administration", &["admin"]),
];

/// How a setting's value is typed (Rocket.Chat's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingType {
    /// `true`/`false`.
    Boolean,
    /// Free text.
    String,
    /// An integer.
    Int,
    /// One of a fixed set of strings.
    Select,
    /// Any JSON value (arrays, multi-selects).
    Json,
}

impl SettingType {
    /// Rocket.Chat's name for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Int => "int",
            Self::Select => "select",
            Self::Json => "multiSelect",
        }
    }
}

/// One entry of the settings registry.
#[derive(Debug, Clone)]
pub struct SettingDef {
    /// The setting `_id`.
    pub id: &'static str,
    /// Group shown in the admin UI.
    pub group: &'static str,
    /// Value type.
    pub ty: SettingType,
    /// Readable without a login (`settings.public`).
    pub public: bool,
    /// Default value (`packageValue`).
    pub default: Value,
}

/// Setting ids used in code.
pub mod setting {
    /// The server's public URL.
    pub const SITE_URL: &str = "Site_Url";
    /// Unique id of this installation.
    pub const UNIQUE_ID: &str = "uniqueID";
    /// `Public`, `Disabled` or `Secret URL`.
    pub const REGISTRATION_FORM: &str = "Accounts_RegistrationForm";
    /// Days a login token lives.
    pub const LOGIN_EXPIRATION: &str = "Accounts_LoginExpiration";
    /// Default page size.
    pub const API_DEFAULT_COUNT: &str = "API_Default_Count";
    /// Largest page size.
    pub const API_UPPER_COUNT_LIMIT: &str = "API_Upper_Count_Limit";
    /// Whether `count=0` means all.
    pub const API_ALLOW_INFINITE_COUNT: &str = "API_Allow_Infinite_Count";
    /// Brute-force protection on login.
    pub const BLOCK_FAILED_LOGINS: &str = "Block_Multiple_Failed_Logins_Enabled";
    /// Per-user blocking on.
    pub const BLOCK_BY_USER: &str = "Block_Multiple_Failed_Logins_By_User";
    /// Per-IP blocking on.
    pub const BLOCK_BY_IP: &str = "Block_Multiple_Failed_Logins_By_Ip";
    /// Failures before a username is blocked.
    pub const BLOCK_USER_ATTEMPTS: &str =
        "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User";
    /// Failures before an IP is blocked.
    pub const BLOCK_IP_ATTEMPTS: &str = "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip";
    /// Minutes a username stays blocked.
    pub const BLOCK_USER_MINUTES: &str =
        "Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes";
    /// Minutes an IP stays blocked.
    pub const BLOCK_IP_MINUTES: &str =
        "Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes";
    /// Users may change their own profile.
    pub const ALLOW_PROFILE_CHANGE: &str = "Accounts_AllowUserProfileChange";
    /// Users may change their username.
    pub const ALLOW_USERNAME_CHANGE: &str = "Accounts_AllowUsernameChange";
    /// Users may change their email.
    pub const ALLOW_EMAIL_CHANGE: &str = "Accounts_AllowEmailChange";
    /// Users may change their password.
    pub const ALLOW_PASSWORD_CHANGE: &str = "Accounts_AllowPasswordChange";
    /// Users may change their display name.
    pub const ALLOW_REAL_NAME_CHANGE: &str = "Accounts_AllowRealNameChange";
    /// Troubleshooting switch: presence changes are not broadcast (`user-status`,
    /// `stream-user-presence`); users still see their own status.
    pub const PRESENCE_BROADCAST_DISABLED: &str = "Presence_broadcast_disabled";
    /// Users may change their own avatar.
    pub const ALLOW_USER_AVATAR_CHANGE: &str = "Accounts_AllowUserAvatarChange";
    /// Users may set a status message.
    pub const ALLOW_STATUS_MESSAGE_CHANGE: &str = "Accounts_AllowUserStatusMessageChange";
    /// Shown as the workspace name.
    pub const SITE_NAME: &str = "Site_Name";
    /// Whether the setup wizard is done (statistics `wizard`).
    pub const SHOW_SETUP_WIZARD: &str = "Show_Setup_Wizard";
}

/// The settings registry: every setting Apogee knows, with its default. A fresh database gets these.
pub fn settings_registry() -> Vec<SettingDef> {
    use SettingType::*;
    let d = |id, group, ty, public, default| SettingDef {
        id,
        group,
        ty,
        public,
        default,
    };
    vec![
        d(
            "Site_Url",
            "General",
            String,
            true,
            json!("http://localhost:3000"),
        ),
        d("Site_Name", "General", String, true, json!("Apogee")),
        d("uniqueID", "General", String, true, json!("")),
        d("Language", "General", String, true, json!("")),
        d(
            "Show_Setup_Wizard",
            "General",
            Select,
            true,
            json!("completed"),
        ),
        d(
            "Accounts_RegistrationForm",
            "Accounts",
            Select,
            true,
            json!("Public"),
        ),
        d(
            "Accounts_RegistrationForm_SecretURL",
            "Accounts",
            String,
            false,
            json!(""),
        ),
        d(
            "Accounts_AllowAnonymousRead",
            "Accounts",
            Boolean,
            true,
            json!(false),
        ),
        d(
            "Accounts_AllowAnonymousWrite",
            "Accounts",
            Boolean,
            true,
            json!(false),
        ),
        d(
            "Accounts_AllowUserProfileChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowUsernameChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowEmailChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowPasswordChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowRealNameChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowUserStatusMessageChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowUserAvatarChange",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_AllowDeleteOwnAccount",
            "Accounts",
            Boolean,
            true,
            json!(false),
        ),
        d(
            "Accounts_PasswordReset",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_RequireNameForSignUp",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_ManuallyApproveNewUsers",
            "Accounts",
            Boolean,
            false,
            json!(false),
        ),
        d("Accounts_LoginExpiration", "Accounts", Int, true, json!(90)),
        d(
            "Accounts_ShowFormLogin",
            "Accounts",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Accounts_Directory_DefaultView",
            "Accounts",
            Select,
            true,
            json!("channels"),
        ),
        d(
            "Accounts_TwoFactorAuthentication_Enabled",
            "Accounts",
            Boolean,
            true,
            json!(false),
        ),
        d(
            "Accounts_Default_User_Preferences_language",
            "Accounts",
            String,
            true,
            json!(""),
        ),
        d("UI_Use_Real_Name", "Layout", Boolean, true, json!(false)),
        d("Message_MaxAllowedSize", "Message", Int, true, json!(5000)),
        d(
            "Message_AllowEditing",
            "Message",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Message_AllowEditing_BlockEditInMinutes",
            "Message",
            Int,
            true,
            json!(0),
        ),
        d(
            "Message_AllowDeleting",
            "Message",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Message_AllowDeleting_BlockDeleteInMinutes",
            "Message",
            Int,
            true,
            json!(0),
        ),
        d(
            "Message_KeepHistory",
            "Message",
            Boolean,
            true,
            json!(false),
        ),
        d(
            "Message_ShowDeletedStatus",
            "Message",
            Boolean,
            true,
            json!(false),
        ),
        d(
            "Message_AllowPinning",
            "Message",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Message_AllowStarring",
            "Message",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "Message_Read_Receipt_Enabled",
            "Message",
            Boolean,
            true,
            json!(false),
        ),
        d("Hide_System_Messages", "Message", Json, true, json!([])),
        d("Threads_enabled", "Threads", Boolean, true, json!(true)),
        d(
            "Discussion_enabled",
            "Discussion",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "FileUpload_Enabled",
            "FileUpload",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "FileUpload_MaxFileSize",
            "FileUpload",
            Int,
            true,
            json!(104_857_600),
        ),
        d(
            "API_Use_REST_For_DDP_Calls",
            "General",
            Boolean,
            true,
            json!(true),
        ),
        d(
            "API_Enable_Rate_Limiter",
            "General",
            Boolean,
            false,
            json!(false),
        ),
        d("API_Default_Count", "General", Int, false, json!(50)),
        d("API_User_Limit", "General", Int, false, json!(500)),
        d(
            "API_Enable_Direct_Message_History_EndPoint",
            "General",
            Boolean,
            false,
            json!(false),
        ),
        d("API_Upper_Count_Limit", "General", Int, false, json!(100)),
        d(
            "API_Allow_Infinite_Count",
            "General",
            Boolean,
            false,
            json!(true),
        ),
        d("E2E_Enable", "E2E Encryption", Boolean, true, json!(false)),
        d(
            "Presence_broadcast_disabled",
            "Troubleshoot",
            Boolean,
            true,
            json!(false),
        ),
        d("LDAP_Enable", "LDAP", Boolean, true, json!(false)),
        d(
            "CROWD_Enable",
            "AtlassianCrowd",
            Boolean,
            true,
            json!(false),
        ),
        d("Favorite_Rooms", "Layout", Boolean, true, json!(true)),
        d("Store_Last_Message", "General", Boolean, true, json!(true)),
        d(
            "Block_Multiple_Failed_Logins_Enabled",
            "Accounts",
            Boolean,
            false,
            json!(true),
        ),
        d(
            "Block_Multiple_Failed_Logins_By_User",
            "Accounts",
            Boolean,
            false,
            json!(true),
        ),
        d(
            "Block_Multiple_Failed_Logins_By_Ip",
            "Accounts",
            Boolean,
            false,
            json!(true),
        ),
        d(
            "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User",
            "Accounts",
            Int,
            false,
            json!(10),
        ),
        d(
            "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip",
            "Accounts",
            Int,
            false,
            json!(50),
        ),
        d(
            "Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes",
            "Accounts",
            Int,
            false,
            json!(5),
        ),
        d(
            "Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes",
            "Accounts",
            Int,
            false,
            json!(5),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn registry_ids_are_unique() {
        let reg = settings_registry();
        let ids: HashSet<_> = reg.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), reg.len());
        let perms: HashSet<_> = DEFAULT_PERMISSIONS.iter().map(|p| p.0).collect();
        assert_eq!(perms.len(), DEFAULT_PERMISSIONS.len());
    }
}
