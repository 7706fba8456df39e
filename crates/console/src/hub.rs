//! The console's event hub: every published event gets the next id (from 1, never reused while the
//! server runs), lands in a bounded ring of recent events (what a reconnecting stream replays after
//! its `Last-Event-ID`) and in its call's bounded timeline, and goes to every live stream. A resume
//! whose id is older than the ring, or from another run, is told to start over (`reset`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::sync::broadcast;

/// Recent events kept for resuming streams.
pub const RING: usize = 2_048;
/// Events kept per call for its timeline.
pub const PER_CALL: usize = 1_000;
/// Calls whose timelines are kept (the oldest is forgotten first).
pub const CALLS: usize = 200;
/// Alerts kept for the alerts view (newest kept).
pub const ALERTS: usize = 500;
/// Events a slow stream may fall behind before it is reset.
const LIVE_CAPACITY: usize = 1_024;

/// One published event.
#[derive(Debug)]
pub struct Entry {
    /// Its id (the SSE `id:`).
    pub id: u64,
    /// Its type (the SSE `event:`).
    pub kind: &'static str,
    /// Its JSON (the SSE `data:`): `id`, `type`, `time`, `call` and the event's own members.
    pub data: String,
}

/// What a stream replays before it goes live.
#[derive(Debug)]
pub enum Replay {
    /// These events, oldest first (perhaps none).
    Events(Vec<Arc<Entry>>),
    /// The id is unknown here (too old, or from before a restart): reload, then go on from
    /// `latest`.
    Reset {
        /// The newest id published so far (0 for none).
        latest: u64,
    },
}

/// The hub. Cheap to share behind an `Arc`.
pub struct Hub {
    state: Mutex<State>,
    live: broadcast::Sender<Arc<Entry>>,
}

#[derive(Default)]
struct State {
    next: u64,
    ring: VecDeque<Arc<Entry>>,
    calls: HashMap<String, VecDeque<Arc<Entry>>>,
    call_order: VecDeque<String>,
    alerts: VecDeque<Arc<Entry>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub {
            state: Mutex::new(State {
                next: 1,
                ..State::default()
            }),
            live: broadcast::channel(LIVE_CAPACITY).0,
        }
    }
}

impl Hub {
    /// Publishes an event of `kind` about `call` at `time` (RFC 3339); `body`'s members join the
    /// common ones. Returns its id.
    pub fn publish(&self, kind: &'static str, call: Option<&str>, time: &str, body: Value) -> u64 {
        let mut state = self.lock();
        let id = state.next;
        state.next += 1;
        let mut data = json!({ "id": id, "type": kind, "time": time, "call": call });
        if let (Value::Object(data), Value::Object(body)) = (&mut data, body) {
            data.extend(body);
        }
        let entry = Arc::new(Entry {
            id,
            kind,
            data: data.to_string(),
        });
        state.ring.push_back(entry.clone());
        if state.ring.len() > RING {
            state.ring.pop_front();
        }
        if let Some(call) = call {
            state.remember(call, entry.clone());
        }
        if kind == "alert" {
            state.alerts.push_back(entry.clone());
            if state.alerts.len() > ALERTS {
                state.alerts.pop_front();
            }
        }
        // Sent under the lock, so a stream subscribing in `resume` sees each event exactly once.
        let _ = self.live.send(entry);
        id
    }

    /// What a stream that last saw `last` (its `Last-Event-ID`; `None` for a fresh stream, which
    /// replays nothing) replays, and its subscription to what follows.
    pub fn resume(&self, last: Option<u64>) -> (Replay, broadcast::Receiver<Arc<Entry>>) {
        let state = self.lock();
        let live = self.live.subscribe();
        let latest = state.next - 1;
        let replay = match last {
            None => Replay::Events(Vec::new()),
            Some(last) if last > latest => Replay::Reset { latest },
            Some(last) => {
                let oldest = state.ring.front().map_or(state.next, |entry| entry.id);
                if last + 1 < oldest {
                    Replay::Reset { latest }
                } else {
                    let events = state.ring.iter().filter(|e| e.id > last).cloned().collect();
                    Replay::Events(events)
                }
            }
        };
        (replay, live)
    }

    /// The newest id published so far (0 for none).
    pub fn latest(&self) -> u64 {
        self.lock().next - 1
    }

    /// A call's timeline (its kept events, oldest first), or `None` for a call never seen or
    /// forgotten.
    pub fn timeline(&self, call: &str) -> Option<Vec<Arc<Entry>>> {
        let state = self.lock();
        state
            .calls
            .get(call)
            .map(|events| events.iter().cloned().collect())
    }

    /// The kept alerts, newest first.
    pub fn alerts(&self) -> Vec<Arc<Entry>> {
        self.lock().alerts.iter().rev().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    fn remember(&mut self, call: &str, entry: Arc<Entry>) {
        if !self.calls.contains_key(call) {
            self.call_order.push_back(call.to_string());
            while self.call_order.len() > CALLS {
                if let Some(oldest) = self.call_order.pop_front() {
                    self.calls.remove(&oldest);
                }
            }
        }
        let events = self.calls.entry(call.to_string()).or_default();
        events.push_back(entry);
        if events.len() > PER_CALL {
            events.pop_front();
        }
    }
}

/// Wall-clock now, RFC 3339 with milliseconds.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(hub: &Hub, n: usize, call: &str) {
        for _ in 0..n {
            hub.publish("leg.state", Some(call), "t", json!({"state": "x"}));
        }
    }

    fn ids(replay: Replay) -> Vec<u64> {
        match replay {
            Replay::Events(events) => events.iter().map(|e| e.id).collect(),
            Replay::Reset { latest } => panic!("reset at {latest}"),
        }
    }

    #[test]
    fn ids_increase_and_the_data_carries_them() {
        let hub = Hub::default();
        assert_eq!(hub.latest(), 0);
        let first = hub.publish(
            "tone",
            Some("c"),
            "2026-12-07T00:00:00Z",
            json!({"tone": "5"}),
        );
        let second = hub.publish("tone", None, "t", json!({}));
        assert_eq!((first, second), (1, 2));
        let timeline = hub.timeline("c").unwrap_or_default();
        let data: Value = serde_json::from_str(&timeline[0].data).unwrap_or_default();
        assert_eq!(data["id"], 1);
        assert_eq!(data["type"], "tone");
        assert_eq!(data["tone"], "5");
        assert_eq!(data["call"], "c");
    }

    #[test]
    fn a_resume_replays_exactly_what_was_missed_then_goes_live() {
        let hub = Hub::default();
        publish(&hub, 5, "c");
        let (replay, mut live) = hub.resume(Some(2));
        assert_eq!(ids(replay), vec![3, 4, 5]);
        assert_eq!(ids(hub.resume(Some(5)).0), Vec::<u64>::new());
        assert_eq!(ids(hub.resume(None).0), Vec::<u64>::new());
        assert_eq!(ids(hub.resume(Some(0)).0), vec![1, 2, 3, 4, 5]);
        publish(&hub, 1, "c");
        assert_eq!(live.try_recv().map(|e| e.id).ok(), Some(6));
    }

    #[test]
    fn a_resume_older_than_the_ring_or_from_the_future_is_reset() {
        let hub = Hub::default();
        publish(&hub, RING + 10, "c");
        assert!(
            matches!(hub.resume(Some(5)).0, Replay::Reset { latest } if latest == (RING + 10) as u64)
        );
        // The oldest kept is 11: resuming after 10 has no gap.
        assert_eq!(ids(hub.resume(Some(10)).0).first(), Some(&11));
        assert!(matches!(hub.resume(Some(99_999)).0, Replay::Reset { .. }));
    }

    #[test]
    fn timelines_are_bounded_per_call_and_in_number() {
        let hub = Hub::default();
        publish(&hub, PER_CALL + 5, "busy");
        let busy = hub.timeline("busy").unwrap_or_default();
        assert_eq!(busy.len(), PER_CALL);
        assert_eq!(busy[0].id, 6);
        for call in 0..CALLS {
            publish(&hub, 1, &format!("call-{call}"));
        }
        assert!(hub.timeline("busy").is_none());
        assert!(hub.timeline("call-0").is_some());
        assert!(hub.timeline("never").is_none());
    }

    #[test]
    fn alerts_are_kept_newest_first_and_bounded_whatever_their_call() {
        let hub = Hub::default();
        publish(&hub, 3, "c");
        hub.publish("alert", Some("c"), "t", json!({"alert": "webhook-failure"}));
        hub.publish("alert", None, "t", json!({"alert": "throttled"}));
        let ids: Vec<u64> = hub.alerts().iter().map(|e| e.id).collect();
        assert_eq!(ids, vec![5, 4]);
        for _ in 0..ALERTS {
            hub.publish("alert", None, "t", json!({}));
        }
        let alerts = hub.alerts();
        assert_eq!(alerts.len(), ALERTS);
        assert!(alerts.iter().all(|e| e.kind == "alert" && e.id > 5));
    }
}
