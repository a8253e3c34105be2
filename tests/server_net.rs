//! The registry server under hostile or unusual network conditions: slow clients, a
//! reverse proxy in front, oversized uploads; and what the access log records.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::server::*;

/// The `host:port` of a running server.
fn addr(srv: &Server) -> String {
    srv.url.trim_start_matches("http://").to_string()
}

/// Send `request` on a fresh connection and read the answer until the server closes
/// it (or `patience` passes); returns what was read.
fn raw(addr: &str, request: &[u8], patience: Duration) -> String {
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(patience)).expect("timeout");
    c.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = c.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a raw HTTP answer, 0 when there was none.
fn status_of(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A long poll of the change feed with `X-Forwarded-For: xff`.
fn long_poll(tok: &str, xff: &str) -> Vec<u8> {
    format!(
        "GET /api/v1/changes?since=999999&wait=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nX-Forwarded-For: {xff}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Access-log lines containing `what`, after giving the server a moment to write them.
fn log_lines(srv: &Server, what: &str) -> Vec<String> {
    srv.requests(what);
    srv.log
        .lock()
        .map(|l| l.iter().filter(|x| x.contains(what)).cloned().collect())
        .unwrap_or_default()
}

/// Clients that trickle a request head a byte at a time — each byte well within the
/// idle limit — are cut by the head deadline, counted from the head's first byte, so
/// they cannot hold every connection the server serves: a normal client waiting
/// behind them is answered.
#[test]
fn trickled_request_heads_are_cut_and_others_are_served() {
    let (s, _sup, viewer, _) = setup();
    let srv = start_with(
        &s,
        "127.0.0.1:0",
        &[
            "--head-timeout",
            "1",
            "--idle-timeout",
            "30",
            "--max-connections",
            "12",
        ],
    );
    let addr = addr(&srv);
    let head = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    // Every place the server has, taken by a trickler.
    let tricklers: Vec<_> = (0..12)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || -> Result<usize, String> {
                let mut c = TcpStream::connect(&addr).map_err(|e| e.to_string())?;
                c.set_read_timeout(Some(Duration::from_millis(200)))
                    .map_err(|e| e.to_string())?;
                for (sent, byte) in head.iter().enumerate() {
                    if c.write_all(&[*byte]).is_err() {
                        return Ok(sent);
                    }
                    let mut buf = [0u8; 64];
                    match c.read(&mut buf) {
                        Ok(0) => return Ok(sent + 1),
                        Ok(n) => {
                            return Err(format!(
                                "answered: {}",
                                String::from_utf8_lossy(&buf[..n])
                            ));
                        }
                        Err(e)
                            if matches!(
                                e.kind(),
                                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                            ) => {}
                        Err(_) => return Ok(sent + 1),
                    }
                }
                Err("the whole head went through a byte at a time, never cut".into())
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // Waits in the backlog until the tricklers are cut; without the head deadline it
    // would wait as long as they keep trickling.
    let client = http_builder()
        .timeout(Duration::from_secs(8))
        .build()
        .expect("client");
    let r = client
        .get(format!("{}/api/v1/health", srv.url))
        .bearer_auth(&viewer)
        .send()
        .expect("a normal client is answered while the tricklers trickle");
    assert_eq!(r.status().as_u16(), 200);
    for t in tricklers {
        let sent = t.join().expect("trickler").expect("cut by the server");
        assert!(sent < head.len(), "cut before the head was complete");
    }
}

/// Behind a trusted reverse proxy every console arrives from the proxy's address: its
/// long polls are not cut by the per-address cap, which applies to each forwarded
/// client instead; the access log shows the forwarded client and the proxy.
#[test]
fn long_polls_through_a_trusted_proxy_are_not_cut() {
    let (s, _sup, viewer, _) = setup();
    let srv = start_with(
        &s,
        "127.0.0.1:0",
        &["--trusted-proxy", "127.0.0.1", "--max-per-peer", "4"],
    );
    let addr = addr(&srv);
    let polls: Vec<_> = (0..200)
        .map(|i| {
            let (addr, req) = (
                addr.clone(),
                long_poll(&viewer, &format!("10.1.{}.{}", i / 250, i % 250 + 1)),
            );
            std::thread::spawn(move || raw(&addr, &req, Duration::from_secs(10)))
        })
        .collect();
    for p in polls {
        let answer = p.join().expect("poll");
        assert_eq!(status_of(&answer), 200, "{answer:?}");
    }
    let lines = log_lines(&srv, "GET /api/v1/changes");
    assert_eq!(lines.len(), 200, "{lines:?}");
    assert!(
        lines.iter().any(|l| l.ends_with(" 10.1.0.7 via 127.0.0.1")),
        "{lines:?}"
    );

    // One client behind the proxy still gets only its share of requests at once.
    let same: Vec<_> = (0..6)
        .map(|_| {
            let (addr, req) = (addr.clone(), long_poll(&viewer, "10.9.9.9"));
            std::thread::spawn(move || raw(&addr, &req, Duration::from_secs(10)))
        })
        .collect();
    let statuses: Vec<u16> = same
        .into_iter()
        .map(|p| status_of(&p.join().expect("poll")))
        .collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        2,
        "{statuses:?}"
    );
}

/// `X-Forwarded-For` from a peer that is not a trusted proxy is what a client says
/// about itself: ignored, and the access log records the TCP peer.
#[test]
fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let (s, _sup, viewer, _) = setup();
    let srv = start_with(
        &s,
        "127.0.0.1:0",
        &["--trusted-proxy", "192.0.2.1", "--max-per-peer", "4"],
    );
    let answer = raw(
        &addr(&srv),
        &long_poll(&viewer, "203.0.113.66"),
        Duration::from_secs(10),
    );
    assert_eq!(status_of(&answer), 200, "{answer:?}");
    let lines = log_lines(&srv, "GET /api/v1/changes");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with(" 127.0.0.1"), "{lines:?}");
    assert!(!lines[0].contains("203.0.113.66"), "{lines:?}");
    // And the per-address cap still holds for it.
    let conns: Vec<_> = (0..4)
        .map(|_| TcpStream::connect(addr(&srv)).expect("connect"))
        .collect();
    let mut over = TcpStream::connect(addr(&srv)).expect("connect");
    over.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 16];
    match over.read(&mut buf) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the connection over the cap must be closed, got {other:?}"),
    }
    drop(conns);
}

/// Every access-log line names the client's address.
#[test]
fn the_access_log_names_the_peer() {
    let (s, _sup, viewer, _) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let (status, _) = get(&format!("{}/api/v1/health", srv.url), &viewer);
    assert_eq!(status, 200);
    let lines = log_lines(&srv, "GET /api/v1/health");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with(" 127.0.0.1"), "{lines:?}");
}

/// The head of a multipart import upload of `len` bytes (`Content-Length` when given,
/// else chunked), and the part's opening.
fn upload_head(admin: &str, len: Option<u64>) -> Vec<u8> {
    let length = match len {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".into(),
    };
    format!(
        "POST /api/v1/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n{length}\r\n"
    )
    .into_bytes()
}

const PART: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\nid,name,platform,region,host_unit\r\n";

/// Stream `chunk` until the server answers or stops reading (at most `max` bytes);
/// returns (bytes sent, the answer).
fn stream_until_answered(c: &mut TcpStream, chunked: bool, max: usize) -> (usize, String) {
    let chunk = vec![b'x'; 1024 * 1024];
    let framed: Vec<u8> = if chunked {
        let mut f = format!("{:x}\r\n", chunk.len()).into_bytes();
        f.extend_from_slice(&chunk);
        f.extend_from_slice(b"\r\n");
        f
    } else {
        chunk
    };
    c.set_nonblocking(true).expect("nonblocking");
    let mut sent = 0;
    let mut answer = Vec::new();
    let started = Instant::now();
    let mut pending: &[u8] = &framed;
    while sent < max && started.elapsed() < Duration::from_secs(20) {
        let mut buf = [0u8; 4096];
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
        if pending.is_empty() {
            pending = &framed;
        }
        match c.write(pending) {
            Ok(n) => {
                sent += n;
                pending = &pending[n..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(_) => break,
        }
    }
    // Whatever the server said before closing.
    c.set_nonblocking(false).expect("blocking");
    c.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    answer.extend_from_slice(&rest);
    (sent, String::from_utf8_lossy(&answer).into_owned())
}

/// An import upload over the limit is answered 413 — at once when its length says so,
/// and as soon as the limit is crossed when it does not — without reading on; nothing
/// is written and the server serves on.
#[test]
fn oversized_uploads_get_413_without_being_read_on() {
    const LIMIT: usize = 256 * 1024 * 1024;
    let (s, _sup, viewer, admin) = setup();
    let srv = start(&s, "127.0.0.1:0");
    let before = s.contents();

    // Said to be 300 MiB: refused before the body is read.
    let mut c = TcpStream::connect(addr(&srv)).expect("connect");
    c.write_all(&upload_head(&admin, Some(300 * 1024 * 1024)))
        .expect("head");
    c.write_all(PART).expect("part");
    let (sent, answer) = stream_until_answered(&mut c, false, 300 * 1024 * 1024);
    assert_eq!(status_of(&answer), 413, "{answer:?}");
    assert!(answer.contains("payload_too_large"), "{answer:?}");
    assert!(sent < LIMIT / 2, "read on to {sent} bytes");

    // No length given: refused when the limit is crossed, not after the whole body.
    let mut c = TcpStream::connect(addr(&srv)).expect("connect");
    c.write_all(&upload_head(&admin, None)).expect("head");
    c.write_all(format!("{:x}\r\n", PART.len()).as_bytes())
        .expect("chunk");
    c.write_all(PART).expect("part");
    c.write_all(b"\r\n").expect("chunk end");
    let (sent, answer) = stream_until_answered(&mut c, true, 400 * 1024 * 1024);
    assert_eq!(status_of(&answer), 413, "{answer:?}");
    assert!(sent < 300 * 1024 * 1024, "read on to {sent} bytes");

    assert_eq!(before, s.contents(), "refused uploads change nothing");
    let (status, _) = get(&format!("{}/api/v1/health", srv.url), &viewer);
    assert_eq!(status, 200);
}

/// Only an import's upload has a deadline: an import that waits for the store longer
/// than that (another writer holds it) is made and answered as made, never answered
/// 408 and then committed anyway.
#[test]
fn an_import_that_outlasts_the_upload_deadline_is_answered_as_made() {
    let (s, _sup, _viewer, admin) = setup();
    let srv = start_with(
        &s,
        "127.0.0.1:0",
        &["--upload-timeout", "1", "--lock-wait", "15"],
    );
    let file = s.write(
        "late.csv",
        "id,name,platform,region,host_unit\nzs-late-1,舟山迟到发布,微信,舟山市,舟山市新闻办\n",
    );
    // Another writer (as `govcheck import` on the host would) holds the database's
    // write lock for 3 s.
    let other = rusqlite::Connection::open(s.store().join("registry.sqlite")).expect("open");
    other
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let holder = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        other.execute_batch("ROLLBACK").expect("release");
    });
    let out = remote(&s, &srv.url, &admin, &["import", file.to_str().expect("p")]);
    holder.join().expect("holder");
    assert!(
        out.status.success(),
        "an import made must be answered as made: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let acc = s.ok(&["accounts", "--region", "舟山市", "--format", "csv"]);
    assert!(acc.contains("zs-late-1"), "{acc}");
}
