//! Password hashing: argon2id over the SHA-256 hex digest of the password, as Rocket.Chat's
//! bcrypt-over-digest scheme does (DDP clients send only the digest, so we must store a hash of it).

use apogee_core::{Error, Result};
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
}

impl Default for HashCost {
    /// OWASP's recommended argon2id floor: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
        }
    }
}

/// Hashes and verifies passwords on blocking threads, a bounded number at a time.
///
/// Each hash takes ~19 MiB and tens of milliseconds of CPU: running them on the async workers would
/// stall every other request, and running unboundedly many would let a login flood exhaust memory.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    permits: Arc<Semaphore>,
}

/// Lowercase hex SHA-256 of a plain password: the "digest" DDP clients send.
pub fn sha256_hex(plain: &str) -> String {
    hex::encode(Sha256::digest(plain.as_bytes()))
}

/// Whether a string looks like a SHA-256 hex digest.
pub fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Passwords {
    /// A hasher with the given cost; at most `parallel` hashes run at once.
    pub fn new(cost: HashCost, parallel: usize) -> Result<Self> {
        let params = Params::new(cost.memory_kib, cost.iterations, 1, None)
            .map_err(|e| Error::internal(format!("bad argon2 parameters: {e}")))?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(parallel.max(1))),
        })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string to store for a password given as its SHA-256 hex digest.
    pub async fn hash_digest(&self, digest: &str) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let argon = self.argon();
        let digest = digest.to_ascii_lowercase();
        tokio::task::spawn_blocking(move || {
            argon
                .hash_password(digest.as_bytes())
                .map(|h| h.to_string())
                .map_err(Error::internal)
        })
        .await
        .map_err(Error::internal)?
    }

    /// Whether a digest matches a stored PHC string. Runs in constant time in the digest.
    pub async fn verify_digest(&self, digest: &str, stored: &str) -> Result<bool> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let argon = self.argon();
        let digest = digest.to_ascii_lowercase();
        let stored = stored.to_owned();
        tokio::task::spawn_blocking(move || {
            argon
                .verify_password(digest.as_bytes(), stored.as_str())
                .is_ok()
        })
        .await
        .map_err(Error::internal)
    }

    /// Runs a verification against a fixed dummy hash, so that unknown users take as long as known
    /// ones (no user enumeration by timing).
    pub async fn burn(&self) {
        let _ = self.hash_digest(&sha256_hex("apogee-dummy")).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let p = Passwords::new(
            HashCost {
                memory_kib: 1024,
                iterations: 1,
            },
            2,
        )
        .unwrap();
        let d = sha256_hex("secret");
        assert!(is_digest(&d));
        let h = p.hash_digest(&d).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert!(p.verify_digest(&d, &h).await.unwrap());
        assert!(p.verify_digest(&d.to_uppercase(), &h).await.unwrap());
        assert!(!p.verify_digest(&sha256_hex("other"), &h).await.unwrap());
        assert!(!p.verify_digest(&d, "garbage").await.unwrap());
    }
}
