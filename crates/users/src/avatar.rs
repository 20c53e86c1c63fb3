//! Avatars: uploaded images (`users.setAvatar`), reset to initials (`users.resetAvatar`), and the
//! picture `GET /avatar/:username` serves (the upload, or an SVG of the initials). Images fetched
//! from a URL are in `avatar_url`.
//!
//! Only raster formats recognised from their first bytes are accepted: the declared type of an
//! upload (or a server's `Content-Type`) is someone else's word, and an SVG served from our
//! origin could carry script.

use crate::Users;
use crate::accounts::UserSelector;
use crate::auth::AuthUser;
use apogee_core::names::{perm, setting};
use apogee_core::{Error, EventKind, Result, Timestamp, Topic, random_id};
use apogee_storage::{Avatar, repo};
use base64::Engine;

/// Largest avatar image accepted, in bytes.
pub const MAX_AVATAR_BYTES: usize = 5 * 1024 * 1024;

/// Where an avatar came from (Rocket.Chat's `avatarOrigin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvatarOrigin {
    /// Uploaded over REST (`users.setAvatar` multipart).
    Rest,
    /// Uploaded as a data URI (DDP `setAvatarFromService` with service `upload`).
    Upload,
    /// Fetched from an http(s) URL (`users.setAvatar` `avatarUrl`, service `url`).
    Url,
}

impl AvatarOrigin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Rest => "rest",
            Self::Upload => "upload",
            Self::Url => "url",
        }
    }
}

/// What `GET /avatar/:username` answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvatarImage {
    /// An uploaded image: its MIME type, bytes and ETag.
    Stored {
        /// `image/png`, `image/jpeg`, ...
        content_type: String,
        /// The image.
        data: Vec<u8>,
        /// The user's `avatarETag`.
        etag: String,
    },
    /// No upload: an SVG with the initials of this name.
    Initials(String),
}

/// The MIME type of an image, recognised from its first bytes; `None` for anything else.
pub fn sniff_image(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if data.starts_with(b"BM") && data.len() > 26 {
        Some("image/bmp")
    } else {
        None
    }
}

/// The image in a `data:image/...;base64,` URI; a URL of another scheme gets Rocket.Chat's
/// `error-avatar-url-handling` (this function does no HTTP: [`Users::set_avatar_from_url`] and
/// [`Users::set_avatar_from_service`] fetch http(s) URLs).
pub fn decode_data_uri(uri: &str) -> Result<Vec<u8>> {
    let invalid = || Error::meteor("error-invalid-image-format", "Invalid image format");
    let Some(rest) = uri.trim().strip_prefix("data:") else {
        return Err(Error::meteor(
            "error-avatar-url-handling",
            "Fetching avatars from a URL is not supported; upload the image or send a data: URI",
        ));
    };
    let (meta, payload) = rest.split_once(',').ok_or_else(invalid)?;
    if !meta.ends_with(";base64") {
        return Err(invalid());
    }
    base64::engine::general_purpose::STANDARD
        .decode(payload.trim())
        .map_err(|_| invalid())
}

/// Rocket.Chat's palette for initials avatars.
const COLORS: [&str; 19] = [
    "#F44336", "#E91E63", "#9C27B0", "#673AB7", "#3F51B5", "#2196F3", "#03A9F4", "#00BCD4",
    "#009688", "#4CAF50", "#8BC34A", "#CDDC39", "#FFC107", "#FF9800", "#FF5722", "#795548",
    "#9E9E9E", "#607D8B", "#455A64",
];

/// An SVG avatar with the initial of `name` on a colour chosen by the name, like Rocket.Chat's
/// default avatars.
pub fn initials_svg(name: &str) -> String {
    let initial: String = name
        .chars()
        .find(|c| c.is_alphanumeric())
        .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().collect());
    let color = COLORS[name.chars().count() % COLORS.len()];
    // The initial is a single alphanumeric character (or '?'), so it needs no XML escaping.
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 200 200\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"{color}\"/>\n\
         <text x=\"50%\" y=\"50%\" dy=\"0.36em\" text-anchor=\"middle\" pointer-events=\"none\" \
         fill=\"#ffffff\" font-family=\"'Helvetica', 'Arial', 'Lucida Grande', 'sans-serif'\" \
         font-size=\"125\">\n{initial}\n</text>\n</svg>"
    )
}

impl Users {
    /// The user whose avatar `actor` may change, as (id, username): themselves when `target` is
    /// `None` or names them (while `Accounts_AllowUserAvatarChange` is on), anyone with
    /// `edit-other-user-avatar`. `other_denied` is the operation's answer for someone else's
    /// avatar without that permission (Rocket.Chat's differ).
    async fn avatar_target(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
        own_denied: &str,
        other_denied: Error,
    ) -> Result<(String, String)> {
        let may_edit_others = self.can(actor, perm::EDIT_OTHER_USER_AVATAR).await?;
        if !self.settings().bool(setting::ALLOW_USER_AVATAR_CHANGE) && !may_edit_others {
            return Err(Error::meteor("error-not-allowed", own_denied));
        }
        let (id, username) = match target {
            None => (actor.id().to_owned(), actor.account.user.username.clone()),
            Some(sel) => {
                let user = self.get(sel).await?.user;
                (user.id, user.username)
            }
        };
        if id != actor.id() && !may_edit_others {
            return Err(other_denied);
        }
        Ok((id, username))
    }

    /// `users.setAvatar` with an image: stores it as the avatar of `target` (the actor when
    /// `None`), gives the user a new `avatarETag` and announces `updateAvatar`.
    pub async fn set_avatar(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
        data: Vec<u8>,
        origin: AvatarOrigin,
    ) -> Result<()> {
        let (id, _) = self.change_avatar_target(actor, target).await?;
        self.store_avatar(id, data, origin).await
    }

    /// [`Users::avatar_target`] for setting an avatar.
    pub(crate) async fn change_avatar_target(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
    ) -> Result<(String, String)> {
        self.avatar_target(
            actor,
            target,
            "Change avatar is not allowed",
            Error::Forbidden,
        )
        .await
    }

    /// Stores `data` (a raster image, checked here) as the avatar of user `id`, with a new
    /// `avatarETag`, and announces `updateAvatar`.
    pub(crate) async fn store_avatar(
        &self,
        id: String,
        data: Vec<u8>,
        origin: AvatarOrigin,
    ) -> Result<()> {
        if data.len() > MAX_AVATAR_BYTES {
            return Err(Error::meteor(
                "error-file-too-large",
                "The avatar image is too large",
            ));
        }
        let content_type = sniff_image(&data)
            .ok_or_else(|| Error::meteor("error-invalid-image-format", "Invalid image format"))?;
        let saved = repo::avatars::set_for_user(
            self.db(),
            Avatar {
                owner: id.clone(),
                content_type: content_type.to_owned(),
                data,
                etag: random_id(),
                origin: origin.as_str().to_owned(),
                updated_at: Timestamp::now().millis(),
            },
        )
        .await?;
        if !saved {
            return Err(Error::invalid_user());
        }
        self.avatar_changed(id);
        Ok(())
    }

    /// `users.resetAvatar`: back to the initials avatar.
    pub async fn reset_avatar(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
    ) -> Result<()> {
        let (id, _) = self
            .avatar_target(
                actor,
                target,
                "Reset avatar is not allowed",
                Error::meteor("error-not-allowed", "Reset avatar is not allowed"),
            )
            .await?;
        if !repo::avatars::reset_for_user(self.db(), &id, Timestamp::now().millis()).await? {
            return Err(Error::invalid_user());
        }
        self.avatar_changed(id);
        Ok(())
    }

    fn avatar_changed(&self, user_id: String) {
        self.publisher()
            .publish(Topic::Logged, EventKind::AvatarChanged { user_id });
    }

    /// The picture of `GET /avatar/:username`: the user's upload, else the initials of the name
    /// asked for (Rocket.Chat answers unknown names with initials too, so the path does not reveal
    /// which usernames exist).
    pub async fn avatar_image(&self, username: &str) -> Result<AvatarImage> {
        let user = repo::users::by_username(self.db(), username).await?;
        if let Some(u) = &user
            && u.avatar_etag.is_some()
            && let Some(a) = repo::avatars::get(self.db(), &u.id).await?
        {
            return Ok(AvatarImage::Stored {
                content_type: a.content_type,
                data: a.data,
                etag: a.etag,
            });
        }
        Ok(AvatarImage::Initials(
            user.map_or_else(|| username.to_owned(), |u| u.username),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_raster_formats_only() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n rest"), Some("image/png"));
        assert_eq!(sniff_image(b"\xff\xd8\xff\xe0 jfif"), Some("image/jpeg"));
        assert_eq!(sniff_image(b"GIF89a...."), Some("image/gif"));
        assert_eq!(sniff_image(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff_image(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            None
        );
        assert_eq!(sniff_image(b""), None);
    }

    #[test]
    fn data_uris_decode_and_urls_are_refused() {
        assert_eq!(
            decode_data_uri("data:image/png;base64,aGk=").ok(),
            Some(b"hi".to_vec())
        );
        assert!(decode_data_uri("data:image/png,raw").is_err());
        assert!(decode_data_uri("data:image/png;base64,@@").is_err());
        let e = decode_data_uri("https://example.com/a.png").unwrap_err();
        assert!(
            format!("{e:?}").contains("error-avatar-url-handling"),
            "{e:?}"
        );
    }

    #[test]
    fn initials_are_one_safe_character() {
        let svg = initials_svg("alice");
        assert!(svg.contains("\nA\n"), "{svg}");
        assert!(initials_svg("<script>").contains("\nS\n"));
        assert!(initials_svg("__").contains("\n?\n"));
    }
}
