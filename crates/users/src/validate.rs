//! Input rules for account fields, as Rocket.Chat's defaults define them.

use apogee_core::{Error, Result};

/// Rocket.Chat's default `UTF8_User_Names_Validation`: `[0-9a-zA-Z-_.]+`.
pub fn username(u: &str) -> Result<()> {
    let ok = !u.is_empty()
        && u.len() <= 64
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::meteor(
            "error-input-is-not-a-valid-field",
            format!(
                "{u} is not a valid username, use only letters, numbers, dots, hyphens and underscores"
            ),
        ))
    }
}

/// A plausible email address: `local@domain.tld` without spaces.
pub fn email(e: &str) -> Result<()> {
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(char::is_whitespace)
                && e.len() <= 254
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::meteor(
            "error-invalid-email",
            format!("Invalid email {e}"),
        ))
    }
}

/// Presence statuses a user may choose.
pub fn status(s: &str) -> Result<()> {
    if matches!(s, "online" | "away" | "busy" | "offline") {
        Ok(())
    } else {
        Err(Error::invalid_params(
            "must be equal to one of the allowed values: online, away, busy, offline",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert!(username("user.name-1_x").is_ok());
        assert!(username("bad name").is_err());
        assert!(username("").is_err());
        assert!(email("a@b.co").is_ok());
        assert!(email("a@b").is_err());
        assert!(email("a b@c.de").is_err());
        assert!(status("busy").is_ok());
        assert!(status("sleeping").is_err());
    }
}
