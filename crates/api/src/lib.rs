//! Apogee's REST API: `/api/info` and `/api/v1/*` with Rocket.Chat's paths, shapes and errors,
//! documented by the OpenAPI spec at `/api/v1/openapi.json` and the interactive page `/api/docs`.

mod auth;
mod auth_api;
mod avatar_api;
mod chat_api;
mod chat_extras_api;
mod commands_api;
mod dm_api;
mod dm_extras_api;
mod error;
mod history_cache;
mod info_api;
mod misc_api;
mod params;
mod project;
mod raw_json;
mod roles_api;
mod room_extras_api;
mod rooms_api;
mod settings_api;
mod state;
mod tags;
mod users_api;
mod wire;

pub use auth::Auth;
pub use error::{ApiError, ApiResult};
pub use history_cache::HistoryCache;
pub use info_api::RC_VERSION;
pub use state::AppState;

use poem::{Endpoint, EndpointExt, IntoEndpoint, Route};
use poem_openapi::OpenApiService;

/// Largest request body accepted (Rocket.Chat's default JSON limit is generous; uploads come later).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

type Apis = (
    info_api::InfoApi,
    auth_api::AuthApi,
    users_api::UsersApi,
    roles_api::RolesApi,
    roles_api::PermissionsApi,
    settings_api::SettingsApi,
    misc_api::MiscApi,
    rooms_api::ChannelsApi,
    rooms_api::GroupsApi,
    rooms_api::SubscriptionsApi,
    chat_api::ChatApi,
    dm_api::DmApi,
    rooms_api::RoomsApi,
    commands_api::CommandsApi,
    // poem-openapi implements OpenApi for tuples of up to 16: later additions nest.
    (
        room_extras_api::RoomExtrasApi,
        dm_extras_api::DmExtrasApi,
        chat_extras_api::ChatExtrasApi,
        avatar_api::AvatarApi,
    ),
);

fn service(state: &AppState) -> OpenApiService<Apis, ()> {
    let s = || state.clone();
    OpenApiService::new(
        (
            info_api::InfoApi { state: s() },
            auth_api::AuthApi { state: s() },
            users_api::UsersApi { state: s() },
            roles_api::RolesApi { state: s() },
            roles_api::PermissionsApi { state: s() },
            settings_api::SettingsApi { state: s() },
            misc_api::MiscApi { state: s() },
            rooms_api::ChannelsApi { state: s() },
            rooms_api::GroupsApi { state: s() },
            rooms_api::SubscriptionsApi { state: s() },
            chat_api::ChatApi { state: s() },
            dm_api::DmApi { state: s() },
            rooms_api::RoomsApi { state: s() },
            commands_api::CommandsApi { state: s() },
            (
                room_extras_api::RoomExtrasApi { state: s() },
                dm_extras_api::DmExtrasApi { state: s() },
                chat_extras_api::ChatExtrasApi { state: s() },
                avatar_api::AvatarApi { state: s() },
            ),
        ),
        "Apogee REST API (Rocket.Chat 8.5 compatible)",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Rocket.Chat's REST API as Apogee serves it. Log in with `POST /api/v1/login`, then send \
         `X-User-Id` and `X-Auth-Token` on every authenticated call. Errors are \
         `{\"success\":false,\"error\":\"...\",\"errorType\":\"...\"}`.",
    )
}

/// The OpenAPI document as pretty JSON (what `apogee openapi` prints and `openapi/openapi.json` holds).
pub fn openapi_json(state: &AppState) -> String {
    service(state).spec()
}

/// Every HTTP route of the REST API, with the wire rules applied (JSON errors everywhere, exact
/// `Content-Type`, no-cache headers, CORS preflight, body size limit, panic catcher).
pub fn routes(state: AppState) -> impl Endpoint {
    let api = service(&state);
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let inner = Route::new()
        .at(
            "/avatar/room/:rid",
            poem::get(avatar_api::room_avatar).data(state.clone()),
        )
        .at(
            "/avatar/:name",
            poem::get(avatar_api::user_avatar).data(state.clone()),
        )
        .at("/api/v1/openapi.json", spec)
        .nest("/api/docs", docs)
        .nest("/", api.into_endpoint());
    wire::apply(inner, state)
}
