//! How many connections are served at once, in all and from one address. The idle
//! limit ([`super::idle`]) closes a silent connection, but a client trickling a byte
//! now and then could still open connections without end; with a cap each, one host
//! gone wrong (or hostile) cannot take the server from the rest of the province.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::idle::{IdleTimeout, InFlight, accept};

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
}

/// One admitted connection's place; given back when the connection is dropped.
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    peer: IpAddr,
    gate: Arc<Gate>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.gate.per_peer.lock()
            && let Some(n) = m.get_mut(&self.peer)
        {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.peer);
            }
        }
    }
}

impl Gate {
    pub fn new(max_connections: usize, max_per_peer: usize) -> Arc<Gate> {
        Arc::new(Gate {
            total: Arc::new(Semaphore::new(max_connections.max(1))),
            per_peer_max: max_per_peer.max(1),
            per_peer: Mutex::new(HashMap::new()),
        })
    }

    /// A place for a connection from `peer`, or `None` when that address already
    /// holds its share.
    fn claim(self: &Arc<Gate>, peer: IpAddr, permit: OwnedSemaphorePermit) -> Option<Slot> {
        let mut m = self.per_peer.lock().ok()?;
        let n = m.entry(peer).or_insert(0);
        if *n >= self.per_peer_max {
            return None;
        }
        *n += 1;
        Some(Slot {
            _permit: permit,
            peer,
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

    /// The next connection the caps allow, with the idle limit on it. At the total
    /// cap nothing is accepted (new connections wait in the kernel's backlog) until
    /// one closes; a connection from an address over its share is closed at once.
    pub async fn admit(
        self: &Arc<Gate>,
        tcp: &TcpListener,
        idle: Duration,
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
                    let io = IdleTimeout::new(stream, idle)
                        .holding(slot)
                        .watching(in_flight.clone(), peer);
                    return (io, peer);
                }
                None => {
                    eprintln!(
                        "govcheck serve: {peer}: refused, {} connections from that address already",
                        self.per_peer_max
                    );
                    drop(stream);
                }
            }
        }
    }
}
