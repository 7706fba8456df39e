//! A bot's media side: [`MediaSink`], a WebSocket server on 127.0.0.1:0 that records every
//! connection (upgrade path and headers, each message with its arrival on tokio's clock) and can
//! answer messages; [`PromptServer`], prompts over loopback http; and WAV helpers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::Message;

/// What a message carried: JSON text (non-JSON text as a JSON string) or binary.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    Text(Value),
    Binary(Vec<u8>),
}

impl Frame {
    /// The text message's JSON.
    pub fn json(&self) -> Option<&Value> {
        match self {
            Frame::Text(value) => Some(value),
            Frame::Binary(_) => None,
        }
    }
}

/// A message and when it arrived (tokio's clock).
#[derive(Clone, Debug)]
pub struct Heard {
    pub at: tokio::time::Instant,
    pub frame: Frame,
}

/// One WebSocket connection the sink accepted.
#[derive(Clone, Debug, Default)]
pub struct Connection {
    /// The upgrade request's path.
    pub path: String,
    /// The upgrade request's headers.
    pub headers: HeaderMap,
    pub messages: Vec<Heard>,
    /// The peer closed it or the sink did.
    pub closed: bool,
}

impl Connection {
    /// A header of the upgrade request ("" if absent or not text).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The text messages' JSON, in order.
    pub fn json(&self) -> Vec<&Value> {
        self.messages
            .iter()
            .filter_map(|m| m.frame.json())
            .collect()
    }
}

type Answer = Box<dyn FnMut(usize, &Frame) -> Vec<Message> + Send>;

struct Inner {
    connections: Mutex<Vec<Connection>>,
    changed: Notify,
    answer: Mutex<Answer>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A bot's media WebSocket server (cheap to clone; clones share the connections).
#[derive(Clone)]
pub struct MediaSink {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

impl MediaSink {
    /// A sink that only listens.
    pub async fn start() -> MediaSink {
        MediaSink::answering(|_, _| Vec::new()).await
    }

    /// A sink that answers each message (with the number of its connection: 0, 1, …) with what
    /// `answer` returns; a `Message::Close` among them closes the connection after it is sent.
    pub async fn answering(
        answer: impl FnMut(usize, &Frame) -> Vec<Message> + Send + 'static,
    ) -> MediaSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let inner = Arc::new(Inner {
            connections: Mutex::new(Vec::new()),
            changed: Notify::new(),
            answer: Mutex::new(Box::new(answer)),
        });
        let accepting = inner.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(connection(accepting.clone(), tcp));
            }
        });
        MediaSink { inner, addr }
    }

    /// `ws://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    /// The listening port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The connections so far, in the order they were accepted.
    pub fn connections(&self) -> Vec<Connection> {
        lock(&self.inner.connections).clone()
    }

    /// Waits until the connections satisfy `done`, at most `limit` on tokio's clock; the
    /// connections either way.
    pub async fn wait_until(
        &self,
        limit: Duration,
        done: impl Fn(&[Connection]) -> bool,
    ) -> Vec<Connection> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let connections = self.connections();
            if done(&connections) {
                return connections;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return self.connections();
            }
        }
    }

    /// Waits (at most `limit`) until connection `index` has closed; it (panics if it did not).
    pub async fn closed(&self, index: usize, limit: Duration) -> Connection {
        let connections = self
            .wait_until(limit, |c| c.get(index).is_some_and(|c| c.closed))
            .await;
        match connections.get(index) {
            Some(connection) if connection.closed => connection.clone(),
            other => panic!("connection {index} did not close within {limit:?}: {other:?}"),
        }
    }
}

fn update(inner: &Inner, index: usize, change: impl FnOnce(&mut Connection)) {
    if let Some(connection) = lock(&inner.connections).get_mut(index) {
        change(connection);
    }
    inner.changed.notify_waiters();
}

#[allow(clippy::result_large_err)] // the handshake callback's signature is tungstenite's
async fn connection(inner: Arc<Inner>, tcp: tokio::net::TcpStream) {
    let mut upgrade = Connection::default();
    let callback = |request: &Request, response: Response| {
        upgrade.path = request.uri().path().to_string();
        upgrade.headers = request.headers().clone();
        Ok(response)
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    let index = {
        let mut connections = lock(&inner.connections);
        connections.push(upgrade);
        connections.len() - 1
    };
    inner.changed.notify_waiters();
    'reading: while let Some(Ok(message)) = socket.next().await {
        let frame = match message {
            Message::Text(text) => Frame::Text(
                serde_json::from_str(text.as_str())
                    .unwrap_or_else(|_| Value::String(text.as_str().to_string())),
            ),
            Message::Binary(data) => Frame::Binary(data.to_vec()),
            Message::Close(_) => break,
            _ => continue,
        };
        let replies = (lock(&inner.answer))(index, &frame);
        update(&inner, index, |c| {
            c.messages.push(Heard {
                at: tokio::time::Instant::now(),
                frame,
            })
        });
        for reply in replies {
            let closing = matches!(reply, Message::Close(_));
            if socket.send(reply).await.is_err() || closing {
                break 'reading;
            }
        }
    }
    update(&inner, index, |c| c.closed = true);
}

/// Prompts over loopback http: `/beep.wav` (1 s of 1 kHz), `/text` (not a WAV), `/missing` (404).
pub struct PromptServer {
    addr: SocketAddr,
}

impl PromptServer {
    pub async fn start() -> PromptServer {
        let beep = sine_wav(1_000.0, 1.0);
        let app = axum::Router::new()
            .route(
                "/beep.wav",
                axum::routing::get(move || {
                    let beep = beep.clone();
                    async move { beep }
                }),
            )
            .route(
                "/text",
                axum::routing::get(|| async { "<html>not a wav</html>" }),
            )
            .route(
                "/missing",
                axum::routing::get(|| async { StatusCode::NOT_FOUND }),
            );
        PromptServer {
            addr: super::serve(app).await,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Interleaved samples in -1..1 as a 16-bit PCM WAV.
pub fn wav(rate: u32, channels: u16, samples: &[f32]) -> Vec<u8> {
    let spec = ringside_audio::WavSpec {
        sample_rate: rate,
        channels,
        format: ringside_audio::SampleFormat::I16,
        extensible: false,
    };
    ringside_audio::wav::encode(spec, samples).expect("encode")
}

/// A sine at `hz` and half amplitude, `seconds` long, as 16 kHz mono 16-bit WAV.
pub fn sine_wav(hz: f32, seconds: f32) -> Vec<u8> {
    const RATE: u32 = 16_000;
    let frames = (RATE as f32 * seconds) as usize;
    let samples: Vec<f32> = (0..frames)
        .map(|i| (i as f32 * hz * std::f32::consts::TAU / RATE as f32).sin() * 0.5)
        .collect();
    wav(RATE, 1, &samples)
}
