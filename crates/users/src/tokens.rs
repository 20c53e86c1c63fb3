//! Token hashing: Rocket.Chat stores `base64(sha256(token))`; so do we, and compare in constant time.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `base64(sha256(token))` with standard padding, Rocket.Chat's `hashedToken`.
pub fn hash_token(token: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time string equality (for hashes and secrets).
pub fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// Constant-time byte equality.
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_like_rocket_chat() {
        // sha256("abc") in base64.
        assert_eq!(
            hash_token("abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert!(same("x", "x"));
        assert!(!same("x", "y"));
        assert!(!same("x", "xx"));
    }
}
