//! The SIP gateway's place in the server: where it listens (`[sip]` in the config file, the
//! serve options in dev mode), its TLS certificate (the server's own, from the local CA or the
//! operator), the digest secret kept in the data dir, and start/stop.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use serde::Deserialize;

use ringside_sip_gateway::{GatewayConfig, RunningGateway};

/// Where the gateway listens and how it handles media (`[sip]` in the config file).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// UDP and TCP listen address (`--sip-listen` overrides); port 0 picks a free one.
    pub listen: Option<SocketAddr>,
    /// TLS listen address; default: the listen address's port + 1 (0 stays 0).
    pub tls_listen: Option<SocketAddr>,
    /// The SIP domain (digest realm); default: the dev tenant's domain or `ringside.local`.
    pub domain: Option<String>,
    /// The address RTP is bound on and written in SDP; default: the listen address's IP.
    pub media_ip: Option<IpAddr>,
    /// First RTP port (even).
    pub rtp_port_min: u16,
    /// Last RTP port (exclusive). Keep the range out of the kernel's ephemeral ports.
    pub rtp_port_max: u16,
    /// Digest algorithms offered to softphones, in order (`MD5`, `SHA-256`). Default `MD5`
    /// only: baresip/libre and many desk phones refuse challenges that include SHA-256.
    pub digest_algorithms: Vec<String>,
    /// Dev mode's default address: when it is taken (another dev server runs), listen on free
    /// ports instead and say so (the real addresses are printed and written to dev.json).
    #[serde(skip)]
    pub fallback_to_free_ports: bool,
}

impl Default for SipConfig {
    fn default() -> SipConfig {
        SipConfig {
            listen: None,
            tls_listen: None,
            domain: None,
            media_ip: None,
            rtp_port_min: 20_000,
            rtp_port_max: 30_000,
            digest_algorithms: vec!["MD5".to_string()],
            fallback_to_free_ports: false,
        }
    }
}

impl SipConfig {
    /// Dev mode's defaults on `listen` (127.0.0.1:5060 for `ringside serve`).
    pub fn dev(listen: SocketAddr) -> SipConfig {
        SipConfig {
            listen: Some(listen),
            fallback_to_free_ports: true,
            ..SipConfig::default()
        }
    }

    /// The TLS address: configured, or the listen port + 1.
    fn tls_addr(&self, listen: SocketAddr) -> SocketAddr {
        self.tls_listen.unwrap_or_else(|| {
            let port = match listen.port() {
                0 => 0,
                port => port.saturating_add(1),
            };
            SocketAddr::new(listen.ip(), port)
        })
    }
}

/// Starts the gateway when a listen address is configured.
pub(crate) async fn start(
    sip: &SipConfig,
    default_domain: &str,
    tls: Arc<rustls::ServerConfig>,
    data_dir: &Path,
    state: &crate::AppState,
) -> Result<Option<RunningGateway>> {
    let Some(listen) = sip.listen else {
        return Ok(None);
    };
    let config = GatewayConfig {
        udp: Some(listen),
        tcp: Some(listen),
        tls: Some((sip.tls_addr(listen), tls)),
        domain: sip
            .domain
            .clone()
            .unwrap_or_else(|| default_domain.to_string()),
        media_ip: sip.media_ip.unwrap_or(listen.ip()),
        rtp_ports: sip.rtp_port_min..sip.rtp_port_max.max(sip.rtp_port_min + 2),
        secret: secret(data_dir)?,
        digest_algorithms: digest_algorithms(&sip.digest_algorithms)?,
    };
    let node = state.platform().node();
    let (directory, calls) = (node.directory_arc().clone(), node.calls().clone());
    let started =
        ringside_sip_gateway::start(config.clone(), directory.clone(), calls.clone()).await;
    let gateway = match started {
        Ok(gateway) => gateway,
        Err(error) if sip.fallback_to_free_ports => {
            tracing::warn!(%listen, "SIP: {error:#}; listening on free ports instead");
            let any = SocketAddr::new(listen.ip(), 0);
            let config = GatewayConfig {
                udp: Some(any),
                tcp: Some(any),
                tls: config.tls.map(|(_, tls)| (any, tls)),
                ..config
            };
            ringside_sip_gateway::start(config, directory, calls)
                .await
                .context("starting the SIP gateway on free ports")?
        }
        Err(error) => return Err(error.context(format!("starting the SIP gateway on {listen}"))),
    };
    Ok(Some(gateway))
}

/// The configured digest algorithms, refused by name when unknown.
fn digest_algorithms(names: &[String]) -> Result<Vec<ringside_sip_gateway::DigestAlgorithm>> {
    names
        .iter()
        .map(|name| match name.to_ascii_uppercase().as_str() {
            "MD5" => Ok(ringside_sip_gateway::DigestAlgorithm::Md5),
            "SHA-256" => Ok(ringside_sip_gateway::DigestAlgorithm::Sha256),
            _ => Err(anyhow::anyhow!(
                "[sip] digest_algorithms: {name} is not MD5 or SHA-256"
            )),
        })
        .collect()
}

/// The digest nonce key, created once in the data dir (0600).
fn secret(data_dir: &Path) -> Result<Vec<u8>> {
    let path = data_dir.join("sip-secret");
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() >= 32 {
            return Ok(bytes);
        }
    }
    let mut bytes = vec![0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    ringside_runtime::files::write_private(&path, &bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(bytes)
}

/// dev.json's `sip` object: the domain and each transport's address.
pub(crate) fn dev_json(domain: &str, bound: ringside_sip_gateway::Bound) -> serde_json::Value {
    let text = |addr: Option<SocketAddr>| addr.map(|a| a.to_string());
    serde_json::json!({
        "domain": domain,
        "udp": text(bound.udp),
        "tcp": text(bound.tcp),
        "tls": text(bound.tls),
    })
}
