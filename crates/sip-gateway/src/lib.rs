//! Ringside's SIP gateway (issue 15): real phones and trunks as legs of the one call runtime.
//!
//! - [`transport`]: UDP, TCP and TLS sockets on tokio; messages are parsed off the core's task.
//! - [`core`]: one task owns the sans-IO transaction layer (`ringside-sip`), the calls, the
//!   registrar and trunk health; it answers INVITEs from trunks (Direct Routing: a gateway of the
//!   directory, by source address) and from registered softphones (digest), places the runtime's
//!   rings to softphones and, through the voice routing policy, to trunks.
//! - [`media`]: RTP ports and SDP; the sockets are handed to the media clock
//!   (`MediaCommand::AttachRtp`), which reads and writes them on its ticks — no task per packet.
//!
//! To the runtime a SIP leg is an external leg ([`ringside_runtime::external`]): the engine sees
//! a phone or user that rings, answers, presses keys and hangs up.

pub mod codes;
pub mod core;
mod health;
mod inbound;
pub mod media;
mod numbers;
mod outbound;
mod refer;
mod referral;
mod registrar;
mod target;
pub mod transport;

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::sync::Arc;

use anyhow::{Context, Result};
use ringside_runtime::CallRuntime;
use ringside_store::DirectoryStore;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;

pub use ringside_sip::auth::Algorithm as DigestAlgorithm;

pub use transport::Bound;

/// How the gateway listens and where its media goes.
#[derive(Clone)]
pub struct GatewayConfig {
    /// UDP listen address (`None`: no UDP).
    pub udp: Option<SocketAddr>,
    /// TCP listen address.
    pub tcp: Option<SocketAddr>,
    /// TLS listen address and the server configuration (certificate of the local CA).
    pub tls: Option<(SocketAddr, Arc<rustls::ServerConfig>)>,
    /// The SIP domain (digest realm, our URIs' host when no address fits).
    pub domain: String,
    /// The address RTP is bound on and advertised in SDP.
    pub media_ip: IpAddr,
    /// RTP ports (even starts; each call takes two).
    pub rtp_ports: Range<u16>,
    /// Secret keying digest nonces (32+ random bytes).
    pub secret: Vec<u8>,
    /// Digest algorithms challenges offer, in order. MD5 alone by default: baresip/libre and
    /// many desk phones refuse a request whose challenges include one they do not know, even
    /// next to MD5; list SHA-256 (RFC 8760) when every device can answer it.
    pub digest_algorithms: Vec<ringside_sip::auth::Algorithm>,
}

/// A running gateway.
pub struct RunningGateway {
    bound: Bound,
    stop: watch::Sender<bool>,
}

impl RunningGateway {
    /// The addresses listened on.
    pub fn bound(&self) -> Bound {
        self.bound
    }

    /// Stops the core (calls' legs end with the runtime).
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }
}

/// Binds the transports, attaches to the runtime and starts the core.
pub async fn start(
    config: GatewayConfig,
    directory: Arc<DirectoryStore>,
    calls: CallRuntime,
) -> Result<RunningGateway> {
    let (inbound_tx, inbound_rx) = mpsc::channel(4096);
    let tls = config
        .tls
        .clone()
        .map(|(addr, server)| (addr, TlsAcceptor::from(server)));
    let transports = transport::Transports::bind(config.udp, config.tcp, tls, inbound_tx)
        .await
        .context("binding the SIP listeners")?;
    let bound = transports.bound();
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let shared = core::Shared::new(directory.clone());
    calls
        .ask(|reply| {
            ringside_runtime::Request::External(
                ringside_runtime::external::ExternalRequest::Attach {
                    reach: Arc::new(shared.clone()),
                    events: events_tx,
                    reply,
                },
            )
        })
        .await
        .map_err(|e| anyhow::anyhow!("attaching the SIP gateway to the runtime: {e:?}"))?;
    let (stop, stopped) = watch::channel(false);
    let core = core::Core::new(config, directory, calls, transports, shared);
    tokio::spawn(core.run(inbound_rx, events_rx, stopped));
    Ok(RunningGateway { bound, stop })
}
