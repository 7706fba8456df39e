//! Live media streams between a call and an app over WebSocket: the [`StreamService`] (start, stop,
//! DTMF, participant names), the routing of the media plane's per-tick frames to each connection's
//! bounded queue, the target-address rules, and the stream events fed back to the owning door.
//!
//! # Shape
//!
//! - A door (ACS media streaming, Graph app-hosted media) or the platform calls
//!   [`StreamService::start`] with a [`StreamSpec`] (conversation, bot leg, `ws(s)://` target,
//!   [`StreamCodec`](codec::StreamCodec), channel, rate, bidirectional, bearer token, extra headers). It checks the URL
//!   (scheme, credentials, address rules for IP literals) and returns a [`StreamId`] at once.
//! - One tokio task per stream ([`conn`]) resolves the host (every address checked against the
//!   rules), connects with a time limit (TLS: the Mozilla roots plus the local CA; loopback hosts
//!   with any certificate, as the webhook outbox does), sends the upgrade with the bearer token and
//!   headers, then asks the media plane to start the tap (`MediaCommand::StartStream`).
//! - The media shards hand every tick's `StreamFrames` batch to [`StreamService::route`] on their
//!   own threads: each frame goes into its stream's bounded queue with `try_send`; a full queue
//!   drops the frame and counts it, so a slow app never holds up the media clock.
//! - Inbound messages (bidirectional) are parsed by the stream's codec (the door's wire format);
//!   audio of a valid size becomes `MediaCommand::StreamAudio` (played as the bot leg's voice);
//!   anything else is counted and ignored.
//! - [`StreamEvent`]s (connected, failed, stopped with counters) go to the runtime, which hands
//!   them to the owning door inside the runtime task (`Doors::stream_event`), and to
//!   [`StreamService::subscribe`] listeners.
//!
//! The stream ends when the owner stops it, the app closes the socket, the socket fails, or the
//! plane reports the tap ended (the bot leg disconnected or the conversation ended).

pub mod codec;
mod conn;

pub use conn::READ_BUFFER;
pub mod socket;
pub mod tap;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use arc_swap::ArcSwap;
use std::time::Duration;

use ringside_engine::{ConversationId, LegId};
use ringside_media::{MediaCommand, StreamCounters};
use tokio::sync::{broadcast, mpsc};
use url::{Host, Url};

use crate::fetch::{classify, AddressClass, FetchPolicy};

pub use ringside_media::{StreamChannel, StreamFrame, StreamId, StreamRate};

/// Frames queued per stream between the media clock and its socket (1 s at one channel); beyond
/// it frames are dropped and counted.
pub const QUEUE_FRAMES: usize = 200;

/// Time limit for resolving, connecting, TLS and the WebSocket upgrade.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest inbound WebSocket message accepted (bytes); bigger ones end the connection.
pub const MAX_INBOUND_MESSAGE: usize = 256 * 1024;

/// Largest piece of inbound audio accepted in one message (1 s at 24 kHz).
pub const MAX_INBOUND_SAMPLES: usize = 24_000;

/// What to stream where.
#[derive(Clone)]
pub struct StreamSpec {
    /// The conversation.
    pub conversation: ConversationId,
    /// The bot leg whose view is streamed (and whose voice inbound audio becomes).
    pub leg: LegId,
    /// `wss://…` (or `ws://` to a loopback host where loopback is allowed).
    pub url: String,
    /// The wire format, from the door that starts the stream.
    pub codec: Arc<dyn codec::StreamCodec>,
    /// Mixed or unmixed.
    pub channel: StreamChannel,
    /// 16 or 24 kHz.
    pub rate: StreamRate,
    /// Audio from the app is played into the call.
    pub bidirectional: bool,
    /// Sent as `Authorization: Bearer …` on the upgrade request.
    pub bearer: Option<String>,
    /// Extra upgrade headers (for ACS: `x-ms-call-correlation-id`, `x-ms-call-connection-id`).
    pub headers: Vec<(String, String)>,
    /// Names of participant legs in unmixed frames (ACS `participantRawID`); a leg without one
    /// is named by its id.
    pub participants: HashMap<LegId, String>,
    /// Who started the stream (a door's tag, e.g. `"acs"`); its events name it.
    pub owner: &'static str,
}

/// Why a stream cannot start (checked before anything connects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// Not a usable `ws(s)://` URL.
    BadUrl(String),
    /// The address rules refuse the target.
    Refused(String),
    /// The call runtime is not running.
    Unavailable,
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::BadUrl(message) | StreamError::Refused(message) => f.write_str(message),
            StreamError::Unavailable => f.write_str("the call runtime is not running"),
        }
    }
}

impl std::error::Error for StreamError {}

/// What a connection carried (reported with [`StreamEventKind::Stopped`] and `Failed`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConnCounters {
    /// Audio frames sent to the app.
    pub frames_sent: u64,
    /// Frames dropped because the connection's queue was full.
    pub frames_dropped: u64,
    /// Inbound audio messages accepted.
    pub audio_in: u64,
    /// Inbound messages that were not understood or not acceptable (ignored).
    pub bad_in: u64,
    /// Inbound `StopAudio` messages.
    pub stop_audio: u64,
    /// DTMF messages sent to the app.
    pub dtmf_sent: u64,
    /// What the media plane counted (frames out, frames of the app's audio played or dropped).
    pub plane: StreamCounters,
}

/// Something that happened to a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEvent {
    /// The stream.
    pub stream: StreamId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its bot leg.
    pub leg: LegId,
    /// Its owner.
    pub owner: &'static str,
    /// What happened.
    pub kind: StreamEventKind,
}

/// What happened to a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEventKind {
    /// The WebSocket is open and frames flow.
    Connected,
    /// The stream could not connect, or the socket failed (final).
    Failed {
        /// Why.
        reason: String,
        /// What it carried before failing.
        counters: ConnCounters,
    },
    /// The stream ended normally: stopped by its owner, closed by the app, or the call ended
    /// (final).
    Stopped {
        /// Why.
        reason: String,
        /// What it carried.
        counters: ConnCounters,
    },
}

/// Messages to the runtime task (it owns the media port and the doors).
pub enum ToRuntime {
    /// A media command (start/stop a tap, the app's audio).
    Media(MediaCommand),
    /// A stream event for the owning door.
    Event(StreamEvent),
}

/// Delivers [`ToRuntime`] messages to the runtime task; `false` once it has stopped.
pub type RuntimeSink = Arc<dyn Fn(ToRuntime) -> bool + Send + Sync>;

/// Control messages to a connection task.
#[derive(Debug)]
pub enum Control {
    /// Close the socket and stop.
    Stop(String),
    /// A DTMF tone to send to the app.
    Dtmf(char),
    /// The media plane ended the tap (leg or conversation gone).
    PlaneStopped(StreamCounters),
    /// A participant's name for unmixed frames.
    Name(LegId, String),
    /// Pause (`true`) or resume an in-process tap (call recording); sockets ignore it.
    Pause(bool),
}

#[derive(Clone)]
struct Route {
    frames: mpsc::Sender<StreamFrame>,
    dropped: Arc<AtomicU64>,
}

/// The address rules for stream targets (the prompt fetcher's rules: `[media]
/// allow_private_prompt_hosts` and `prompt_hosts` govern stream hosts too; loopback in dev mode).
#[derive(Clone, Debug)]
pub struct StreamPolicy {
    pub allow_private: bool,
    pub allow_loopback: bool,
    pub allow_hosts: Vec<String>,
    pub connect_timeout: Duration,
}

impl StreamPolicy {
    pub fn from_fetch(policy: &FetchPolicy) -> StreamPolicy {
        StreamPolicy {
            allow_private: policy.allow_private,
            allow_loopback: policy.allow_loopback,
            allow_hosts: policy.allow_hosts.clone(),
            connect_timeout: CONNECT_TIMEOUT,
        }
    }

    fn host_listed(&self, host: &str) -> bool {
        let host = host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        self.allow_hosts.contains(&host)
    }

    /// Whether `host` may be reached at `ip`.
    pub fn check_address(&self, host: &str, ip: IpAddr) -> Result<(), String> {
        if self.host_listed(host) {
            return Ok(());
        }
        let class = classify(ip);
        let allowed = match class {
            AddressClass::Public => true,
            AddressClass::Loopback => self.allow_loopback || self.allow_private,
            AddressClass::Private | AddressClass::UniqueLocal | AddressClass::SharedCgnat => {
                self.allow_private
            }
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(format!(
                "the media stream host {host} is at {ip}, which is not a public address; set \
                 [media] allow_private_prompt_hosts = true or list the host in [media] \
                 prompt_hosts to allow it"
            ))
        }
    }

    /// Scheme, credentials, host; IP literals against the address rules.
    pub fn check_url(&self, raw: &str) -> Result<Url, StreamError> {
        let url = Url::parse(raw.trim())
            .map_err(|error| StreamError::BadUrl(format!("'{raw}' is not a URL: {error}")))?;
        let host = url
            .host()
            .ok_or_else(|| StreamError::BadUrl(format!("'{raw}' has no host")))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(StreamError::BadUrl(
                "media stream URLs must not carry credentials".into(),
            ));
        }
        let literal = match host {
            Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            Host::Domain(_) => None,
        };
        let host_text = url.host_str().unwrap_or_default().to_string();
        match url.scheme() {
            "wss" => {}
            "ws" => {
                let loopback = match literal {
                    Some(ip) => classify(ip) == AddressClass::Loopback,
                    None => host_text.eq_ignore_ascii_case("localhost"),
                };
                if !(loopback && (self.allow_loopback || self.allow_private)) {
                    return Err(StreamError::BadUrl(format!(
                        "media stream URLs must be wss ('{raw}'); ws is accepted only for \
                         loopback hosts where loopback is allowed (dev mode)"
                    )));
                }
            }
            other => {
                return Err(StreamError::BadUrl(format!(
                    "media stream URLs must be wss, not {other} ('{raw}')"
                )))
            }
        }
        if let Some(ip) = literal {
            self.check_address(&host_text, ip)
                .map_err(StreamError::Refused)?;
        }
        Ok(url)
    }
}

/// The streaming service: one per server, shared by the runtime, the doors and the media shards.
pub struct StreamService {
    policy: StreamPolicy,
    tls: conn::TlsConfigs,
    next: AtomicU64,
    /// Read by the media shards on every tick without a lock (a snapshot swapped on change), so a
    /// real-time shard thread never waits for a tokio worker starting or stopping a stream.
    routes: ArcSwap<HashMap<StreamId, Route>>,
    controls: Mutex<HashMap<StreamId, mpsc::UnboundedSender<Control>>>,
    runtime: OnceLock<RuntimeSink>,
    events: broadcast::Sender<StreamEvent>,
}

impl std::fmt::Debug for StreamService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamService")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl StreamService {
    /// A service with the given address rules; `extra_roots` are PEM certificates trusted besides
    /// the Mozilla roots (the local CA).
    pub fn new(policy: StreamPolicy, extra_roots: &[Vec<u8>]) -> anyhow::Result<StreamService> {
        let (events, _) = broadcast::channel(1024);
        Ok(StreamService {
            policy,
            tls: conn::TlsConfigs::new(extra_roots)?,
            next: AtomicU64::new(1),
            routes: ArcSwap::from_pointee(HashMap::new()),
            controls: Mutex::new(HashMap::new()),
            runtime: OnceLock::new(),
            events,
        })
    }

    /// Connects the service to the runtime's stream mailbox (once, at start).
    pub fn attach(&self, runtime: RuntimeSink) {
        let _ = self.runtime.set(runtime);
    }

    /// Starts a stream: checks the URL now, connects in the background. Events follow through
    /// the owner's door and [`StreamService::subscribe`].
    pub fn start(self: &Arc<Self>, spec: StreamSpec) -> Result<StreamId, StreamError> {
        let url = self.policy.check_url(&spec.url)?;
        let runtime = self
            .runtime
            .get()
            .cloned()
            .ok_or(StreamError::Unavailable)?;
        let id = StreamId(self.next.fetch_add(1, Ordering::Relaxed));
        let (frames_tx, frames_rx) = mpsc::channel(QUEUE_FRAMES);
        let dropped = Arc::new(AtomicU64::new(0));
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        self.add_route(
            id,
            Route {
                frames: frames_tx,
                dropped: dropped.clone(),
            },
        );
        lock(&self.controls).insert(id, control_tx);
        let task = conn::Connection {
            id,
            spec,
            url,
            policy: self.policy.clone(),
            tls: self.tls.clone(),
            frames: frames_rx,
            dropped,
            control: control_rx,
            runtime,
            service: Arc::downgrade(self),
        };
        tokio::spawn(task.run());
        Ok(id)
    }

    /// Stops a stream (closes its socket; a `Stopped` event follows). `false` when it is not live.
    pub fn stop(&self, id: StreamId, reason: &str) -> bool {
        self.control(id, Control::Stop(reason.to_string()))
    }

    /// Sends a DTMF tone (`0-9`, `*`, `#`, `A-D`) to the app (ACS `DtmfData`; Graph `dtmf`).
    pub fn dtmf(&self, id: StreamId, tone: char) -> bool {
        self.control(id, Control::Dtmf(tone))
    }

    /// Pauses or resumes an in-process tap ([`tap::LocalTap`]); `false` when it is not live.
    pub fn pause(&self, id: StreamId, paused: bool) -> bool {
        self.control(id, Control::Pause(paused))
    }

    /// Names a participant leg for unmixed frames (ACS `participantRawID`).
    pub fn name_participant(&self, id: StreamId, leg: LegId, name: String) -> bool {
        self.control(id, Control::Name(leg, name))
    }

    /// Whether a stream is live (started and not yet ended).
    pub fn is_live(&self, id: StreamId) -> bool {
        lock(&self.controls).contains_key(&id)
    }

    /// Live streams.
    pub fn live_count(&self) -> usize {
        lock(&self.controls).len()
    }

    /// Every stream event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.events.subscribe()
    }

    fn control(&self, id: StreamId, message: Control) -> bool {
        match lock(&self.controls).get(&id) {
            Some(tx) => tx.send(message).is_ok(),
            None => false,
        }
    }

    /// One tick's frames from a media shard: each into its stream's queue, never waiting (a full
    /// queue drops the frame and counts it). Runs on the shard thread.
    pub fn route(&self, frames: Vec<StreamFrame>) {
        let routes = self.routes.load();
        for frame in frames {
            if let Some(route) = routes.get(&frame.stream) {
                if route.frames.try_send(frame).is_err() {
                    route.dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// The plane ended a tap (called by the runtime on `StreamStopped`).
    pub fn plane_stopped(&self, id: StreamId, counters: StreamCounters) {
        self.control(id, Control::PlaneStopped(counters));
    }

    /// A connection ended: forget its route and control.
    fn finished(&self, id: StreamId) {
        self.routes.rcu(|routes| {
            let mut routes = HashMap::clone(routes);
            routes.remove(&id);
            routes
        });
        lock(&self.controls).remove(&id);
    }

    /// Adds a stream's route (a new snapshot for the shards).
    fn add_route(&self, id: StreamId, route: Route) {
        self.routes.rcu(|routes| {
            let mut routes = HashMap::clone(routes);
            routes.insert(id, route.clone());
            routes
        });
    }

    fn publish(&self, event: StreamEvent) {
        let _ = self.events.send(event);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(dev: bool) -> StreamPolicy {
        StreamPolicy {
            allow_private: false,
            allow_loopback: dev,
            allow_hosts: vec!["media.internal".into()],
            connect_timeout: CONNECT_TIMEOUT,
        }
    }

    #[test]
    fn urls_must_be_wss_or_loopback_ws_in_dev() {
        let dev = policy(true);
        assert!(dev.check_url("ws://127.0.0.1:9000/x").is_ok());
        assert!(dev.check_url("ws://localhost:9000/x").is_ok());
        assert!(dev.check_url("wss://app.example.com/ws").is_ok());
        assert!(matches!(
            dev.check_url("ws://app.example.com/ws"),
            Err(StreamError::BadUrl(_))
        ));
        assert!(matches!(
            dev.check_url("https://app.example.com/ws"),
            Err(StreamError::BadUrl(_))
        ));
        assert!(matches!(
            dev.check_url("wss://user:pw@app.example.com/ws"),
            Err(StreamError::BadUrl(_))
        ));
        assert!(matches!(
            dev.check_url("not a url"),
            Err(StreamError::BadUrl(_))
        ));
        let prod = policy(false);
        assert!(matches!(
            prod.check_url("ws://127.0.0.1:9000/x"),
            Err(StreamError::BadUrl(_))
        ));
        assert!(matches!(
            prod.check_url("wss://127.0.0.1:9000/x"),
            Err(StreamError::Refused(_))
        ));
        assert!(matches!(
            prod.check_url("wss://10.1.2.3/x"),
            Err(StreamError::Refused(_))
        ));
        assert!(matches!(
            dev.check_url("wss://169.254.169.254/latest"),
            Err(StreamError::Refused(_))
        ));
        assert!(prod
            .check_address("media.internal", "10.0.0.5".parse().expect("ip"))
            .is_ok());
    }
}
