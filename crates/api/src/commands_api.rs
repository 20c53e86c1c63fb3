//! `commands.*`: Rocket.Chat's slash commands.

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::{page, required_str};
use crate::state::AppState;
use crate::tags::ApiTags;
use apogee_core::Error;
use apogee_messages::commands::{COMMANDS, SlashCommand, command};
use apogee_protocol::OkBody;
use apogee_storage::Page;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};

/// A slash command.
#[derive(Object)]
#[oai(rename_all = "camelCase")]
pub struct CommandJson {
    /// Name without the slash.
    pub command: String,
    /// Parameter hint.
    pub params: String,
    /// Description (an i18n key).
    pub description: String,
    /// Runs only in the client.
    pub client_only: bool,
    /// Offers previews.
    pub provides_preview: bool,
}

fn json_of(c: &SlashCommand) -> CommandJson {
    CommandJson {
        command: c.command.into(),
        params: c.params.into(),
        description: c.description.into(),
        client_only: false,
        provides_preview: false,
    }
}

/// `commands.list` answer.
#[derive(Object)]
pub struct CommandsListResponse {
    /// The commands.
    pub commands: Vec<CommandJson>,
    /// Items in this page.
    pub count: u64,
    /// Items skipped.
    pub offset: u64,
    /// Items in all pages.
    pub total: u64,
    /// Always `true`.
    pub success: bool,
}

/// `commands.get` answer.
#[derive(Object)]
pub struct CommandResponse {
    /// The command.
    pub command: CommandJson,
    /// Always `true`.
    pub success: bool,
}

/// `commands.run` body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct RunBody {
    /// Command name (required).
    pub command: Option<String>,
    /// Its parameters.
    pub params: Option<String>,
    /// The room it runs in (required).
    pub room_id: Option<String>,
    /// Thread it runs in.
    pub tmid: Option<String>,
    /// Client trigger id (ignored).
    pub trigger_id: Option<String>,
}

/// Slash command operations.
pub struct CommandsApi {
    /// Shared services.
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Commands")]
impl CommandsApi {
    /// commands.list: the slash commands the server runs.
    #[oai(
        path = "/commands.list",
        method = "get",
        operation_id = "commands.list"
    )]
    async fn list(
        &self,
        _auth: Auth,
        offset: Query<Option<i64>>,
        count: Query<Option<i64>>,
    ) -> ApiResult<CommandsListResponse> {
        let page = page(&self.state, offset.0, count.0, None)?;
        let all: Vec<CommandJson> = COMMANDS.iter().map(json_of).collect();
        let total = all.len() as u64;
        let commands = Page::slice(page.offset, page.count, all);
        Ok(Json(CommandsListResponse {
            count: commands.len() as u64,
            commands,
            offset: page.offset,
            total,
            success: true,
        }))
    }

    /// commands.get: one slash command.
    #[oai(path = "/commands.get", method = "get", operation_id = "commands.get")]
    async fn get(&self, _auth: Auth, command: Query<Option<String>>) -> ApiResult<CommandResponse> {
        let name = required_str(command.0, "command")?;
        let c = self::command(&name).ok_or_else(|| {
            Error::Failure(format!(
                "There is no command in the system by the name of: {name}"
            ))
        })?;
        Ok(Json(CommandResponse {
            command: json_of(c),
            success: true,
        }))
    }

    /// commands.run: runs a slash command in a room the caller is in.
    #[oai(path = "/commands.run", method = "post", operation_id = "commands.run")]
    async fn run(&self, auth: Auth, body: Json<RunBody>) -> ApiResult<OkBody> {
        let b = body.0;
        let name = required_str(b.command, "command")?;
        let rid = required_str(b.room_id, "roomId")?;
        self.state
            .messages
            .run_command(
                &auth.0,
                &name,
                b.params.as_deref().unwrap_or(""),
                &rid,
                b.tmid,
            )
            .await?;
        Ok(Json(OkBody::ok()))
    }
}
