//! Message sockets: a WebSocket to an app that carries what its owner writes (ACS transcription
//! frames) instead of a media tap's audio. The same address rules, TLS, upgrade headers, time
//! limit, control channel and [`StreamEvent`]s as an audio stream ([`super::conn`]), so the
//! owning door hears `Connected`, `Failed` and `Stopped` the same way.

use std::sync::{Arc, Weak};

use futures_util::{SinkExt, StreamExt};
use ringside_engine::{ConversationId, LegId};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::codec::WireMessage;
use super::conn::{self, Socket};
use super::{
    lock, ConnCounters, Control, RuntimeSink, StreamError, StreamEvent, StreamEventKind, StreamId,
    StreamPolicy, StreamService, ToRuntime,
};

/// Messages a socket queues before its owner's writes are refused (the app reads too slowly).
pub const MESSAGE_QUEUE: usize = 1_024;

/// Where a message socket connects, and for whom.
#[derive(Clone, Debug)]
pub struct MessageSpec {
    /// The conversation.
    pub conversation: ConversationId,
    /// The bot leg it belongs to.
    pub leg: LegId,
    /// `wss://…` (or `ws://` to a loopback host where loopback is allowed).
    pub url: String,
    /// Sent as `Authorization: Bearer …` on the upgrade request.
    pub bearer: Option<String>,
    /// Extra upgrade headers.
    pub headers: Vec<(String, String)>,
    /// The owning door's tag; its events name it.
    pub owner: &'static str,
}

/// The writing end of a message socket: messages queued before the socket opens are sent once
/// it does. Dropping every clone closes the socket.
#[derive(Clone, Debug)]
pub struct MessageSink {
    /// The socket's stream id (its events carry it).
    pub id: StreamId,
    tx: mpsc::Sender<WireMessage>,
}

impl MessageSink {
    /// Queues a message without waiting; `false` when the queue is full or the socket ended.
    pub fn send(&self, message: WireMessage) -> bool {
        self.tx.try_send(message).is_ok()
    }
}

impl StreamService {
    /// Opens a message socket: checks the URL now, connects in the background.
    pub fn start_messages(self: &Arc<Self>, spec: MessageSpec) -> Result<MessageSink, StreamError> {
        let url = self.policy.check_url(&spec.url)?;
        let runtime = self
            .runtime
            .get()
            .cloned()
            .ok_or(StreamError::Unavailable)?;
        let id = StreamId(self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let (tx, messages) = mpsc::channel(MESSAGE_QUEUE);
        let (control_tx, control) = mpsc::unbounded_channel();
        lock(&self.controls).insert(id, control_tx);
        let task = MessageSocket {
            id,
            spec,
            url,
            policy: self.policy.clone(),
            tls: self.tls.clone(),
            messages,
            control,
            runtime,
            service: Arc::downgrade(self),
        };
        tokio::spawn(task.run());
        Ok(MessageSink { id, tx })
    }
}

struct MessageSocket {
    id: StreamId,
    spec: MessageSpec,
    url: url::Url,
    policy: StreamPolicy,
    tls: conn::TlsConfigs,
    messages: mpsc::Receiver<WireMessage>,
    control: mpsc::UnboundedReceiver<Control>,
    runtime: RuntimeSink,
    service: Weak<StreamService>,
}

impl MessageSocket {
    async fn run(mut self) {
        let mut counters = ConnCounters::default();
        let opened = conn::open(
            &self.url,
            &self.policy,
            &self.tls,
            self.spec.bearer.as_deref(),
            &self.spec.headers,
        );
        let kind = match tokio::time::timeout(self.policy.connect_timeout, opened).await {
            Ok(Ok(mut socket)) => {
                self.emit(StreamEventKind::Connected);
                self.pump(&mut socket, &mut counters).await
            }
            Ok(Err(reason)) => StreamEventKind::Failed { reason, counters },
            Err(_) => StreamEventKind::Failed {
                reason: format!(
                    "the WebSocket host did not accept the connection within {} s",
                    self.policy.connect_timeout.as_secs()
                ),
                counters,
            },
        };
        if let Some(service) = self.service.upgrade() {
            service.finished(self.id);
        }
        self.emit(kind);
    }

    /// Writes the owner's messages until the owner stops or drops the socket, or the app closes
    /// it; how it ended.
    async fn pump(&mut self, socket: &mut Socket, counters: &mut ConnCounters) -> StreamEventKind {
        let stopped = |reason: &str, counters: &ConnCounters| StreamEventKind::Stopped {
            reason: reason.to_string(),
            counters: *counters,
        };
        loop {
            tokio::select! {
                message = self.messages.recv() => {
                    let Some(message) = message else {
                        let _ = socket.close(None).await;
                        return stopped("the owner closed the socket", counters);
                    };
                    if let Err(error) = socket.send(conn::message(message)).await {
                        return StreamEventKind::Failed {
                            reason: format!("the socket failed: {error}"),
                            counters: *counters,
                        };
                    }
                    counters.frames_sent += 1;
                }
                incoming = socket.next() => match incoming {
                    None => return stopped("the app closed the socket", counters),
                    Some(Err(error)) => {
                        return StreamEventKind::Failed {
                            reason: format!("the socket failed: {error}"),
                            counters: *counters,
                        }
                    }
                    Some(Ok(Message::Close(_))) => return stopped("the app closed the socket", counters),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    Some(Ok(_)) => counters.bad_in += 1,
                },
                control = self.control.recv() => match control {
                    Some(Control::Stop(reason)) => {
                        // What the owner queued before stopping still goes out.
                        while let Ok(message) = self.messages.try_recv() {
                            if socket.send(conn::message(message)).await.is_err() {
                                break;
                            }
                            counters.frames_sent += 1;
                        }
                        let _ = socket.close(None).await;
                        return stopped(&reason, counters);
                    }
                    None => return stopped("the streaming service stopped", counters),
                    Some(_) => {}
                },
            }
        }
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
}
