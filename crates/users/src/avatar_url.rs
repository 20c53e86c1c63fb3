//! Avatars from a URL: `users.setAvatar` with `avatarUrl`, and DDP `setAvatarFromService` with
//! service `url`. The image is fetched through the outbound policy (no private destination,
//! pinned DNS, checked redirects, at most [`MAX_AVATAR_BYTES`]) and answered like Rocket.Chat's
//! `setUserAvatar` service `url`: a refused or failed fetch, a 404 and a type other than
//! `image/*` are `error-avatar-invalid-url`; any other non-200 status is
//! `error-avatar-url-handling`.
//!
//! One difference: Rocket.Chat fetches with `redirect: 'error'`, so any redirect fails; here up to
//! three are followed, each checked against the policy like the first URL.

use crate::Users;
use crate::accounts::UserSelector;
use crate::auth::AuthUser;
use crate::avatar::{AvatarOrigin, MAX_AVATAR_BYTES, decode_data_uri};
use apogee_core::{Error, Result};
use apogee_outbound::OutboundError;
use serde_json::json;

/// JavaScript's `encodeURI`, which Rocket.Chat applies to the URL in some of its messages: every
/// UTF-8 byte outside `A-Z a-z 0-9 ; , / ? : @ & = + $ - _ . ! ~ * ' ( ) #` becomes `%XX`
/// (a `%` included).
fn encode_uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b";,/?:@&=+$-_.!~*'()#".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `error-avatar-invalid-url` with the URL as given (`encoded`: through `encodeURI`, as
/// Rocket.Chat words the refused and failed cases).
fn invalid_url(url: &str, encoded: bool) -> Error {
    let shown = if encoded {
        encode_uri(url)
    } else {
        url.to_owned()
    };
    Error::meteor_with(
        "error-avatar-invalid-url",
        format!("Invalid avatar URL: {shown}"),
        json!({"function": "setUserAvatar", "url": url}),
    )
}

/// Whether a `Content-Type` passes Rocket.Chat's `/image\/.+/` test (unanchored, like theirs;
/// the bytes are sniffed afterwards anyway).
fn is_image_type(content_type: &str) -> bool {
    content_type
        .match_indices("image/")
        .any(|(i, m)| content_type.len() > i + m.len())
}

impl Users {
    /// `users.setAvatar` with `avatarUrl`: a `data:image/...;base64,` URI is decoded (an Apogee
    /// extension), anything else is fetched as Rocket.Chat's service `url` does.
    pub async fn set_avatar_from_url(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
        url: &str,
    ) -> Result<()> {
        let url = url.trim();
        if url.starts_with("data:") {
            return self
                .set_avatar(actor, target, decode_data_uri(url)?, AvatarOrigin::Upload)
                .await;
        }
        self.set_avatar_fetched(actor, target, url).await
    }

    /// DDP `setAvatarFromService [dataURI, contentType, service, targetUserId?]`: service `url`
    /// fetches `data` as a URL; every other service (`upload`, OAuth names) sends the image as a
    /// `data:` URI.
    pub async fn set_avatar_from_service(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
        data: &str,
        service: &str,
    ) -> Result<()> {
        if data.trim().is_empty() {
            return Err(Error::meteor("error-invalid-data", "Invalid dataURI"));
        }
        if service == "url" {
            return self.set_avatar_fetched(actor, target, data.trim()).await;
        }
        self.set_avatar(actor, target, decode_data_uri(data)?, AvatarOrigin::Upload)
            .await
    }

    /// Checks the caller may change the avatar, fetches `url` and stores the image.
    async fn set_avatar_fetched(
        &self,
        actor: &AuthUser,
        target: Option<&UserSelector>,
        url: &str,
    ) -> Result<()> {
        // Permission first: nobody makes the server fetch for an avatar they may not change.
        let (id, username) = self.change_avatar_target(actor, target).await?;
        let fetched = match self.options().outbound.get(url, MAX_AVATAR_BYTES).await {
            Ok(f) => f,
            Err(OutboundError::TooLarge { .. }) => {
                return Err(Error::meteor(
                    "error-file-too-large",
                    "The avatar image is too large",
                ));
            }
            Err(e) => {
                tracing::info!("avatar URL {url:?} for {username} not fetched: {e}");
                return Err(invalid_url(url, true));
            }
        };
        match fetched.status {
            200 => {}
            404 => {
                tracing::info!("avatar URL {url:?} answered 404");
                return Err(invalid_url(url, false));
            }
            status => {
                tracing::info!("avatar URL {url:?} for {username} answered {status}");
                let shown = encode_uri(url);
                return Err(Error::meteor_with(
                    "error-avatar-url-handling",
                    format!(
                        "Error while handling avatar setting from a URL ({shown}) for {username}"
                    ),
                    json!({"function": "RocketChat.setUserAvatar", "url": url,
                           "username": username}),
                ));
            }
        }
        if !fetched.content_type.as_deref().is_some_and(is_image_type) {
            tracing::info!(
                "avatar URL {url:?} answered Content-Type {:?}",
                fetched.content_type
            );
            return Err(invalid_url(url, false));
        }
        self.store_avatar(id, fetched.body, AvatarOrigin::Url).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_uri_matches_javascript() {
        assert_eq!(
            encode_uri("https://a.example/x y/ü?q=1&r=%20#f"),
            "https://a.example/x%20y/%C3%BC?q=1&r=%2520#f"
        );
        assert_eq!(encode_uri("-_.!~*'();,/?:@&=+$#"), "-_.!~*'();,/?:@&=+$#");
        assert_eq!(
            encode_uri("<\"{}|\\^`>[]"),
            "%3C%22%7B%7D%7C%5C%5E%60%3E%5B%5D"
        );
    }

    #[test]
    fn image_types_like_rocket_chat() {
        assert!(is_image_type("image/png"));
        assert!(is_image_type("image/svg+xml"));
        assert!(is_image_type("text/plain; x=image/png"));
        assert!(!is_image_type("image/"));
        assert!(!is_image_type("text/html"));
        assert!(!is_image_type(""));
    }
}
