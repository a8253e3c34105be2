//! Connections that stay silent, or take too long over a request head, are closed. The
//! HTTP server as axum runs it has no header-read deadline, so a client that opens a
//! connection and sends nothing would hold it forever, and one that sends its request
//! head a byte every few seconds would too, since every byte shows it is alive; the
//! request timeout only starts once a request has been read. Here every connection's
//! reads carry two limits, both suspended while the server itself is still working on
//! one of its requests: an idle limit (time since the last byte), and a head deadline
//! (time since the first byte of a request head, however the bytes are spread).
//!
//! hyper's own `header_read_timeout` is not used: it runs from the moment hyper starts
//! waiting for a head, so on a kept-alive connection it is an idle limit too, and it
//! would close consoles' pooled connections after a few seconds of quiet.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};

use crate::gate::{Gate, Slot};

/// Longest a connection may go without sending a byte while the server waits for one.
/// Longer than the change feed's longest wait, so a long-polling console is never cut.
pub const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// Longest a client may take to send a whole request head, from its first byte. A
/// console sends its head in one packet; ten seconds is a very slow link.
pub const HEAD_LIMIT: Duration = Duration::from_secs(10);

/// The limits on a connection's reads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Silence allowed while the server waits for the client.
    pub idle: Duration,
    /// Time allowed for a request head, from its first byte.
    pub head: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle: IDLE_LIMIT,
            head: HEAD_LIMIT,
        }
    }
}

/// A stream whose reads fail with `TimedOut` after the idle limit in which no byte was
/// read and none could be written, or once a request head has been arriving for longer
/// than the head limit, unless the server is still working on a request of the
/// connection (an import, a write waiting for the store): that silence is the
/// server's, not the client's.
pub struct IdleTimeout<S> {
    inner: S,
    limits: Limits,
    /// When the current silence started to count, if it has.
    idle_since: Option<Instant>,
    /// When the first byte of a request head not yet complete arrived. A request head
    /// is complete when the server serves the request or answers.
    head_since: Option<Instant>,
    timer: Option<Pin<Box<Sleep>>>,
    /// The connection's place under the caps, given back when it is dropped.
    _slot: Option<Slot>,
    /// Where the connection's requests in progress are counted, and its peer address.
    in_flight: Option<(Arc<InFlight>, SocketAddr)>,
}

impl<S> IdleTimeout<S> {
    pub fn new(inner: S, limits: Limits) -> IdleTimeout<S> {
        IdleTimeout {
            inner,
            limits,
            idle_since: None,
            head_since: None,
            timer: None,
            _slot: None,
            in_flight: None,
        }
    }

    /// Do not time out while `in_flight` counts a request of `peer` (this connection).
    pub fn watching(mut self, in_flight: Arc<InFlight>, peer: SocketAddr) -> IdleTimeout<S> {
        self.in_flight = Some((in_flight, peer));
        self
    }

    /// Hold `slot` for as long as the connection lives.
    pub fn holding(mut self, slot: Slot) -> IdleTimeout<S> {
        self._slot = Some(slot);
        self
    }

    fn serving(&self) -> bool {
        self.in_flight
            .as_ref()
            .is_some_and(|(f, peer)| f.serving(*peer))
    }

    /// The error when a limit has passed at `now`, else when the next one falls due.
    fn check(&mut self, now: Instant) -> Result<Instant, io::Error> {
        if self.serving() {
            // Our own silence, and the head was read: look again a limit later.
            self.head_since = None;
            self.idle_since = Some(now);
            return Ok(now + self.limits.idle);
        }
        let idle_since = *self.idle_since.get_or_insert(now);
        if let Some(head) = self.head_since
            && now >= head + self.limits.head
        {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "request head not complete within {} s of its first byte",
                    self.limits.head.as_secs()
                ),
            ));
        }
        if now >= idle_since + self.limits.idle {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("nothing received for {} s", self.limits.idle.as_secs()),
            ));
        }
        let idle_at = idle_since + self.limits.idle;
        Ok(match self.head_since {
            Some(head) => idle_at.min(head + self.limits.head),
            None => idle_at,
        })
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.idle_since = None;
                // The requests-in-progress table is shared by all connections: looked
                // at only when a head may start or may be overdue, not on every read.
                let now = Instant::now();
                if buf.filled().len() > before && this.head_since.is_none() && !this.serving() {
                    // The first byte of a request head (or of a body nobody waits for).
                    this.head_since = Some(now);
                }
                if this
                    .head_since
                    .is_some_and(|head| now >= head + this.limits.head)
                    && let Err(e) = this.check(now)
                {
                    return Poll::Ready(Err(e));
                }
                this.idle_since = None;
                Poll::Ready(r)
            }
            Poll::Pending => loop {
                let at = match this.check(Instant::now()) {
                    Ok(at) => at,
                    Err(e) => return Poll::Ready(Err(e)),
                };
                match &mut this.timer {
                    Some(t) if t.deadline() == at => {}
                    Some(t) => t.as_mut().reset(at),
                    None => this.timer = Some(Box::pin(tokio::time::sleep_until(at))),
                }
                if let Some(t) = &mut this.timer
                    && t.as_mut().poll(cx).is_pending()
                {
                    return Poll::Pending;
                }
            },
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.inner).poll_write(cx, data);
        // A response on its way out (a large checkpoint over a slow link) is not
        // silence: hyper keeps a read pending meanwhile, and that read must not time out
        // while the client is still taking the bytes.
        // An answer also means the request head before it was complete.
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.idle_since = None;
            this.head_since = None;
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Requests being served, per connection (by peer address and port): counted by the
/// access-log layer around every request, read by [`IdleTimeout`].
#[derive(Default)]
pub struct InFlight(Mutex<HashMap<SocketAddr, usize>>);

/// A request in progress; counted until dropped (answered, or abandoned).
pub struct Serving {
    in_flight: Arc<InFlight>,
    peer: SocketAddr,
}

impl InFlight {
    pub fn begin(self: &Arc<InFlight>, peer: SocketAddr) -> Serving {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(peer).or_insert(0) += 1;
        }
        Serving {
            in_flight: self.clone(),
            peer,
        }
    }

    fn serving(&self, peer: SocketAddr) -> bool {
        self.0.lock().is_ok_and(|m| m.contains_key(&peer))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(mut m) = self.in_flight.0.lock()
            && let Some(n) = m.get_mut(&self.peer)
        {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.peer);
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
