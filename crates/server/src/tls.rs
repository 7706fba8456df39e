//! TLS material: a local CA and a server certificate (SANs localhost, 127.0.0.1, ::1, `*.asm.skype.com`)
//! created in the data dir on first start and reused afterwards, or the operator's own PEM files; and the
//! rustls config offering HTTP/2 and HTTP/1.1 by ALPN.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::{Error as PemError, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use time::{Duration, OffsetDateTime};

use ringside_runtime::files::write_private;

use crate::config::TlsFiles;

/// Names every generated server certificate covers.
const BASE_NAMES: [&str; 4] = ["localhost", "127.0.0.1", "::1", "*.asm.skype.com"];
/// Server certificate lifetime (within the 398-day limit some clients enforce).
const SERVER_CERT_DAYS: i64 = 397;
/// Regenerate the server certificate when it has fewer days left than this.
const RENEW_DAYS: i64 = 30;

/// The TLS setup of a running server.
pub(crate) struct TlsMaterial {
    /// PEM file clients must trust (the local CA, or the operator's chain).
    pub(crate) ca_cert_path: PathBuf,
    /// rustls server configuration.
    pub(crate) server_config: Arc<rustls::ServerConfig>,
}

/// Loads the operator's files or the generated local CA, creating what is missing.
pub(crate) fn load_or_create(
    data_dir: &Path,
    files: Option<&TlsFiles>,
    extra_names: &[String],
) -> Result<TlsMaterial> {
    let (chain, key, ca_cert_path) = match files {
        Some(files) => {
            let (chain, key) = read_pem_pair(&files.cert, &files.key)?;
            (chain, key, files.cert.clone())
        }
        None => {
            let dir = data_dir.join("tls");
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            ensure_local_ca(&dir)?;
            ensure_server_cert(&dir, extra_names)?;
            let (chain, key) = read_pem_pair(&dir.join("server.pem"), &dir.join("server-key.pem"))?;
            (chain, key, dir.join("ca.pem"))
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the server certificate and key do not match")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_cert_path,
        server_config: Arc::new(config),
    })
}

fn ensure_local_ca(dir: &Path) -> Result<()> {
    let cert_path = dir.join("ca.pem");
    let key_path = dir.join("ca-key.pem");
    if cert_path.exists() && key_path.exists() {
        return Ok(());
    }
    let key = KeyPair::generate().context("generating the CA key")?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "Ringside Local Development CA");
    name.push(DnType::OrganizationName, "Ringside");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    let cert = params.self_signed(&key).context("self-signing the CA")?;
    write_private(&key_path, key.serialize_pem().as_bytes())?;
    std::fs::write(&cert_path, cert.pem())
        .with_context(|| format!("writing {}", cert_path.display()))?;
    // A new CA invalidates any server certificate signed by an older one.
    let _ = std::fs::remove_file(dir.join("server.pem"));
    Ok(())
}

fn ensure_server_cert(dir: &Path, extra_names: &[String]) -> Result<()> {
    let cert_path = dir.join("server.pem");
    let key_path = dir.join("server-key.pem");
    let mut wanted: Vec<String> = BASE_NAMES.iter().map(|s| s.to_string()).collect();
    for name in extra_names {
        if !wanted.contains(name) {
            wanted.push(name.clone());
        }
    }
    if cert_path.exists() && key_path.exists() && server_cert_is_current(&cert_path, &wanted)? {
        return Ok(());
    }
    let ca_pem = std::fs::read_to_string(dir.join("ca.pem")).context("reading ca.pem")?;
    let ca_key = KeyPair::from_pem(
        &std::fs::read_to_string(dir.join("ca-key.pem")).context("reading ca-key.pem")?,
    )
    .context("parsing ca-key.pem")?;
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, ca_key).context("parsing ca.pem")?;
    let key = KeyPair::generate().context("generating the server key")?;
    let mut params = CertificateParams::new(wanted.clone()).context("server certificate names")?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    name.push(DnType::OrganizationName, "Ringside");
    params.distinguished_name = name;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(SERVER_CERT_DAYS);
    let cert = params
        .signed_by(&key, &issuer)
        .context("signing the server certificate")?;
    write_private(&key_path, key.serialize_pem().as_bytes())?;
    let chain = format!("{}{}", cert.pem(), ca_pem);
    std::fs::write(&cert_path, chain)
        .with_context(|| format!("writing {}", cert_path.display()))?;
    let meta = ServerCertMeta {
        names: wanted,
        not_after_unix: params.not_after.unix_timestamp(),
    };
    std::fs::write(
        dir.join("server.meta.json"),
        serde_json::to_vec_pretty(&meta)?,
    )?;
    Ok(())
}

/// What a generated server certificate covers, recorded beside it in `server.meta.json`.
#[derive(serde::Serialize, serde::Deserialize)]
struct ServerCertMeta {
    names: Vec<String>,
    not_after_unix: i64,
}

/// True when the recorded certificate covers every wanted name and is not close to expiry.
fn server_cert_is_current(cert_path: &Path, wanted: &[String]) -> Result<bool> {
    let meta_path = cert_path.with_file_name("server.meta.json");
    let Ok(text) = std::fs::read_to_string(meta_path) else {
        return Ok(false);
    };
    let Ok(meta) = serde_json::from_str::<ServerCertMeta>(&text) else {
        return Ok(false);
    };
    let covers = wanted.iter().all(|name| meta.names.contains(name));
    let renew_at = (OffsetDateTime::now_utc() + Duration::days(RENEW_DAYS)).unix_timestamp();
    Ok(covers && meta.not_after_unix > renew_at)
}

fn read_pem_pair(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("opening {}", cert.display()))?
        .collect::<std::result::Result<_, _>>()
        .with_context(|| format!("reading certificates from {}", cert.display()))?;
    if chain.is_empty() {
        return Err(anyhow!("{} holds no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|error| match error {
        PemError::NoItemsFound => anyhow!("{} holds no private key", key.display()),
        other => anyhow!("reading the key from {}: {other}", key.display()),
    })?;
    Ok((chain, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_and_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path(), None, &[]).unwrap();
        let ca_before = std::fs::read(&first.ca_cert_path).unwrap();
        let server_before = std::fs::read(dir.path().join("tls/server.pem")).unwrap();
        let _second = load_or_create(dir.path(), None, &[]).unwrap();
        assert_eq!(std::fs::read(&first.ca_cert_path).unwrap(), ca_before);
        assert_eq!(
            std::fs::read(dir.path().join("tls/server.pem")).unwrap(),
            server_before
        );
        // A new name forces a new server certificate from the same CA.
        let _third = load_or_create(dir.path(), None, &["ringside.test".to_string()]).unwrap();
        assert_eq!(std::fs::read(&first.ca_cert_path).unwrap(), ca_before);
        assert_ne!(
            std::fs::read(dir.path().join("tls/server.pem")).unwrap(),
            server_before
        );
        let meta: ServerCertMeta = serde_json::from_slice(
            &std::fs::read(dir.path().join("tls/server.meta.json")).unwrap(),
        )
        .unwrap();
        assert!(meta.names.iter().any(|n| n == "*.asm.skype.com"));
        assert!(meta.names.iter().any(|n| n == "ringside.test"));
        assert_eq!(
            first.server_config.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }
}
