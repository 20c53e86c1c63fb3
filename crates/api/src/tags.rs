//! OpenAPI tags: one per Rocket.Chat namespace.

use poem_openapi::Tags;

/// Groups of operations in the API docs.
#[derive(Tags)]
pub enum ApiTags {
    /// Server information.
    Server,
    /// Logging in and out.
    Authentication,
    /// `users.*`.
    Users,
    /// `roles.*`.
    Roles,
    /// `permissions.*`.
    Permissions,
    /// `settings.*`.
    Settings,
    /// `statistics.*`.
    Statistics,
    /// `spotlight`, `directory`.
    Search,
    /// `channels.*`: public channels.
    Channels,
    /// `groups.*`: private groups.
    Groups,
    /// `subscriptions.*`.
    Subscriptions,
    /// `chat.*`: messages.
    Chat,
    /// `dm.*` / `im.*`: direct messages.
    DirectMessages,
    /// `rooms.*`.
    Rooms,
    /// `commands.*`: slash commands.
    Commands,
}
