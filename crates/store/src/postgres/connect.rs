//! From a `postgres://` URL to a pool of connections: the URL's `sslmode` as libpq reads
//! it, TLS through rustls (ring), and a name for messages that never shows the password.
//!
//! `sslmode`: `disable` is plain TCP; `prefer` (libpq's default, and ours) and `require`
//! encrypt without checking the server's certificate, as libpq does; `verify-ca` and
//! `verify-full` check it against the system's CA bundle plus `sslrootcert=FILE` (both
//! check the host name: rustls has no chain-only mode, so `verify-ca` is the stricter
//! `verify-full`). Only `verify-full` protects against a machine in the middle.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::StoreError;

/// Does `text` name a PostgreSQL database (a `postgres://` or `postgresql://` URL)?
pub fn is_url(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("postgres://") || t.starts_with("postgresql://")
}

/// How long a connection attempt may take before the database counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed database URL.
pub struct Target {
    pub config: tokio_postgres::Config,
    /// For messages and `describe`: `postgres://user@host:port/db`, no password.
    pub name: String,
    verify: bool,
    root_cert: Option<PathBuf>,
}

/// Parse `url`. `sslmode` and `sslrootcert` are taken out and handled here (the driver
/// knows neither `verify-full` nor `sslrootcert`); the rest is the driver's URL syntax.
pub fn parse(url: &str) -> Result<Target, StoreError> {
    let url = url.trim();
    let bad = |m: String| StoreError::Other(format!("database URL: {m}"));
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_cert = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "sslmode" => mode = Some(v.to_string()),
            "sslrootcert" => root_cert = Some(PathBuf::from(v)),
            _ => kept.push(pair),
        }
    }
    let rebuilt = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let mut config: tokio_postgres::Config = rebuilt
        .parse()
        .map_err(|e: tokio_postgres::Error| bad(format!("{e}")))?;
    let (ssl, verify) = match mode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, false),
        "allow" | "prefer" => (SslMode::Prefer, false),
        "require" => (SslMode::Require, false),
        "verify-ca" | "verify-full" => (SslMode::Require, true),
        other => {
            return Err(bad(format!(
                "sslmode={other:?}: expected disable, allow, prefer, require, verify-ca or verify-full"
            )));
        }
    };
    config.ssl_mode(ssl);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("govcheck");
    let name = describe(&config);
    Ok(Target {
        config,
        name,
        verify,
        root_cert,
    })
}

/// `postgres://user@host:port/db`, never the password.
fn describe(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{host}:{port}/{db}")
}

/// Accepts any certificate: `prefer` and `require` encrypt without authenticating the
/// server, exactly as libpq does (its documentation's "sslmode" table).
#[derive(Debug)]
struct Unverified(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl Target {
    /// The TLS connector for this URL's `sslmode`.
    pub fn tls(&self) -> Result<MakeRustlsConnect, StoreError> {
        let config = if self.verify {
            // The registry client's roots: the system bundle plus an intranet CA.
            crate::remote::tls::tls_config(
                "https://database",
                self.root_cert.as_deref(),
                &crate::remote::tls::system_bundle_candidates(),
            )?
        } else {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| StoreError::Other(format!("TLS set-up: {e}")))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unverified(provider)))
                .with_no_client_auth()
        };
        Ok(MakeRustlsConnect::new(config))
    }

    /// A pool of at most `size` connections (made when first needed).
    pub fn pool(&self, size: usize) -> Result<Pool, StoreError> {
        let manager = Manager::from_config(
            self.config.clone(),
            self.tls()?,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        Pool::builder(manager)
            .max_size(size)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| StoreError::Other(format!("{}: {e}", self.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows_and_sslmode_is_read() {
        let t = parse("postgres://gc:secret@db.example:5433/registry?sslmode=verify-full")
            .expect("url");
        assert_eq!(t.name, "postgres://gc@db.example:5433/registry");
        assert!(t.verify);
        assert!(!parse("postgres://gc@h/r").expect("url").verify);
        let e = parse("postgres://gc@h/r?sslmode=sometimes")
            .err()
            .expect("bad mode");
        assert!(e.to_string().contains("sslmode"), "{e}");
        assert!(is_url("postgresql://x/y") && !is_url("/var/lib/govcheck"));
    }
}
