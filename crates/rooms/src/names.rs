//! Room name rules: Rocket.Chat's default `UTF8_Channel_Names_Validation` is `[0-9a-zA-Z-_.]+`.

use apogee_core::{Error, Result};

/// Validates a channel or group name.
pub fn validate(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Error::meteor(
            "error-invalid-room-name",
            format!("{name} is not a valid room name"),
        ))
    }
}
