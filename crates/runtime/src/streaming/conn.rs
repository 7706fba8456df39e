//! One stream's connection task: resolve and check the target, connect (TCP, TLS for `wss`, the
//! WebSocket upgrade with the bearer token and headers) within the time limit, start the media
//! tap, then move frames out and the app's messages in until something ends it; report the end.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use futures_util::{SinkExt, StreamExt};
use ringside_engine::LegId;
use ringside_media::{MediaCommand, StreamCounters, StreamFrame};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use url::Url;

use super::codec::{Inbound, Received, StreamCodec, WireError, WireMessage};
use super::{
    ConnCounters, Control, StreamEvent, StreamEventKind, StreamId, StreamPolicy, StreamService,
    StreamSpec, ToRuntime, MAX_INBOUND_MESSAGE,
};

/// Bytes tungstenite reads at a time. Its default (128 KiB) is zero-filled before every read,
/// which at 50 wake-ups per second per stream made `memset` 44 % of a 2,000-stream profile; the
/// app's messages are a few KiB at most.
pub const READ_BUFFER: usize = 8 * 1024;

/// Frames written before the socket is flushed.
const MAX_BATCH: usize = 64;
/// How long the end of a stream waits for the plane's final counters.
const PLANE_COUNTERS_WAIT: Duration = Duration::from_millis(500);

/// The two TLS client configs: verifying (Mozilla roots + the local CA), and for loopback hosts
/// any certificate (as the webhook outbox does).
#[derive(Clone)]
pub(super) struct TlsConfigs {
    verified: Arc<ClientConfig>,
    loopback: Arc<ClientConfig>,
}

impl TlsConfigs {
    pub(super) fn new(extra_roots: &[Vec<u8>]) -> anyhow::Result<TlsConfigs> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for pem in extra_roots {
            for cert in CertificateDer::pem_slice_iter(pem).flatten() {
                if let Err(error) = roots.add(cert) {
                    tracing::warn!(%error, "an extra stream root is not a usable certificate");
                }
            }
        }
        let verified = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let loopback = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth();
        Ok(TlsConfigs {
            verified: Arc::new(verified),
            loopback: Arc::new(loopback),
        })
    }
}

/// Accepts any certificate (signatures are still checked); used for loopback hosts only.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
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
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub(super) type Socket = WebSocketStream<Box<dyn Io>>;

/// How a stream ended.
enum End {
    Stopped(String),
    Failed(String),
}

pub(super) struct Connection {
    pub(super) id: StreamId,
    pub(super) spec: StreamSpec,
    pub(super) url: Url,
    pub(super) policy: StreamPolicy,
    pub(super) tls: TlsConfigs,
    pub(super) frames: mpsc::Receiver<StreamFrame>,
    pub(super) dropped: Arc<AtomicU64>,
    pub(super) control: mpsc::UnboundedReceiver<Control>,
    pub(super) runtime: super::RuntimeSink,
    pub(super) service: Weak<StreamService>,
}

impl Connection {
    pub(super) async fn run(mut self) {
        let mut counters = ConnCounters::default();
        let connected =
            match tokio::time::timeout(self.policy.connect_timeout, self.connect()).await {
                Ok(Ok(socket)) => Ok(socket),
                Ok(Err(reason)) => Err(reason),
                Err(_) => Err(format!(
                    "the media stream host did not accept the WebSocket within {} s",
                    self.policy.connect_timeout.as_secs()
                )),
            };
        let end = match connected {
            Err(reason) => End::Failed(reason),
            Ok(mut socket) => {
                self.emit(StreamEventKind::Connected);
                self.media(MediaCommand::StartStream {
                    conversation: self.spec.conversation,
                    leg: self.spec.leg,
                    stream: self.id,
                    channel: self.spec.channel,
                    rate: self.spec.rate,
                });
                let (end, plane) = self.pump(&mut socket, &mut counters).await;
                match plane {
                    Some(plane) => counters.plane = plane,
                    None => {
                        self.media(MediaCommand::StopStream {
                            conversation: self.spec.conversation,
                            stream: self.id,
                        });
                        if let Some(plane) = self.plane_counters().await {
                            counters.plane = plane;
                        }
                    }
                }
                end
            }
        };
        counters.frames_dropped = self.dropped.load(Ordering::Relaxed);
        if let Some(service) = self.service.upgrade() {
            service.finished(self.id);
        }
        self.emit(match end {
            End::Stopped(reason) => StreamEventKind::Stopped { reason, counters },
            End::Failed(reason) => StreamEventKind::Failed { reason, counters },
        });
    }

    fn media(&self, command: MediaCommand) {
        let _ = (self.runtime)(ToRuntime::Media(command));
    }

    fn emit(&self, kind: StreamEventKind) {
        let event = StreamEvent {
            stream: self.id,
            conversation: self.spec.conversation,
            leg: self.spec.leg,
            owner: self.spec.owner,
            kind,
        };
        if let Some(service) = self.service.upgrade() {
            service.publish(event.clone());
        }
        let _ = (self.runtime)(ToRuntime::Event(event));
    }

    async fn plane_counters(&mut self) -> Option<StreamCounters> {
        let wait = async {
            while let Some(message) = self.control.recv().await {
                if let Control::PlaneStopped(counters) = message {
                    return Some(counters);
                }
            }
            None
        };
        tokio::time::timeout(PLANE_COUNTERS_WAIT, wait)
            .await
            .ok()
            .flatten()
    }

    async fn connect(&self) -> Result<Socket, String> {
        open(
            &self.url,
            &self.policy,
            &self.tls,
            self.spec.bearer.as_deref(),
            &self.spec.headers,
        )
        .await
    }

    /// Moves frames and messages until the stream ends; the plane's counters when it was the
    /// plane that ended it.
    async fn pump(
        &mut self,
        socket: &mut Socket,
        counters: &mut ConnCounters,
    ) -> (End, Option<StreamCounters>) {
        let mut encoder = Encoder::new(&self.spec);
        if let Err(error) = socket.send(encoder.header()).await {
            return (
                End::Failed(format!("the media socket failed: {error}")),
                None,
            );
        }
        loop {
            tokio::select! {
                frame = self.frames.recv() => {
                    let Some(frame) = frame else {
                        return (End::Stopped("the streaming service stopped".into()), None);
                    };
                    let mut written = 0usize;
                    let mut next = Some(frame);
                    while let Some(frame) = next.take() {
                        if let Err(error) = socket.feed(encoder.frame(&frame)).await {
                            return (End::Failed(format!("the media socket failed: {error}")), None);
                        }
                        counters.frames_sent += 1;
                        written += 1;
                        if written < MAX_BATCH {
                            next = self.frames.try_recv().ok();
                        }
                    }
                    if let Err(error) = socket.flush().await {
                        return (End::Failed(format!("the media socket failed: {error}")), None);
                    }
                }
                message = socket.next() => {
                    match message {
                        None => return (End::Stopped("the app closed the media socket".into()), None),
                        Some(Err(error)) => {
                            return (End::Failed(format!("the media socket failed: {error}")), None)
                        }
                        Some(Ok(Message::Close(frame))) => {
                            let code = frame.map(|f| u16::from(f.code)).unwrap_or(1005);
                            return (
                                End::Stopped(format!("the app closed the media socket (code {code})")),
                                None,
                            );
                        }
                        Some(Ok(message)) => self.inbound(message, counters),
                    }
                }
                control = self.control.recv() => {
                    match control {
                        None => return (End::Stopped("the streaming service stopped".into()), None),
                        Some(Control::Stop(reason)) => {
                            close(socket, &encoder, &reason).await;
                            return (End::Stopped(reason), None);
                        }
                        Some(Control::PlaneStopped(plane)) => {
                            let reason = "callEnded".to_string();
                            close(socket, &encoder, &reason).await;
                            return (End::Stopped(reason), Some(plane));
                        }
                        Some(Control::Dtmf(tone)) => {
                            let Some(message) = encoder.dtmf(tone) else {
                                continue;
                            };
                            if let Err(error) = socket.send(message).await {
                                return (End::Failed(format!("the media socket failed: {error}")), None);
                            }
                            counters.dtmf_sent += 1;
                        }
                        Some(Control::Name(leg, name)) => {
                            encoder.names.insert(leg, name);
                        }
                        Some(Control::Pause(_)) => {}
                    }
                }
            }
        }
    }

    fn inbound(&self, message: Message, counters: &mut ConnCounters) {
        let parsed = match &message {
            Message::Text(text) => self.spec.codec.parse(Received::Text(text.as_str())),
            Message::Binary(bytes) => self.spec.codec.parse(Received::Binary(bytes)),
            Message::Ping(_) | Message::Pong(_) => return,
            _ => Err(WireError("unsupported message".into())),
        };
        match parsed {
            Ok(Inbound::Audio(samples)) if self.spec.bidirectional => {
                counters.audio_in += 1;
                self.media(MediaCommand::StreamAudio {
                    conversation: self.spec.conversation,
                    stream: self.id,
                    samples,
                });
            }
            Ok(Inbound::StopAudio) => {
                counters.stop_audio += 1;
                if self.spec.bidirectional {
                    // Barge-in: what the app queued and is not yet heard is discarded at once.
                    self.media(MediaCommand::ClearStreamAudio {
                        conversation: self.spec.conversation,
                        stream: self.id,
                    });
                }
            }
            Ok(Inbound::Audio(_)) | Err(_) => counters.bad_in += 1,
        }
    }
}

/// Resolves and checks the target, connects (TCP, TLS for `wss`) and sends the WebSocket upgrade
/// with the bearer token and headers (no time limit here: callers bound it).
pub(super) async fn open(
    url: &Url,
    policy: &StreamPolicy,
    tls: &TlsConfigs,
    bearer: Option<&str>,
    extra: &[(String, String)],
) -> Result<Socket, String> {
    let host = url.host_str().unwrap_or_default().to_string();
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((bare.as_str(), port))
        .await
        .map_err(|error| format!("the media stream host {host} does not resolve: {error}"))?
        .collect();
    let mut refusal = None;
    let mut allowed = Vec::new();
    for address in addresses {
        match policy.check_address(&host, address.ip()) {
            Ok(()) => allowed.push(address),
            Err(reason) => refusal = Some(reason),
        }
    }
    if allowed.is_empty() {
        return Err(
            refusal.unwrap_or_else(|| format!("the media stream host {host} has no address"))
        );
    }
    let loopback = allowed.iter().all(|a| a.ip().is_loopback());
    let tcp = TcpStream::connect(allowed.as_slice())
        .await
        .map_err(|error| {
            format!("cannot connect to the media stream host {host}:{port}: {error}")
        })?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = if url.scheme() == "wss" {
        let config = if loopback {
            tls.loopback.clone()
        } else {
            tls.verified.clone()
        };
        let name = ServerName::try_from(bare.clone())
            .map_err(|error| format!("'{host}' is not a TLS server name: {error}"))?;
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|error| format!("TLS with the media stream host {host} failed: {error}"))?;
        Box::new(tls)
    } else {
        Box::new(tcp)
    };
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|error| format!("cannot build the upgrade request: {error}"))?;
    let headers = request.headers_mut();
    if let Some(token) = bearer {
        if let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) {
            headers.insert("authorization", value);
        }
    }
    for (name, value) in extra {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_INBOUND_MESSAGE))
        .max_frame_size(Some(MAX_INBOUND_MESSAGE))
        .read_buffer_size(READ_BUFFER);
    let (socket, _response) =
        tokio_tungstenite::client_async_with_config(request, io, Some(config))
            .await
            .map_err(|error| {
                format!("the WebSocket upgrade to the media stream host {host} failed: {error}")
            })?;
    Ok(socket)
}

async fn close(socket: &mut Socket, encoder: &Encoder, reason: &str) {
    if let Some(last) = encoder.stop(reason) {
        let _ = socket.send(last).await;
    }
    let _ = socket.close(None).await;
}

/// Renders frames with the stream's codec.
struct Encoder {
    codec: Arc<dyn StreamCodec>,
    rate: ringside_media::StreamRate,
    names: HashMap<LegId, String>,
    started: SystemTime,
}

impl Encoder {
    fn new(spec: &StreamSpec) -> Encoder {
        Encoder {
            codec: spec.codec.clone(),
            rate: spec.rate,
            names: spec.participants.clone(),
            started: SystemTime::now(),
        }
    }

    fn header(&self) -> Message {
        message(self.codec.header(self.rate))
    }

    fn frame(&mut self, frame: &StreamFrame) -> Message {
        let at = self.started + Duration::from_millis(frame.timestamp_ms);
        let named = frame.participant.and_then(|leg| self.names.get(&leg));
        let message = match (frame.participant, named) {
            (Some(_), Some(name)) => self.codec.frame(at, Some(name), frame),
            (Some(leg), None) => self.codec.frame(at, Some(&leg.0.to_string()), frame),
            (None, _) => self.codec.frame(at, None, frame),
        };
        self::message(message)
    }

    fn dtmf(&self, tone: char) -> Option<Message> {
        self.codec.dtmf(tone).map(message)
    }

    fn stop(&self, reason: &str) -> Option<Message> {
        self.codec.stop(reason).map(message)
    }
}

pub(super) fn message(wire: WireMessage) -> Message {
    match wire {
        WireMessage::Text(text) => Message::text(text),
        WireMessage::Binary(bytes) => Message::binary(bytes),
    }
}
