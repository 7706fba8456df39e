//! Ringside raw media: the WebSocket transport for Graph app-hosted media (docs/app-hosted-media.md).
//! A Graph call whose `appHostedMediaConfig.blob` is `{"transportUrl": "wss://…"}` gets, once it is
//! established, a WebSocket client connection from Ringside to that URL carrying the audio the bot
//! hears (20 ms binary frames of PCM s16le, 16 kHz mono) and taking the bot's voice back the same
//! way; it closes when the call ends.
//!
//! Frames leave the media clock through a media stream tap (`ringside_media::stream`): the shard
//! threads hand each tick's frames to [`StreamRoutes::dispatch`], which `try_send`s them to the
//! connection's bounded queue (a slow app loses frames, counted, and never stalls the clock). The
//! connection task sends the app's audio back to the runtime as [`RawAudio`] messages, which the
//! runtime turns into `MediaCommand::StreamAudio`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ringside_engine::{ConversationId, LegId};
use ringside_media::{StreamFrame, StreamId};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Message};

use crate::outbox::TokenSigner;

/// Frames queued per connection before new ones are dropped (1 s).
const QUEUE_FRAMES: usize = 50;
/// Time allowed for TCP + TLS + the WebSocket handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest message accepted from the app (about 2 s of audio).
const MAX_INBOUND_BYTES: usize = 64 * 1024;

/// Where the bot's media goes: the `transportUrl` of an `appHostedMediaConfig.blob`, if the blob
/// is Ringside raw media (a JSON object with a `ws://`/`wss://` `transportUrl`).
pub(crate) fn transport_url(blob: Option<&str>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(blob?).ok()?;
    let url = value
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("transportUrl"))?
        .1
        .as_str()?
        .trim();
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "ws" | "wss").then(|| url.to_string())
}

/// Audio from an app for its stream, on its way to the media clock.
#[derive(Debug)]
pub(crate) struct RawAudio {
    pub(crate) conversation: ConversationId,
    pub(crate) stream: StreamId,
    pub(crate) samples: Vec<i16>,
}

/// What a connection tells the runtime.
#[derive(Debug)]
pub(crate) enum RawEvent {
    /// The app's audio.
    Audio(RawAudio),
    /// The connection ended by itself (the app closed it, or it never connected).
    Closed(StreamId),
}

/// Where connections send [`RawEvent`]s.
pub(crate) type RawNotify = Arc<dyn Fn(RawEvent) + Send + Sync>;

/// Open streams' frame queues, shared with the media clock's output sink.
#[derive(Default)]
pub(crate) struct StreamRoutes {
    routes: Mutex<HashMap<StreamId, mpsc::Sender<StreamFrame>>>,
    dropped: AtomicU64,
}

impl StreamRoutes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StreamId, mpsc::Sender<StreamFrame>>> {
        match self.routes.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Hands a tick's frames to their connections (called on the media shard threads).
    pub(crate) fn dispatch(&self, frames: Vec<StreamFrame>) {
        let routes = self.lock();
        for frame in frames {
            if let Some(tx) = routes.get(&frame.stream) {
                if tx.try_send(frame).is_err() {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Frames dropped because a connection's queue was full (or closed).
    #[allow(dead_code)] // reported by benchmarks and tests
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Connects bots' raw-media WebSockets. Built by `serve` and owned by the call runtime.
pub(crate) struct RawMedia {
    routes: Arc<StreamRoutes>,
    signer: Arc<TokenSigner>,
    tls: Arc<rustls::ClientConfig>,
    next: AtomicU64,
}

/// What the runtime needs to start one connection.
pub(crate) struct RawStart {
    pub(crate) conversation: ConversationId,
    pub(crate) leg: LegId,
    pub(crate) url: String,
    pub(crate) app: String,
    pub(crate) tenant: String,
}

impl RawMedia {
    /// Trusts the public (Mozilla) roots and `local_ca_pem`; signs upgrade requests with `signer`.
    pub(crate) fn new(signer: TokenSigner, local_ca_pem: Option<&[u8]>) -> RawMedia {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(pem) = local_ca_pem {
            for cert in rustls_pemfile::certs(&mut &pem[..]).flatten() {
                let _ = roots.add(cert);
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_protocol_versions(rustls::DEFAULT_VERSIONS)
            .expect("rustls default versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
        });
        RawMedia {
            routes: Arc::new(StreamRoutes::default()),
            signer: Arc::new(signer),
            tls: Arc::new(tls),
            next: AtomicU64::new(1),
        }
    }

    /// The frame routes, for the media clock's sink.
    pub(crate) fn routes(&self) -> Arc<StreamRoutes> {
        self.routes.clone()
    }

    /// Registers a stream and spawns its connection task; the caller starts the media tap with
    /// the returned id. `notify` takes the app's audio and the connection's end to the runtime.
    pub(crate) fn start(&self, start: RawStart, notify: RawNotify) -> StreamId {
        // High bit set: never collides with stream ids other owners pick from 1 upwards.
        let stream = StreamId((1 << 63) | self.next.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = mpsc::channel(QUEUE_FRAMES);
        self.routes.lock().insert(stream, tx);
        let token = self.signer.token(&start.app, &start.tenant).ok();
        let tls = self.tls.clone();
        tokio::spawn(async move {
            let reason = run(stream, start, token, tls, rx, &notify).await;
            if let Err(reason) = reason {
                tracing::info!(stream = stream.0, %reason, "raw media connection ended");
            }
            notify(RawEvent::Closed(stream));
        });
        stream
    }

    /// Forgets a stream: its queue closes and the connection says `stop` and closes.
    pub(crate) fn stop(&self, stream: StreamId) {
        self.routes.lock().remove(&stream);
    }
}

async fn run(
    stream: StreamId,
    start: RawStart,
    token: Option<String>,
    tls: Arc<rustls::ClientConfig>,
    mut frames: mpsc::Receiver<StreamFrame>,
    notify: &RawNotify,
) -> Result<(), String> {
    let url = url::Url::parse(&start.url).map_err(|e| format!("bad transportUrl: {e}"))?;
    let loopback = crate::outbox::is_loopback(&url);
    if url.scheme() == "ws" && !loopback {
        return Err("ws:// is allowed for loopback hosts only; use wss://".into());
    }
    let host = url
        .host_str()
        .ok_or("transportUrl has no host")?
        .to_string();
    let port = url
        .port_or_known_default()
        .ok_or("transportUrl has no port")?;
    let mut request = start
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| e.to_string())?;
    if let Some(token) = token {
        if let Ok(value) = format!("Bearer {token}").parse() {
            request.headers_mut().insert("authorization", value);
        }
    }
    let connect = async {
        let tcp = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Io> = if url.scheme() == "wss" {
            let name =
                rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_string())
                    .map_err(|e| format!("server name: {e}"))?;
            let connector = tokio_rustls::TlsConnector::from(tls);
            Box::new(
                connector
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("tls: {e}"))?,
            )
        } else {
            Box::new(tcp)
        };
        tokio_tungstenite::client_async(request, stream)
            .await
            .map_err(|e| format!("websocket handshake: {e}"))
    };
    let (socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .map_err(|_| "connect timed out".to_string())??;
    let (mut sink, mut source) = socket.split();
    let hello = json!({
        "kind": "start",
        "callId": start.leg.to_string(),
        "callChainId": start.conversation.to_string(),
        "format": {"encoding": "pcm_s16le", "sampleRate": 16000, "channels": 1, "frameMs": 20},
    });
    sink.send(Message::text(hello.to_string()))
        .await
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(640);
    loop {
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else {
                    // The call ended (the runtime dropped the route).
                    let bye = json!({"kind": "stop", "reason": "callEnded"});
                    let _ = sink.send(Message::text(bye.to_string())).await;
                    let _ = sink.send(Message::Close(Some(CloseFrame {
                        code: 1000.into(),
                        reason: "call ended".into(),
                    }))).await;
                    return Ok(());
                };
                bytes.clear();
                for s in &frame.samples {
                    bytes.extend_from_slice(&s.to_le_bytes());
                }
                sink.send(Message::binary(bytes.clone())).await.map_err(|e| e.to_string())?;
            }
            message = source.next() => {
                match message {
                    None => return Err("the app closed the connection".into()),
                    Some(Err(e)) => return Err(e.to_string()),
                    Some(Ok(Message::Binary(data))) => {
                        if data.len() % 2 != 0 || data.len() > MAX_INBOUND_BYTES {
                            continue;
                        }
                        let samples = data
                            .chunks_exact(2)
                            .map(|b| i16::from_le_bytes([b[0], b[1]]))
                            .collect();
                        notify(RawEvent::Audio(RawAudio { conversation: start.conversation, stream, samples }));
                    }
                    Some(Ok(Message::Close(_))) => return Err("the app closed the connection".into()),
                    Some(Ok(_)) => {}
                }
            }
        }
    }
}

trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ringside_raw_media_blobs_name_a_transport() {
        assert_eq!(
            transport_url(Some(r#"{"transportUrl": "wss://bot.example/media"}"#)).as_deref(),
            Some("wss://bot.example/media")
        );
        assert_eq!(
            transport_url(Some(r#"{"TransportURL": "ws://127.0.0.1:9/m"}"#)).as_deref(),
            Some("ws://127.0.0.1:9/m")
        );
        for blob in [
            None,
            Some(""),
            Some("<media session xml>"),
            Some(r#"{"transportUrl": "https://bot.example"}"#),
            Some(r#"{"transportUrl": 5}"#),
            Some("[1]"),
        ] {
            assert_eq!(transport_url(blob), None, "{blob:?}");
        }
    }
}
