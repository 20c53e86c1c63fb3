//! Per-room notification preferences (`saveNotificationSettings`, `rooms.saveNotification`).
//!
//! They are flags of the member's subscription, kept in its `prefs` JSON object under Rocket.Chat's
//! field names (`desktopNotifications`, `desktopPrefOrigin`, `disableNotifications`, ...), so the
//! subscription document shows them as Rocket.Chat's does. The same object holds the DM blocking
//! flags (see `blocking.rs`).

use crate::Rooms;
use apogee_core::{Error, Result};
use apogee_storage::{Subscription, repo};
use apogee_users::{AuthUser, Users};
use serde_json::{Map, Value};

/// The fields `saveNotificationSettings` accepts (Rocket.Chat's `NotificationFieldType`).
pub const NOTIFICATION_FIELDS: [&str; 9] = [
    "desktopNotifications",
    "mobilePushNotifications",
    "emailNotifications",
    "unreadAlert",
    "disableNotifications",
    "hideUnreadStatus",
    "hideMentionStatus",
    "muteGroupMentions",
    "audioNotificationValue",
];

/// Every key a subscription's `prefs` object may hold, in the order projections list them.
pub const PREF_KEYS: [&str; 14] = [
    "desktopNotifications",
    "desktopPrefOrigin",
    "mobilePushNotifications",
    "mobilePrefOrigin",
    "emailNotifications",
    "emailPrefOrigin",
    "unreadAlert",
    "disableNotifications",
    "hideUnreadStatus",
    "hideMentionStatus",
    "muteGroupMentions",
    "audioNotificationValue",
    "blocked",
    "blocker",
];

/// The values of the three notification levels.
const LEVELS: [&str; 4] = ["all", "mentions", "nothing", "default"];

/// The stored preferences of a subscription (unknown keys dropped).
pub fn prefs(sub: &Subscription) -> Map<String, Value> {
    let mut m: Map<String, Value> = serde_json::from_str(&sub.prefs).unwrap_or_default();
    m.retain(|k, _| PREF_KEYS.contains(&k.as_str()));
    m
}

/// A boolean flag of a subscription's preferences (absent = `false`).
pub fn flag(prefs: &Map<String, Value>, key: &str) -> bool {
    prefs.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// How a member wants to hear about a room's messages on the desktop (the `<uid>/notification`
/// event), resolved from the subscription and the user's own preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesktopPrefs {
    /// `all`, `mentions` or `nothing`; `None` when neither the room nor the user chose (then
    /// direct messages and mentions notify).
    pub level: Option<String>,
    /// `disableNotifications`: nothing notifies.
    pub disabled: bool,
    /// `muteGroupMentions`: `@all` / `@here` do not notify.
    pub mute_group_mentions: bool,
    /// Whether `level` came from the user's own preference rather than the room's.
    pub from_user: bool,
    /// `audioNotificationValue`: the sound the notification asks for.
    pub audio: Option<String>,
}

impl DesktopPrefs {
    /// The desktop preferences of a member: the room's choice (`desktopPrefOrigin:
    /// "subscription"`), else the user's current `desktopNotifications` preference (unless
    /// `default`), else whatever the subscription holds.
    pub fn of(sub: &Subscription, user_prefs: &Map<String, Value>) -> Self {
        let p = prefs(sub);
        let stored = p
            .get("desktopNotifications")
            .and_then(Value::as_str)
            .filter(|v| *v != "default")
            .map(str::to_owned);
        let origin = p.get("desktopPrefOrigin").and_then(Value::as_str);
        let user = user_prefs
            .get("desktopNotifications")
            .and_then(Value::as_str)
            .filter(|v| *v != "default")
            .map(str::to_owned);
        let (level, from_user) = match (origin, stored, user) {
            (Some("subscription"), Some(s), _) => (Some(s), false),
            (_, _, Some(u)) => (Some(u), true),
            (_, s, None) => (s, false),
        };
        Self {
            level,
            disabled: flag(&p, "disableNotifications"),
            mute_group_mentions: flag(&p, "muteGroupMentions"),
            from_user,
            audio: p
                .get("audioNotificationValue")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// The user-preference key behind a notification field's `default` (Rocket.Chat's
/// `getUserNotificationPreference`).
fn user_pref_key(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "desktopNotifications" => ("desktopNotifications", "desktopPrefOrigin"),
        "mobilePushNotifications" => ("pushNotifications", "mobilePrefOrigin"),
        "emailNotifications" => ("emailNotificationMode", "emailPrefOrigin"),
        _ => return None,
    })
}

fn invalid(what: &str) -> Error {
    Error::meteor("error-invalid-settings", format!("Invalid settings {what}"))
}

/// A value as Meteor's `check(value, String)` sees it; booleans (and numbers 0/1), which REST
/// clients send for the flags, are taken as `"1"` / `"0"`.
fn as_text(v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_owned()),
        Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => Ok(n.to_string()),
        _ => Err(Error::InvalidParams("Match failed".into())),
    }
}

/// Checks one setting: the field and, for the three levels, the value.
fn check(field: &str, value: &Value) -> Result<String> {
    if !NOTIFICATION_FIELDS.contains(&field) {
        return Err(invalid("field"));
    }
    let text = as_text(value)?;
    if user_pref_key(field).is_some() && !LEVELS.contains(&text.as_str()) {
        return Err(invalid("value"));
    }
    Ok(text)
}

/// Applies one checked setting to a preferences object, as Rocket.Chat's model updates do.
fn apply(p: &mut Map<String, Value>, field: &str, value: &str, user_prefs: &Map<String, Value>) {
    if let Some((user_key, origin_key)) = user_pref_key(field) {
        if value == "default" {
            // The user's own preference, marked as such; without one (the server's default)
            // both fields go.
            match user_prefs
                .get(user_key)
                .and_then(Value::as_str)
                .filter(|v| *v != "default")
            {
                Some(u) => {
                    p.insert(field.to_owned(), Value::String(u.to_owned()));
                    p.insert(origin_key.to_owned(), Value::String("user".into()));
                }
                None => {
                    p.remove(field);
                    p.remove(origin_key);
                }
            }
        } else {
            p.insert(field.to_owned(), Value::String(value.to_owned()));
            p.insert(origin_key.to_owned(), Value::String("subscription".into()));
        }
        return;
    }
    match field {
        "unreadAlert" => {
            p.insert(field.to_owned(), Value::String(value.to_owned()));
        }
        "audioNotificationValue" if value == "default" => {
            p.remove(field);
        }
        "audioNotificationValue" => {
            p.insert(field.to_owned(), Value::String(value.to_owned()));
        }
        _ => {
            let on = matches!(value, "1" | "true");
            p.insert(field.to_owned(), Value::Bool(on));
        }
    }
}

impl Rooms {
    /// `saveNotificationSettings [rid, field, value]` and `rooms.saveNotification`: stores the
    /// caller's notification settings for a room they are in. Every setting is checked before any
    /// is stored; the changed subscription is announced to the caller.
    pub async fn save_notifications(
        &self,
        actor: &AuthUser,
        rid: &str,
        settings: &[(String, Value)],
    ) -> Result<()> {
        let checked = settings
            .iter()
            .map(|(f, v)| check(f, v).map(|t| (f.as_str(), t)))
            .collect::<Result<Vec<_>>>()?;
        let sub = self
            .subscription(actor.id(), rid)
            .await?
            .ok_or_else(|| Error::meteor("error-invalid-subscription", "Invalid subscription"))?;
        let user_prefs = Users::preferences(&actor.account.user);
        let mut p = prefs(&sub);
        let before = p.clone();
        for (field, value) in &checked {
            apply(&mut p, field, value, &user_prefs);
        }
        if p != before {
            self.write_prefs(&sub, p).await?;
        }
        Ok(())
    }

    /// Stores a subscription's new preferences object and announces the change to its owner.
    pub(crate) async fn write_prefs(
        &self,
        sub: &Subscription,
        p: Map<String, Value>,
    ) -> Result<()> {
        let mut after = sub.clone();
        after.prefs = Value::Object(p).to_string();
        after.updated_at = Self::now().max(sub.ts + 1);
        repo::subscriptions::update(self.db(), sub, after).await?;
        self.subscription_changed(&sub.user_id, &sub.rid);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn fields_and_levels_are_checked() {
        assert!(check("desktopNotifications", &json!("all")).is_ok());
        assert!(check("desktopNotifications", &json!("loud")).is_err());
        assert!(check("colour", &json!("all")).is_err());
        assert_eq!(
            check("muteGroupMentions", &json!(true)).ok(),
            Some("1".into())
        );
        assert!(check("muteGroupMentions", &json!({})).is_err());
    }

    #[test]
    fn default_takes_the_users_preference_or_clears() {
        let mut p = Map::new();
        apply(&mut p, "desktopNotifications", "nothing", &Map::new());
        assert_eq!(
            Value::Object(p.clone()),
            json!({"desktopNotifications": "nothing", "desktopPrefOrigin": "subscription"})
        );
        apply(&mut p, "desktopNotifications", "default", &Map::new());
        assert!(p.is_empty());
        let user = obj(json!({"desktopNotifications": "all"}));
        apply(&mut p, "desktopNotifications", "default", &user);
        assert_eq!(p["desktopPrefOrigin"], "user");
        apply(&mut p, "disableNotifications", "1", &user);
        apply(&mut p, "audioNotificationValue", "beep", &user);
        assert_eq!(p["disableNotifications"], true);
        apply(&mut p, "audioNotificationValue", "default", &user);
        assert!(!p.contains_key("audioNotificationValue"));
    }
}
