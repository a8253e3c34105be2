//! The address a request came from, as the server saw it. This is what the access log
//! and a finding's history record: the TCP peer, or — only when that peer is a
//! configured trusted proxy — the address the proxy forwarded. Never what a client
//! says about itself.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::AppState;
use crate::error::ApiError;

/// The client's address as the server established it. The access-log layer inserts it
/// into every request's extensions; handlers take it as an extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl FromRequestParts<Arc<AppState>> for ClientAddr {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        _state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        if let Some(a) = parts.extensions.get::<ClientAddr>() {
            return Ok(*a);
        }
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| ClientAddr(c.0.ip().to_canonical()))
            .ok_or_else(|| ApiError::internal("the connection's address is unknown"))
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed (`serve --trusted-proxy`).
/// Behind the documented nginx set-up every connection comes from the proxy; only the
/// header it adds says which console is behind it. From any other peer the header is
/// what a client says about itself, and is ignored.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

/// A `--trusted-proxy` value that is neither an address nor a network.
#[derive(Debug, thiserror::Error)]
#[error("--trusted-proxy {0:?}: expected an address (10.0.0.1, ::1) or a network (10.0.0.0/8)")]
pub struct BadProxy(pub String);

impl TrustedProxies {
    /// Parse `--trusted-proxy` values: addresses or networks in CIDR notation.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<TrustedProxies, BadProxy> {
        values
            .iter()
            .map(|v| {
                let v = v.as_ref().trim();
                v.parse::<ipnet::IpNet>()
                    .or_else(|_| v.parse::<IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| BadProxy(v.to_string()))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `addr` is one of the trusted proxies. An IPv4 peer seen on an IPv6
    /// socket (`::ffff:10.0.0.1`) is the IPv4 address.
    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        self.0.iter().any(|net| net.contains(&addr))
    }

    /// The client's address for a request that came from TCP peer `peer` with these
    /// `X-Forwarded-For` header values (in order). The standard rule: when the peer is
    /// a trusted proxy, walk the forwarded list from the right (the entry the nearest
    /// proxy added) past further trusted proxies; the first other address is the
    /// client. The entries left of it were written by the client and are never read,
    /// so they cannot make a request appear to come from elsewhere. A malformed entry
    /// reached on the way, or no header at all, leaves the peer.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a [u8]>,
    ) -> ClientAddr {
        let peer = ClientAddr(peer.to_canonical());
        if !self.contains(peer.0) {
            return peer;
        }
        let mut entries = Vec::new();
        for value in forwarded_for {
            let Ok(value) = std::str::from_utf8(value) else {
                return peer;
            };
            entries.extend(value.split(','));
        }
        let mut last = None;
        for entry in entries.iter().rev() {
            let Some(addr) = forwarded_entry(entry) else {
                return peer;
            };
            if !self.contains(addr) {
                return ClientAddr(addr);
            }
            last = Some(addr);
        }
        // Every entry a trusted proxy: the farthest one is where the request entered.
        last.map_or(peer, ClientAddr)
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port as some proxies write
/// it (`10.0.0.1:5000`, `[2001:db8::1]:5000`).
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(a) = entry.parse::<IpAddr>() {
        return Some(a.to_canonical());
    }
    entry
        .parse::<SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse(&["10.0.0.1", "192.168.0.0/16"]).expect("valid")
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn client(peer: &str, xff: &[&str]) -> String {
        proxies()
            .client(ip(peer), xff.iter().map(|v| v.as_bytes()))
            .to_string()
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        assert_eq!(client("203.0.113.7", &["198.51.100.1"]), "203.0.113.7");
        assert_eq!(client("10.0.0.1", &["198.51.100.1"]), "198.51.100.1");
        assert_eq!(client("::ffff:10.0.0.1", &["198.51.100.1"]), "198.51.100.1");
        assert_eq!(client("10.0.0.1", &[]), "10.0.0.1");
    }

    #[test]
    fn the_rightmost_untrusted_entry_is_the_client() {
        // The client wrote "1.2.3.4" itself; nginx appended the address it saw.
        assert_eq!(
            client("10.0.0.1", &["1.2.3.4, 198.51.100.1"]),
            "198.51.100.1"
        );
        // Through two proxies of ours.
        assert_eq!(
            client("10.0.0.1", &["1.2.3.4, 198.51.100.1, 192.168.3.3"]),
            "198.51.100.1"
        );
        // Two header lines are one list.
        assert_eq!(
            client("10.0.0.1", &["1.2.3.4", "198.51.100.1"]),
            "198.51.100.1"
        );
        // Only proxies of ours: the farthest.
        assert_eq!(
            client("10.0.0.1", &["192.168.1.1, 10.0.0.1"]),
            "192.168.1.1"
        );
        assert_eq!(client("10.0.0.1", &["198.51.100.1:5000"]), "198.51.100.1");
        assert_eq!(client("10.0.0.1", &["[2001:db8::1]:5000"]), "2001:db8::1");
    }

    #[test]
    fn a_malformed_header_leaves_the_peer() {
        assert_eq!(client("10.0.0.1", &["not-an-address"]), "10.0.0.1");
        assert_eq!(client("10.0.0.1", &[""]), "10.0.0.1");
        assert_eq!(client("10.0.0.1", &["198.51.100.1, "]), "10.0.0.1");
        // Garbage the client wrote left of the proxy's entry is never read.
        assert_eq!(
            client("10.0.0.1", &["garbage, 198.51.100.1"]),
            "198.51.100.1"
        );
        let raw: &[u8] = b"\xff\xfe";
        assert_eq!(
            proxies().client(ip("10.0.0.1"), [raw]).to_string(),
            "10.0.0.1"
        );
    }

    #[test]
    fn bad_proxy_values_are_named() {
        let e = TrustedProxies::parse(&["10.0.0.0/33"]).expect_err("bad");
        assert!(e.to_string().contains("10.0.0.0/33"), "{e}");
        assert!(TrustedProxies::parse(&["nginx"]).is_err());
        assert!(TrustedProxies::parse(&["::1", "fd00::/8"]).is_ok());
    }
}
