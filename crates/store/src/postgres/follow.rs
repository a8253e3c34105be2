//! How one server hears of another's writes: the database's last sequence number, kept
//! in a watch channel that `change_token` reads (no query on the caller's thread) and
//! that a server's change feed waits on. Two sources feed it: `LISTEN govcheck`, which
//! every writer's `NOTIFY govcheck, 'SEQ'` wakes within milliseconds, and a poll of
//! `MAX(seq)` every [`POLL`], for PostgreSQL-compatible databases without
//! LISTEN/NOTIFY and for the moments the listening connection is being re-made.

use std::time::Duration;

use tokio::sync::watch;
use tokio_postgres::AsyncMessage;

use super::connect::Target;

/// The channel writers notify and followers listen on.
pub const CHANNEL: &str = "govcheck";

/// How often the last sequence number is polled, whatever LISTEN does.
pub const POLL: Duration = Duration::from_secs(1);

/// Raise the watched sequence number to `seq` (never lower it: a late poll's answer
/// may be older than a notification already heard).
pub fn raise(tx: &watch::Sender<u64>, seq: u64) {
    tx.send_if_modified(|cur| {
        if seq > *cur {
            *cur = seq;
            true
        } else {
            false
        }
    });
}

/// Poll `MAX(seq)` every [`POLL`] through the pool, for as long as anyone watches.
pub async fn poll(pool: deadpool_postgres::Pool, tx: watch::Sender<u64>) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Ok(client) = pool.get().await else {
            continue;
        };
        if let Ok(row) = client
            .query_one("SELECT COALESCE(MAX(seq), 0) FROM batches", &[])
            .await
            && let Ok(seq) = row.try_get::<_, i32>(0)
        {
            raise(&tx, u64::try_from(seq).unwrap_or(0));
        }
    }
}

/// Hold a connection that listens on [`CHANNEL`], re-made after [`POLL`] when lost.
/// A database that refuses LISTEN is left to the poll (said once in the log).
pub async fn listen(
    target_config: tokio_postgres::Config,
    tls: Option<TargetTls>,
    tx: watch::Sender<u64>,
) {
    let mut warned = false;
    loop {
        if let Err(e) = listen_once(&target_config, tls.clone(), &tx).await
            && !warned
        {
            tracing::warn!(
                "PostgreSQL LISTEN {CHANNEL} unavailable ({e}); other servers' changes are picked up every {} s instead",
                POLL.as_secs()
            );
            warned = true;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The TLS connector a listening connection is made with.
pub type TargetTls = tokio_postgres_rustls::MakeRustlsConnect;

async fn listen_once(
    config: &tokio_postgres::Config,
    tls: Option<TargetTls>,
    tx: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error> {
    let Some(tls) = tls else {
        return Ok(());
    };
    let (client, mut connection) = config.connect(tls).await?;
    let (msg_tx, mut msg_rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notification(n))) => {
                    if msg_tx.send(n.payload().to_string()).is_err() {
                        break;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            }
        }
    });
    let listened = client.batch_execute(&format!("LISTEN {CHANNEL}")).await;
    if let Err(e) = listened {
        driver.abort();
        return Err(e);
    }
    while let Some(payload) = msg_rx.recv().await {
        if let Ok(seq) = payload.trim().parse::<u64>() {
            raise(tx, seq);
        }
    }
    drop(client);
    Ok(())
}

impl Target {
    /// The connector for a listening connection.
    pub fn listen_tls(&self) -> Option<TargetTls> {
        self.tls().ok()
    }
}
