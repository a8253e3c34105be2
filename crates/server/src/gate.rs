//! How many connections are served at once, in all and from one address. The idle
//! limit ([`crate::idle`]) closes a silent connection, but a client trickling a byte
//! now and then could still open connections without end; with a cap each, one host
//! gone wrong (or hostile) cannot take the server from the rest of the province.
//!
//! A trusted reverse proxy (`serve --trusted-proxy`) is not one host: every console
//! behind it, each with its change feed's long poll open, arrives from its address.
//! Its connections are held only against the total cap; the per-address share applies
//! instead to the requests of each client it forwards ([`Gate::begin_request`]), so
//! one console gone wrong behind the proxy is still stopped without the others.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::idle::{IdleTimeout, InFlight, Limits};
use crate::peer::{ClientAddr, TrustedProxies};

/// Connections served at once, by default: every console of a province holds one or
/// two (a request and the change feed's long poll).
pub const MAX_CONNECTIONS: usize = 1024;
/// Connections from one address at once, by default: an office behind one NAT address
/// with a few dozen consoles still fits.
pub const MAX_PER_PEER: usize = 128;

/// The caps, and what is held against them.
pub struct Gate {
    total: Arc<Semaphore>,
    per_peer_max: usize,
    per_peer: Mutex<HashMap<IpAddr, usize>>,
    trusted: TrustedProxies,
    /// Requests in progress per forwarded client (behind a trusted proxy).
    per_client: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// A forwarded client's request in progress; counted until dropped.
pub struct RequestSlot {
    client: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for RequestSlot {
    fn drop(&mut self) {
        release(&self.counts, self.client);
    }
}

fn release(counts: &Mutex<HashMap<IpAddr, usize>>, key: IpAddr) {
    if let Ok(mut m) = counts.lock()
        && let Some(n) = m.get_mut(&key)
    {
        *n -= 1;
        if *n == 0 {
            m.remove(&key);
        }
    }
}

/// One admitted connection's place; given back when the connection is dropped.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    /// The address it counts against, unless it came from a trusted proxy.
    peer: Option<IpAddr>,
    gate: Arc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(peer) = self.peer {
            release(&self.gate.per_peer, peer);
        }
    }
}

impl Gate {
    pub fn new(max_connections: usize, max_per_peer: usize, trusted: TrustedProxies) -> Arc<Gate> {
        Arc::new(Gate {
            total: Arc::new(Semaphore::new(max_connections.max(1))),
            per_peer_max: max_per_peer.max(1),
            per_peer: Mutex::new(HashMap::new()),
            trusted,
            per_client: Arc::default(),
        })
    }

    /// The proxies whose `X-Forwarded-For` is believed.
    pub fn trusted(&self) -> &TrustedProxies {
        &self.trusted
    }

    /// Count a request of `client`, forwarded by the trusted proxy `peer`, against the
    /// per-address share: `Err` with the share when that client already has as many
    /// requests in progress. Requests straight from their peer are `Ok(None)`: their
    /// connections were counted at accept, and HTTP/1 serves one request at a time on
    /// each.
    pub fn begin_request(
        &self,
        peer: IpAddr,
        client: ClientAddr,
    ) -> Result<Option<RequestSlot>, usize> {
        if !self.trusted.contains(peer) {
            return Ok(None);
        }
        let Ok(mut m) = self.per_client.lock() else {
            return Ok(None);
        };
        let n = m.entry(client.0).or_insert(0);
        if *n >= self.per_peer_max {
            return Err(self.per_peer_max);
        }
        *n += 1;
        Ok(Some(RequestSlot {
            client: client.0,
            counts: self.per_client.clone(),
        }))
    }

    /// A place for a connection from `peer`, or `None` when that address already
    /// holds its share.
    fn claim(self: &Arc<Gate>, peer: IpAddr, permit: OwnedSemaphorePermit) -> Option<Slot> {
        if self.trusted.contains(peer) {
            return Some(Slot {
                _permit: permit,
                peer: None,
                gate: self.clone(),
            });
        }
        let mut m = self.per_peer.lock().ok()?;
        let n = m.entry(peer).or_insert(0);
        if *n >= self.per_peer_max {
            return None;
        }
        *n += 1;
        Some(Slot {
            _permit: permit,
            peer: Some(peer),
            gate: self.clone(),
        })
    }

    /// Connections from `peer` held now.
    pub fn held_by(&self, peer: IpAddr) -> usize {
        self.per_peer
            .lock()
            .map(|m| m.get(&peer).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// The next connection the caps allow, with the idle and head limits on it. At the total
    /// cap nothing is accepted (new connections wait in the kernel's backlog) until
    /// one closes; a connection from an address over its share is closed at once.
    pub async fn admit(
        self: &Arc<Gate>,
        tcp: &TcpListener,
        limits: Limits,
        in_flight: &Arc<InFlight>,
    ) -> (IdleTimeout<TcpStream>, SocketAddr) {
        loop {
            // The semaphore is never closed, so this only waits.
            let Ok(permit) = self.total.clone().acquire_owned().await else {
                std::future::pending::<()>().await;
                continue;
            };
            let (stream, peer) = accept(tcp).await;
            match self.claim(peer.ip(), permit) {
                Some(slot) => {
                    let _ = stream.set_nodelay(true);
                    let io = IdleTimeout::new(stream, limits)
                        .holding(slot)
                        .watching(in_flight.clone(), peer);
                    return (io, peer);
                }
                None => {
                    tracing::warn!(
                        "govcheck serve: {peer}: refused, {} connections from that address already",
                        self.per_peer_max
                    );
                    drop(stream);
                }
            }
        }
    }
}

/// Accept the next TCP connection, retrying after errors such as running out of file
/// descriptors (waiting a little instead of spinning).
pub async fn accept(tcp: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match tcp.accept().await {
            Ok(c) => return c,
            Err(e) => {
                tracing::warn!("govcheck serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A plain-HTTP listener whose connections carry the idle limit and the caps.
pub struct PlainListener {
    pub tcp: TcpListener,
    pub limits: Limits,
    pub gate: Arc<Gate>,
    pub in_flight: Arc<InFlight>,
}

impl axum::serve::Listener for PlainListener {
    type Io = IdleTimeout<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        self.gate
            .admit(&self.tcp, self.limits, &self.in_flight)
            .await
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
