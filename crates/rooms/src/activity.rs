//! Client-emitted room activity (typing): who may announce it.

use crate::Rooms;
use apogee_core::{Error, Result};
use apogee_users::AuthUser;

impl Rooms {
    /// Rocket.Chat's write rule for `stream-notify-room` `<rid>/user-activity` and `<rid>/typing`:
    /// the caller must be in the room and name themselves (their username, or their display name
    /// when `UI_Use_Real_Name` is on).
    pub async fn check_activity(&self, actor: &AuthUser, rid: &str, username: &str) -> Result<()> {
        let not_allowed = || Error::meteor("error-not-allowed", "Not allowed");
        let u = &actor.account.user;
        let real_name = self.users().settings().bool("UI_Use_Real_Name");
        if username != u.username && !(real_name && username == u.name) {
            return Err(not_allowed());
        }
        if self.subscription(actor.id(), rid).await?.is_none() {
            return Err(not_allowed());
        }
        Ok(())
    }
}
