//! The address a request came from, as the server saw it. This is what the access log
//! and a finding's history record: the TCP peer, or — only when that peer is a
//! configured trusted proxy — the address the proxy forwarded. Never what a client
//! says about itself.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;

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
            .map(|c| ClientAddr(c.0.ip()))
            .ok_or_else(|| ApiError::internal("the connection's address is unknown"))
    }
}
