//! Server-initiated HTTP (fetching an avatar from a URL, and later link previews and outgoing
//! webhooks) behind an [`OutboundPolicy`].
//!
//! A request never reaches a destination the policy refuses:
//! - the host is resolved once per hop with `tokio::net::lookup_host`, and **every** address must
//!   pass the policy (one private answer refuses the request);
//! - the connection goes to those checked addresses only (we open the TCP connection ourselves),
//!   so a second DNS answer cannot rebind the name to an internal address;
//! - redirects are followed by hand, at most [`OutboundOptions::max_redirects`], each `Location`
//!   checked like the first URL;
//! - a total timeout covers resolution, connection, headers and body; each connection attempt
//!   has its own shorter timeout;
//! - the body is read frame by frame and the request fails as soon as it passes the caller's
//!   limit, so nothing is buffered beyond it.
//!
//! HTTP/1.1 only, over hyper's connection API. https uses rustls with the `ring` provider passed
//! explicitly and Mozilla's roots (webpki-roots), so it works whatever the process-wide rustls
//! provider is (see [`install_default_crypto_provider`] for that one).

mod fetch;
pub mod policy;

pub use policy::{IpNet, OutboundPolicy, is_blocked};

use std::sync::Arc;
use std::time::Duration;

/// Why a request failed, in kinds callers map onto their own errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// Not a URL, or one without a host.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    /// The policy refuses the destination (scheme, host name or address).
    #[error("refused by the outbound policy: {0}")]
    Refused(String),
    /// The whole request took longer than the total timeout.
    #[error("timed out")]
    Timeout,
    /// Resolution, connection, TLS or HTTP failed.
    #[error("network error: {0}")]
    Network(String),
    /// The body is longer than the caller's limit.
    #[error("the response is larger than {limit} bytes")]
    TooLarge {
        /// The caller's limit, in bytes.
        limit: usize,
    },
    /// More redirects than allowed.
    #[error("more than {limit} redirects")]
    TooManyRedirects {
        /// The number of redirects allowed.
        limit: usize,
    },
}

/// A response to [`Outbound::get`] (after redirects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL that answered (the last hop).
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// The `Content-Type` header, when present and readable.
    pub content_type: Option<String>,
    /// The body, at most the caller's `max_bytes`.
    pub body: Vec<u8>,
}

/// Timeouts and limits of outbound requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundOptions {
    /// The whole request, redirects included.
    pub timeout: Duration,
    /// One TCP connection attempt (per resolved address).
    pub connect_timeout: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for OutboundOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_redirects: 3,
            user_agent: format!("Apogee/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// The HTTP client for server-initiated requests; cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    inner: Arc<Inner>,
}

struct Inner {
    policy: OutboundPolicy,
    options: OutboundOptions,
    /// The TLS client configuration, or why there is none (https then fails with that reason).
    tls: Result<Arc<rustls::ClientConfig>, String>,
}

impl Outbound {
    /// A client enforcing `policy` with `options`.
    pub fn new(policy: OutboundPolicy, options: OutboundOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                policy,
                options,
                tls: fetch::tls_config().map(Arc::new),
            }),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &OutboundPolicy {
        &self.inner.policy
    }

    /// The timeouts and limits in force.
    pub fn options(&self) -> &OutboundOptions {
        &self.inner.options
    }

    /// `GET url`, following up to [`OutboundOptions::max_redirects`] redirects (each checked
    /// against the policy), with a body of at most `max_bytes`. Any status is a success here;
    /// the caller decides what a 404 means.
    pub async fn get(&self, url: &str, max_bytes: usize) -> Result<Fetched, OutboundError> {
        let url = url::Url::parse(url.trim())
            .map_err(|e| OutboundError::InvalidUrl(format!("{url:?}: {e}")))?;
        tokio::time::timeout(self.inner.options.timeout, self.follow(url, max_bytes))
            .await
            .map_err(|_| OutboundError::Timeout)?
    }

    async fn follow(&self, mut url: url::Url, max_bytes: usize) -> Result<Fetched, OutboundError> {
        let limit = self.inner.options.max_redirects;
        let mut redirects = 0;
        loop {
            let addrs = self.inner.policy.resolve(&url).await?;
            match fetch::exchange(&self.inner, &url, &addrs, max_bytes).await? {
                fetch::Hop::Done(fetched) => return Ok(fetched),
                fetch::Hop::Redirect(location) => {
                    if redirects == limit {
                        return Err(OutboundError::TooManyRedirects { limit });
                    }
                    redirects += 1;
                    url = url.join(&location).map_err(|e| {
                        OutboundError::InvalidUrl(format!("redirect to {location:?}: {e}"))
                    })?;
                }
            }
        }
    }
}

impl Default for Outbound {
    /// The default policy (no private destination) and default options.
    fn default() -> Self {
        Self::new(OutboundPolicy::default(), OutboundOptions::default())
    }
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("policy", &self.inner.policy)
            .field("options", &self.inner.options)
            .field("tls", &self.inner.tls.is_ok())
            .finish()
    }
}

/// Installs rustls' `ring` provider as the process-wide default (once, early in `main`). sqlx
/// brings ring; nothing may bring aws-lc. Without a process default, any library calling
/// `rustls::ClientConfig::builder()` (async-nats's TLS, reqwest with `rustls-no-provider`)
/// panics. Installing twice is harmless (the first provider stays).
pub fn install_default_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests;
