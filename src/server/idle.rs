//! Connections that stay silent are closed. The HTTP server as axum runs it has no
//! header-read deadline, so a client that opens a connection and sends nothing (or one
//! byte now and then) would hold it forever; the request timeout only starts once a
//! request has been read. Here every connection's reads carry an idle limit instead,
//! suspended while the server itself is still working on one of its requests.

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

use super::gate::{Gate, Slot};

/// Longest a connection may go without sending a byte while the server waits for one.
/// Longer than the change feed's longest wait, so a long-polling console is never cut.
pub const IDLE_LIMIT: Duration = Duration::from_secs(60);

/// A stream whose reads fail with `TimedOut` after `limit` in which no byte was read
/// and none could be written, unless the server is still working on a request of the
/// connection (an import, a write waiting for the store): that silence is the
/// server's, not the client's.
pub struct IdleTimeout<S> {
    inner: S,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    /// The connection's place under the caps, given back when it is dropped.
    _slot: Option<Slot>,
    /// Where the connection's requests in progress are counted, and its peer address.
    in_flight: Option<(Arc<InFlight>, SocketAddr)>,
}

impl<S> IdleTimeout<S> {
    pub fn new(inner: S, limit: Duration) -> IdleTimeout<S> {
        IdleTimeout {
            inner,
            limit,
            deadline: None,
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
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.deadline = None;
                Poll::Ready(r)
            }
            Poll::Pending => {
                let limit = this.limit;
                let deadline = this.deadline.get_or_insert_with(|| {
                    Box::pin(tokio::time::sleep_until(Instant::now() + limit))
                });
                loop {
                    if deadline.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let serving = this
                        .in_flight
                        .as_ref()
                        .is_some_and(|(f, peer)| f.serving(*peer));
                    if !serving {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            format!("nothing received for {} s", limit.as_secs()),
                        )));
                    }
                    // Our own silence: look again a limit later.
                    deadline.as_mut().reset(Instant::now() + limit);
                }
            }
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
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.deadline = None;
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
                eprintln!("govcheck serve: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A plain-HTTP listener whose connections carry the idle limit and the caps.
pub struct PlainListener {
    pub tcp: TcpListener,
    pub limit: Duration,
    pub gate: Arc<Gate>,
    pub in_flight: Arc<InFlight>,
}

impl axum::serve::Listener for PlainListener {
    type Io = IdleTimeout<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        self.gate
            .admit(&self.tcp, self.limit, &self.in_flight)
            .await
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
