//! `chat.reportMessage`: members report a message to the moderators (Rocket.Chat's moderation
//! reports).

use crate::Messages;
use apogee_core::{Error, Result, Timestamp, random_id};
use apogee_storage::repo;
use apogee_storage::repo::moderation::Report;
use apogee_users::AuthUser;
use serde_json::json;

/// Rocket.Chat's `reportMessage` fails with bare error strings (`{"error":"<code>"}`, no
/// `errorType`): its errors are plain `Error`s, not `Meteor.Error`s.
fn failure(code: &str) -> Error {
    Error::Failure(code.to_owned())
}

impl Messages {
    /// Reports a message the caller can read, with a description (required, not blank:
    /// `error-invalid-description`). An unknown message, or one in a room the caller cannot
    /// read, is `error-invalid-message_id` alike, so reports reveal nothing. Stores the report
    /// with copies of the message, its room and the reporter as they are now.
    pub async fn report(
        &self,
        actor: &AuthUser,
        message_id: &str,
        description: &str,
    ) -> Result<Report> {
        if description.trim().is_empty() {
            return Err(failure("error-invalid-description"));
        }
        let m = repo::messages::by_id(self.db(), message_id)
            .await?
            .ok_or_else(|| failure("error-invalid-message_id"))?;
        let room = repo::rooms::by_id(self.db(), &m.rid).await?;
        let room = match room {
            Some(r) if self.rooms().can_view(actor, &r).await? => r,
            _ => return Err(failure("error-invalid-message_id")),
        };
        let u = &actor.account.user;
        let now = Timestamp::now().millis();
        let report = Report {
            id: random_id(),
            message_id: m.id.clone(),
            rid: room.id.clone(),
            description: description.to_owned(),
            message: serde_json::to_string(&message_snapshot(&m)).map_err(Error::internal)?,
            room: json!({"_id": room.id, "name": room.name, "fname": room.fname, "t": room.t})
                .to_string(),
            reported_by_id: u.id.clone(),
            reported_by: json!({
                "_id": u.id,
                "username": u.username,
                "name": u.name,
                "createdAt": Timestamp(u.created_at).to_iso(),
            })
            .to_string(),
            ts: now,
            updated_at: now,
        };
        repo::moderation::insert(self.db(), report.clone()).await?;
        Ok(report)
    }

    /// The reports made of a message, oldest first (for moderation tools and tests).
    pub async fn reports_of(&self, message_id: &str) -> Result<Vec<Report>> {
        repo::moderation::of_message(self.db(), message_id).await
    }
}

/// The reported message as a JSON document (its columns and optional fields).
fn message_snapshot(m: &apogee_storage::Message) -> serde_json::Value {
    json!({
        "_id": m.id,
        "rid": m.rid,
        "msg": m.msg,
        "ts": Timestamp(m.ts).to_iso(),
        "u": {"_id": m.u_id, "username": m.u_username, "name": m.u_name},
        "t": m.t,
        "tmid": m.tmid,
        "data": serde_json::from_str::<serde_json::Value>(&m.data).unwrap_or_default(),
    })
}
