//! The console's state: the platform API's state (node, admin token), the event hub, fed by a
//! task that maps every engine event the runtime broadcasts into the hub, and the stop signal the
//! server's shutdown gives (open event streams and phone sockets end on it); with the outbox, the
//! delivery attempts too ([`crate::deliveries`]); which user each softphone stands for; the
//! runtime's index of recordings, whose new entries another task publishes
//! ([`crate::recordings`]), and the waveforms computed from them.

use std::sync::Arc;

use ringside_platform::PlatformState;
use ringside_runtime::recordings::index::RecordingIndex;
use ringside_runtime::routing::party_json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use crate::deliveries::Legs;
use crate::hub::{now_rfc3339, Hub};
use crate::phone::you::Registry;
use crate::waveform::Waveforms;

/// What the console's handlers reach. Cheap to clone.
#[derive(Clone)]
pub struct ConsoleState {
    platform: PlatformState,
    hub: Arc<Hub>,
    legs: Arc<Legs>,
    registry: Arc<Registry>,
    stop: Arc<watch::Sender<bool>>,
    recordings: Arc<RecordingIndex>,
    waveforms: Arc<Waveforms>,
}

impl ConsoleState {
    /// The console over the platform's state; starts the task that feeds the hub from the
    /// runtime's engine events (must run inside a tokio runtime; it ends with the runtime).
    pub fn start(platform: PlatformState) -> ConsoleState {
        let hub = Arc::new(Hub::default());
        let legs = Arc::new(Legs::default());
        tokio::spawn(pump(platform.clone(), hub.clone(), legs.clone()));
        let recordings = platform.calls().recordings().index().clone();
        tokio::spawn(crate::recording_events::pump(
            recordings.clone(),
            hub.clone(),
        ));
        ConsoleState {
            platform,
            hub,
            legs,
            registry: Arc::new(Registry::default()),
            stop: Arc::new(watch::channel(false).0),
            recordings,
            waveforms: Arc::new(Waveforms::default()),
        }
    }

    /// Also shows the outbox's delivery attempts (`delivery` and `alert` events) in the calls'
    /// timelines and on the stream.
    pub fn with_deliveries(self, outbox: &ringside_runtime::outbox::Outbox) -> ConsoleState {
        let records = outbox.observe();
        tokio::spawn(crate::deliveries::pump(
            records,
            self.hub.clone(),
            self.legs.clone(),
        ));
        self
    }

    /// The server is shutting down: every open event stream and phone socket ends now (so a
    /// graceful shutdown does not wait on them).
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }

    /// Resolves once [`ConsoleState::shutdown`] was called (at once if it already was).
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.subscribe();
        async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        }
    }

    /// The platform's state.
    pub fn platform(&self) -> &PlatformState {
        &self.platform
    }

    /// Who is "you" on which softphone.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The node's recordings.
    pub(crate) fn recordings(&self) -> &Arc<RecordingIndex> {
        &self.recordings
    }

    /// Waveforms computed so far.
    pub(crate) fn waveforms(&self) -> &Waveforms {
        &self.waveforms
    }

    /// The event hub.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }
}

/// Engine events → hub, until the runtime stops. A lag (the runtime's broadcast overran this
/// task) is published as a `reset`, so the pages reload.
async fn pump(platform: PlatformState, hub: Arc<Hub>, legs: Arc<Legs>) {
    let mut events = platform.calls().subscribe();
    loop {
        match events.recv().await {
            Ok(event) => {
                let party =
                    |p: &ringside_model::Party| platform.directory().read(|d| party_json(d, p));
                let (kind, call, body) = crate::events::map(&event, &party);
                if let Some(leg) = body.get("leg").and_then(serde_json::Value::as_str) {
                    legs.learn(leg, &call);
                }
                hub.publish(kind, Some(&call), &now_rfc3339(), body);
            }
            Err(RecvError::Lagged(missed)) => {
                let body =
                    serde_json::json!({ "reason": format!("{missed} engine events were missed") });
                hub.publish("reset", None, &now_rfc3339(), body);
            }
            Err(RecvError::Closed) => break,
        }
    }
}
