//! TLS for the registry client: the system's CA bundle where the distribution keeps
//! it (or `SSL_CERT_FILE`), plus an intranet CA, with rustls. Kept apart from the client
//! so its discovery of the host's files reads on its own.

use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Where Linux distributions keep the system's CA bundle (PEM), in the order tried.
pub const SYSTEM_CA_BUNDLES: &[&str] = &[
    // Debian, Ubuntu, UOS, Deepin, Alpine with ca-certificates
    "/etc/ssl/certs/ca-certificates.crt",
    // CentOS/RHEL 7+, Kylin V10, openEuler, Fedora
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    // openSUSE, SLES
    "/etc/ssl/ca-bundle.pem",
    // Alpine, some minimal images
    "/etc/ssl/cert.pem",
];

/// The CA bundles to try for an https:// registry: `SSL_CERT_FILE` alone when it is set
/// (as OpenSSL does), else [`SYSTEM_CA_BUNDLES`].
pub fn system_bundle_candidates() -> Vec<PathBuf> {
    match std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()) {
        Some(f) => vec![PathBuf::from(f)],
        None => SYSTEM_CA_BUNDLES.iter().map(PathBuf::from).collect(),
    }
}

/// The TLS set-up of the registry client. Nothing is read from the host for an http://
/// registry (a static binary on a host without CA certificates must still reach a
/// plain-HTTP intranet server). For https://, the roots are the first system bundle of
/// `candidates` that holds certificates, plus the certificates of `ca_file` (an
/// intranet CA); with no root at all, one error names everything that was tried.
pub fn tls_config(
    url: &str,
    ca_file: Option<&Path>,
    candidates: &[PathBuf],
) -> Result<rustls::ClientConfig, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    if url.starts_with("https://") {
        let mut tried = Vec::new();
        for path in candidates {
            match std::fs::read(path) {
                Ok(pem) => {
                    let (added, _unusable) =
                        roots.add_parsable_certificates(pem_certificates(&pem));
                    if added > 0 {
                        break;
                    }
                    tried.push(format!("{} (no usable certificate)", path.display()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    tried.push(format!("{} (absent)", path.display()));
                }
                Err(e) => tried.push(format!("{} ({e})", path.display())),
            }
        }
        if let Some(ca) = ca_file {
            let pem = std::fs::read(ca).map_err(|e| StoreError::io(ca, e))?;
            let (added, _) = roots.add_parsable_certificates(pem_certificates(&pem));
            if added == 0 {
                return Err(StoreError::Other(format!(
                    "{}: no PEM certificate in it (--ca-file / ca.pem must hold the CA certificate, BEGIN CERTIFICATE)",
                    ca.display()
                )));
            }
        }
        if roots.is_empty() {
            return Err(StoreError::NoTrustedRoots {
                url: url.to_string(),
                tried: tried.join(", "),
            });
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Other(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The certificates of a PEM file; anything else in it (comments, keys) is skipped.
fn pem_certificates(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}
