//! Password hashing: argon2id over the SHA-256 hex digest of the password, as Rocket.Chat's
//! bcrypt-over-digest scheme does (DDP clients send only the digest, so we must store a hash of it).

use apogee_core::{Error, Result};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::RngCore;
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
    cost: HashCost,
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

/// Blocks (1 KiB each) requested per hash at least: 34 MiB is above glibc's largest mmap
/// threshold (32 MiB), so the buffer is always its own mapping and goes back to the OS when dropped.
/// Without this, glibc raises its threshold after the first free and keeps every hash buffer in a
/// per-thread arena: RSS grew by ~19 MiB per blocking thread that ever hashed (256 MiB measured).
const UNRETAINED_BLOCKS: usize = 34 * 1024;

/// Runs argon2id with a buffer that is unmapped afterwards.
fn argon2id(params: Params, secret: &[u8], salt: &[u8], out: &mut [u8]) -> Result<()> {
    let count = params.block_count();
    let mut memory: Vec<Block> = Vec::with_capacity(count.max(UNRETAINED_BLOCKS));
    // Only the blocks argon2 uses are touched (written), so RSS grows by the cost, not the mapping.
    memory.resize(count, Block::new());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(secret, salt, out, &mut memory[..])
        .map_err(Error::internal)
}

/// The parts of a PHC string `$argon2id$v=19$m=..,t=..,p=..$salt$hash`.
struct Phc {
    params: Params,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse_phc(s: &str) -> Option<Phc> {
    let mut parts = s.split('$');
    if parts.next() != Some("") || parts.next() != Some("argon2id") || parts.next() != Some("v=19")
    {
        return None;
    }
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in parts.next()?.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return None,
        }
    }
    let salt = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
    let hash = STANDARD_NO_PAD.decode(parts.next()?).ok()?;
    if parts.next().is_some() || hash.is_empty() {
        return None;
    }
    let params = Params::new(m?, t?, p?, Some(hash.len())).ok()?;
    Some(Phc { params, salt, hash })
}

impl Passwords {
    /// A hasher with the given cost; at most `parallel` hashes run at once.
    pub fn new(cost: HashCost, parallel: usize) -> Result<Self> {
        Params::new(cost.memory_kib, cost.iterations, 1, None)
            .map_err(|e| Error::internal(format!("bad argon2 parameters: {e}")))?;
        Ok(Self {
            cost,
            permits: Arc::new(Semaphore::new(parallel.max(1))),
        })
    }

    /// The PHC string to store for a password given as its SHA-256 hex digest.
    pub async fn hash_digest(&self, digest: &str) -> Result<String> {
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let cost = self.cost;
        let digest = digest.to_ascii_lowercase();
        tokio::task::spawn_blocking(move || {
            let params = Params::new(cost.memory_kib, cost.iterations, 1, Some(32))
                .map_err(Error::internal)?;
            let mut salt = [0u8; 16];
            rand::rng().fill_bytes(&mut salt);
            let mut out = [0u8; 32];
            argon2id(params, digest.as_bytes(), &salt, &mut out)?;
            Ok(format!(
                "$argon2id$v=19$m={},t={},p=1${}${}",
                cost.memory_kib,
                cost.iterations,
                STANDARD_NO_PAD.encode(salt),
                STANDARD_NO_PAD.encode(out)
            ))
        })
        .await
        .map_err(Error::internal)?
    }

    /// Whether a digest matches a stored PHC string. Compares in constant time.
    pub async fn verify_digest(&self, digest: &str, stored: &str) -> Result<bool> {
        let Some(phc) = parse_phc(stored) else {
            return Ok(false);
        };
        let _permit = self.permits.acquire().await.map_err(Error::internal)?;
        let digest = digest.to_ascii_lowercase();
        tokio::task::spawn_blocking(move || {
            let mut out = vec![0u8; phc.hash.len()];
            argon2id(phc.params, digest.as_bytes(), &phc.salt, &mut out)?;
            Ok(crate::tokens::same_bytes(&out, &phc.hash))
        })
        .await
        .map_err(Error::internal)?
    }

    /// Runs one hash, so that unknown users take as long as known ones (no user enumeration by
    /// timing).
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

    /// Our PHC strings are standard: the argon2 crate's verifier accepts them and we accept its.
    #[tokio::test]
    async fn interoperates_with_the_argon2_crate() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let p = Passwords::new(
            HashCost {
                memory_kib: 1024,
                iterations: 1,
            },
            1,
        )
        .unwrap();
        let d = sha256_hex("pw");
        let ours = p.hash_digest(&d).await.unwrap();
        let params = Params::new(1024, 1, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        assert!(argon.verify_password(d.as_bytes(), ours.as_str()).is_ok());
        let theirs = argon.hash_password(d.as_bytes()).unwrap().to_string();
        assert!(p.verify_digest(&d, &theirs).await.unwrap());
        assert!(!p.verify_digest(&sha256_hex("nope"), &theirs).await.unwrap());
    }
}
