//! Identifiers in Rocket.Chat's formats: Meteor `Random.id()` document ids and `Random.secret()` tokens.

use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Meteor's id alphabet (no look-alike characters); clients never parse ids but some check the length.
const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz";
/// Alphabet of `Random.secret()`, used for login and personal access tokens.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A new 17-character document id, as Meteor's `Random.id()` makes them.
pub fn random_id() -> String {
    random_from(ID_ALPHABET, 17)
}

/// A new 43-character secret (login tokens), as Meteor's `Random.secret()` makes them.
pub fn random_secret() -> String {
    random_from(SECRET_ALPHABET, 43)
}

fn random_from(alphabet: &[u8], len: usize) -> String {
    // ThreadRng is a CSPRNG (ChaCha) reseeded from the OS: fine for tokens.
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A fresh random id in Meteor's format.
            pub fn generate() -> Self {
                Self(random_id())
            }
            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// The `_id` of a user.
    UserId
);
string_id!(
    /// The `_id` of a room (`GENERAL` for the default channel).
    RoomId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_meteor_shape() {
        let id = random_id();
        assert_eq!(id.len(), 17);
        assert!(id.bytes().all(|b| ID_ALPHABET.contains(&b)));
        let secret = random_secret();
        assert_eq!(secret.len(), 43);
        assert_ne!(random_secret(), secret);
    }
}
