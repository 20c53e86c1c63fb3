//! Which destinations server-initiated HTTP may reach.
//!
//! The default refuses every address in the ranges Rocket.Chat's `checkUrlForSsrf` blocks
//! (loopback, private, link-local, carrier-grade NAT, documentation, benchmarking, multicast,
//! reserved, cloud metadata) and their IPv6 counterparts, and the host name
//! `metadata.google.internal`. IPv6 addresses that carry an IPv4 address (mapped `::ffff:a.b.c.d`,
//! NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by that IPv4 address. An allow list of
//! hosts, addresses and networks opens chosen private destinations (an intranet image server, a
//! test's local server).

use crate::OutboundError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use url::{Host, Url};

/// IPv4 networks no request may reach unless allowed (Rocket.Chat's `checkUrlForSsrf` list).
const BLOCKED_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),          // "this" network
    (Ipv4Addr::new(10, 0, 0, 0), 8),         // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),      // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),        // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),     // link-local, cloud metadata
    (Ipv4Addr::new(172, 16, 0, 0), 12),      // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),       // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),       // TEST-NET-1
    (Ipv4Addr::new(192, 88, 99, 0), 24),     // 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),     // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),      // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24),    // TEST-NET-2
    (Ipv4Addr::new(203, 0, 113, 0), 24),     // TEST-NET-3
    (Ipv4Addr::new(224, 0, 0, 0), 4),        // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),        // reserved, with 255.255.255.255 (broadcast)
    (Ipv4Addr::new(100, 100, 100, 200), 32), // Alibaba Cloud metadata
];

/// IPv6 networks no request may reach unless allowed. Addresses carrying an IPv4 address are
/// judged by it before this list (see [`embedded_v4`]).
const BLOCKED_V6: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64 (RFC 8215)
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard-only
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (deprecated)
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// Host names refused whatever they resolve to (cloud metadata services).
const BLOCKED_HOSTS: &[&str] = &["metadata.google.internal"];

/// An IP network: an address and a prefix length (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// The network of `addr` with `prefix` leading bits; `None` when the prefix is longer than
    /// the address.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= bits).then_some(Self { addr, prefix })
    }

    /// Whether `ip` lies in this network. IPv4-mapped IPv6 addresses count as their IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => in_v4(net, self.prefix, ip),
            (IpAddr::V6(net), IpAddr::V6(ip)) => in_v6(net, self.prefix, ip),
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = String;

    /// `ADDR/PREFIX`, or a bare address (the network of that one address).
    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or network"))?;
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| format!("{s:?}: the prefix length must be a number"))?,
        };
        Self::new(addr, prefix).ok_or_else(|| format!("{s:?}: the prefix length is over {bits}"))
    }
}

fn in_v4(net: Ipv4Addr, prefix: u8, ip: Ipv4Addr) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(net) & mask == u32::from(ip) & mask
}

fn in_v6(net: Ipv6Addr, prefix: u8, ip: Ipv6Addr) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(net) & mask == u128::from(ip) & mask
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`) addresses reach that IPv4 host.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let bits = u128::from(ip);
    if in_v6(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96, ip) {
        // The low 32 bits, by construction of a /96 prefix.
        return Some(Ipv4Addr::from((bits & 0xffff_ffff) as u32));
    }
    if in_v6(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, ip) {
        return Some(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
    }
    None
}

/// Whether `ip` is in a blocked range (loopback, private, link-local, reserved, ...).
pub fn is_blocked(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => BLOCKED_V4.iter().any(|&(net, p)| in_v4(net, p, v4)),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_blocked(IpAddr::V4(v4)),
            None => BLOCKED_V6.iter().any(|&(net, p)| in_v6(net, p, v6)),
        },
    }
}

/// A host name as compared: lower case (the URL parser already lowers and punycodes domains),
/// without the root's trailing dot.
fn normalize_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Which destinations server-initiated HTTP may reach: http and https only, never a blocked
/// address unless the allow list names the host, the address or its network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Host names whose every address may be reached (exact names, no wildcards).
    allow_hosts: Vec<String>,
    /// Addresses and networks that may be reached although private.
    allow_nets: Vec<IpNet>,
}

impl OutboundPolicy {
    /// The default policy with an allow list: entries separated by commas or white space, each
    /// a host name (`localhost`, `images.intranet`), an address (`10.1.2.3`, `[fd00::1]`) or a
    /// network (`127.0.0.1/32`, `10.0.0.0/8`).
    pub fn with_allow_list(list: &str) -> Result<Self, String> {
        let mut policy = Self::default();
        for entry in list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            let looks_like_ip = entry.contains('/')
                || entry.contains(':')
                || entry.parse::<Ipv4Addr>().is_ok()
                || entry.starts_with('[');
            if looks_like_ip {
                policy.allow_nets.push(entry.parse()?);
            } else if entry
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            {
                policy.allow_hosts.push(normalize_host(entry));
            } else {
                return Err(format!(
                    "{entry:?} is not a host name, an IP address or a network"
                ));
            }
        }
        Ok(policy)
    }

    /// Whether the allow list names this host.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = normalize_host(host);
        self.allow_hosts.contains(&host)
    }

    /// Whether `ip` may be reached by a host the allow list does not name.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        !is_blocked(ip) || self.allow_nets.iter().any(|n| n.contains(ip))
    }

    /// Checks `url` and resolves its host once: the addresses to connect to, every one of them
    /// allowed. The caller connects to these and nothing else, so a second DNS answer (DNS
    /// rebinding) cannot reach another address.
    pub async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, OutboundError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(OutboundError::Refused(format!(
                "the {} scheme is not allowed (only http and https)",
                url.scheme()
            )));
        }
        let port = url
            .port_or_known_default()
            .ok_or_else(|| OutboundError::InvalidUrl(format!("{url}: no port")))?;
        let (addrs, host_allowed) = match url.host() {
            None => return Err(OutboundError::InvalidUrl(format!("{url}: no host"))),
            Some(Host::Ipv4(ip)) => (vec![SocketAddr::new(IpAddr::V4(ip), port)], false),
            Some(Host::Ipv6(ip)) => (vec![SocketAddr::new(IpAddr::V6(ip), port)], false),
            Some(Host::Domain(name)) => {
                let host_allowed = self.allows_host(name);
                if !host_allowed && BLOCKED_HOSTS.contains(&normalize_host(name).as_str()) {
                    return Err(OutboundError::Refused(format!("{name} is not allowed")));
                }
                let found = tokio::net::lookup_host((name, port))
                    .await
                    .map_err(|e| OutboundError::Network(format!("cannot resolve {name}: {e}")))?;
                let mut addrs: Vec<SocketAddr> = Vec::new();
                for a in found {
                    if !addrs.contains(&a) {
                        addrs.push(a);
                    }
                }
                (addrs, host_allowed)
            }
        };
        if addrs.is_empty() {
            return Err(OutboundError::Network(format!(
                "{} has no address",
                url.host_str().unwrap_or_default()
            )));
        }
        if !host_allowed && let Some(bad) = addrs.iter().find(|a| !self.allows_ip(a.ip())) {
            return Err(OutboundError::Refused(format!(
                "{} is {}, a private or reserved address",
                url.host_str().unwrap_or_default(),
                bad.ip()
            )));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn v4_ranges() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "127.255.255.254",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "100.100.100.200",
        ] {
            assert!(is_blocked(ip(a)), "{a} should be blocked");
        }
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.1",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(!is_blocked(ip(a)), "{a} should be allowed");
        }
    }

    #[test]
    fn v6_ranges_and_embedded_v4() {
        for a in [
            "::",
            "::1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
            "64:ff9b:1::1",
            // IPv4-mapped, NAT64 and 6to4 forms of blocked IPv4 addresses.
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:c0a8:101::",
        ] {
            assert!(is_blocked(ip(a)), "{a} should be blocked");
        }
        for a in [
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:db9::1",
        ] {
            assert!(!is_blocked(ip(a)), "{a} should be allowed");
        }
    }

    #[test]
    fn allow_list_parses_and_opens() {
        let p = OutboundPolicy::with_allow_list(
            " 127.0.0.1/32, LocalHost., 10.0.0.0/8 [fd00::1] images.intranet",
        )
        .unwrap();
        assert!(p.allows_ip(ip("127.0.0.1")));
        assert!(p.allows_ip(ip("::ffff:127.0.0.1")), "mapped counts as v4");
        assert!(!p.allows_ip(ip("127.0.0.2")));
        assert!(p.allows_ip(ip("10.200.0.1")));
        assert!(p.allows_ip(ip("fd00::1")));
        assert!(!p.allows_ip(ip("fd00::2")));
        assert!(!p.allows_ip(ip("169.254.169.254")));
        assert!(p.allows_ip(ip("8.8.8.8")));
        assert!(p.allows_host("localhost"));
        assert!(p.allows_host("IMAGES.intranet."));
        assert!(!p.allows_host("intranet"));
        assert!(OutboundPolicy::with_allow_list("").unwrap() == OutboundPolicy::default());
        for bad in ["10.0.0.0/33", "::1/129", "10.0.0.0/x", "a b/c", "ex ample?"] {
            assert!(OutboundPolicy::with_allow_list(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn resolve_checks_scheme_host_and_every_address() {
        let p = OutboundPolicy::default();
        let url = |s: &str| Url::parse(s).unwrap();
        let refused =
            |r: Result<Vec<SocketAddr>, OutboundError>| matches!(r, Err(OutboundError::Refused(_)));
        assert!(refused(p.resolve(&url("ftp://8.8.8.8/a")).await));
        assert!(refused(p.resolve(&url("file:///etc/passwd")).await));
        assert!(refused(p.resolve(&url("http://127.0.0.1:8080/")).await));
        // Other spellings of loopback the URL parser turns into addresses.
        assert!(refused(p.resolve(&url("http://2130706433/")).await));
        assert!(refused(p.resolve(&url("http://0x7f.1/")).await));
        assert!(refused(p.resolve(&url("http://[::ffff:7f00:1]/")).await));
        assert!(refused(
            p.resolve(&url("http://169.254.169.254/latest")).await
        ));
        assert!(refused(
            p.resolve(&url("http://metadata.google.internal./computeMetadata/v1/"))
                .await
        ));
        // localhost resolves (without DNS) to loopback only.
        assert!(refused(p.resolve(&url("http://localhost:9/")).await));
        let open = OutboundPolicy::with_allow_list("localhost").unwrap();
        let addrs = open.resolve(&url("http://localhost:9/")).await.unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 9));
        assert_eq!(
            p.resolve(&url("https://8.8.8.8/")).await.unwrap(),
            vec![SocketAddr::new(ip("8.8.8.8"), 443)]
        );
    }
}
