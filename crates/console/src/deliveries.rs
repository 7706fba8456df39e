//! The delivery timeline: every attempt the outbox makes (Graph notifications, ACS callbacks and
//! CloudEvents) becomes a `delivery` event in the hub — request (URL, headers with secrets masked,
//! body), response (status, body truncated, latency), the retries ahead and the state after it —
//! under the call it belongs to; a failed attempt also raises a typed `alert` (jambonz style:
//! `webhook-failure`, `webhook-connection-failure`, `webhook-auth-failure`, `throttled`).
//!
//! Which call: the doors key outbox rows by their own call id (the bot leg's id; Event Grid rows
//! `leg/subscription`), and Graph and ACS callback rows also carry the conversation in
//! `X-Microsoft-Skype-Chain-ID`. That header is used when present; otherwise the key's leg is
//! looked up among the legs the console has seen in engine events ([`Legs`]). Rows of neither
//! kind (recording events) go on the stream without a call.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use ringside_runtime::outbox::{AttemptRecord, DeliveryState};
use serde_json::{json, Value};
use tokio::sync::broadcast::{error::RecvError, Receiver};

use crate::hub::{now_rfc3339, Hub};

/// Legs remembered for mapping rows to calls.
const LEGS: usize = 20_000;
/// The header Graph and ACS callback rows carry the conversation in.
const CHAIN_ID: &str = "x-microsoft-skype-chain-id";

/// Leg id → call id, as seen in engine events (bounded; the longest known is forgotten first).
#[derive(Default)]
pub struct Legs(Mutex<LegMap>);

#[derive(Default)]
struct LegMap {
    calls: HashMap<String, String>,
    order: VecDeque<String>,
}

impl Legs {
    /// Remembers that `leg` belongs to `call`.
    pub fn learn(&self, leg: &str, call: &str) {
        let mut map = self.lock();
        if map
            .calls
            .insert(leg.to_string(), call.to_string())
            .is_none()
        {
            map.order.push_back(leg.to_string());
        }
        while map.order.len() > LEGS {
            if let Some(old) = map.order.pop_front() {
                map.calls.remove(&old);
            }
        }
    }

    /// The call of `leg`, if seen.
    pub fn call_of(&self, leg: &str) -> Option<String> {
        self.lock().calls.get(leg).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LegMap> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Attempt records → hub, until the outbox is gone.
pub(crate) async fn pump(
    mut records: Receiver<Arc<AttemptRecord>>,
    hub: Arc<Hub>,
    legs: Arc<Legs>,
) {
    loop {
        match records.recv().await {
            Ok(record) => publish(&hub, &legs, &record),
            Err(RecvError::Lagged(missed)) => {
                let body = json!({ "reason": format!("{missed} delivery records were missed") });
                hub.publish("reset", None, &now_rfc3339(), body);
            }
            Err(RecvError::Closed) => break,
        }
    }
}

/// Publishes one record (and its alert, if it failed).
pub fn publish(hub: &Hub, legs: &Legs, record: &AttemptRecord) {
    let call = call_of(legs, record);
    let time = now_rfc3339();
    let alert = alert_kind(record);
    hub.publish(
        "delivery",
        call.as_deref(),
        &time,
        delivery_json(record, alert),
    );
    if let Some(kind) = alert {
        let body = json!({
            "alert": kind,
            "message": record.error.clone().unwrap_or_default(),
            "url": record.url,
            "row": record.row,
            "attempt": record.attempt,
        });
        hub.publish("alert", call.as_deref(), &time, body);
    }
}

/// The call a record belongs to.
pub fn call_of(legs: &Legs, record: &AttemptRecord) -> Option<String> {
    let chain = record
        .row_headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(CHAIN_ID))
        .map(|(_, value)| value.clone());
    chain.or_else(|| {
        let leg = record.ordering_key.split('/').next().unwrap_or_default();
        legs.call_of(leg)
    })
}

/// The alert a failed attempt raises, if any.
pub fn alert_kind(record: &AttemptRecord) -> Option<&'static str> {
    if record.state == DeliveryState::Delivered {
        return None;
    }
    match record.status {
        Some(401 | 403) => Some("webhook-auth-failure"),
        Some(429) => Some("throttled"),
        Some(_) => Some("webhook-failure"),
        None => {
            let error = record
                .error
                .as_deref()
                .unwrap_or_default()
                .to_ascii_lowercase();
            if error.contains("no longer wanted") {
                None
            } else if error.contains("connect") || error.contains("refused") {
                Some("webhook-connection-failure")
            } else {
                Some("webhook-failure")
            }
        }
    }
}

fn delivery_json(record: &AttemptRecord, alert: Option<&str>) -> Value {
    let body = String::from_utf8_lossy(&record.body);
    let body = serde_json::from_str::<Value>(&body).unwrap_or_else(|_| json!(body));
    let headers: serde_json::Map<String, Value> = record
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), json!(value)))
        .collect();
    json!({
        "row": record.row,
        "dialect": record.dialect,
        "attempt": record.attempt,
        "state": record.state.name(),
        "request": { "method": "POST", "url": record.url, "headers": headers, "body": body },
        "response": record.status.map(|status| json!({
            "status": status,
            "body": record.response,
        })),
        "latencyMs": millis(record.latency),
        "error": record.error,
        "retriesAheadMs": record.ahead.iter().map(|d| millis(*d)).collect::<Vec<_>>(),
        "alert": alert,
    })
}

fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn record(state: DeliveryState, status: Option<u16>, error: Option<&str>) -> AttemptRecord {
        AttemptRecord {
            row: 7,
            ordering_key: "leg-1/sub".into(),
            dialect: "acs".into(),
            row_headers: Vec::new(),
            attempt: 2,
            url: "http://127.0.0.1:9/hook".into(),
            headers: vec![("authorization".into(), "Bearer (masked)".into())],
            body: Arc::new(br#"[{"type":"x"}]"#.to_vec()),
            status,
            response: "nope".into(),
            error: error.map(str::to_string),
            latency: Duration::from_millis(12),
            ahead: vec![Duration::from_secs(2), Duration::from_secs(4)],
            state,
        }
    }

    #[test]
    fn failures_raise_typed_alerts() {
        let kind = |status, error| alert_kind(&record(DeliveryState::Retrying, status, error));
        assert_eq!(kind(Some(401), None), Some("webhook-auth-failure"));
        assert_eq!(kind(Some(403), None), Some("webhook-auth-failure"));
        assert_eq!(kind(Some(429), None), Some("throttled"));
        assert_eq!(kind(Some(500), None), Some("webhook-failure"));
        let refused = Some("POST http://x/: error sending request (Connection refused)");
        assert_eq!(kind(None, refused), Some("webhook-connection-failure"));
        assert_eq!(kind(None, Some("no longer wanted (…)")), None);
        let delivered = record(DeliveryState::Delivered, Some(202), None);
        assert_eq!(alert_kind(&delivered), None);
    }

    #[test]
    fn rows_map_to_calls_by_chain_id_or_by_a_leg_seen() {
        let legs = Legs::default();
        let mut row = record(DeliveryState::Delivered, Some(202), None);
        assert_eq!(call_of(&legs, &row), None);
        legs.learn("leg-1", "call-1");
        assert_eq!(call_of(&legs, &row).as_deref(), Some("call-1"));
        row.row_headers = vec![("X-Microsoft-Skype-Chain-ID".into(), "call-2".into())];
        assert_eq!(call_of(&legs, &row).as_deref(), Some("call-2"));
    }

    #[test]
    fn a_record_is_a_delivery_event_and_an_alert() {
        let hub = Hub::default();
        let legs = Legs::default();
        legs.learn("leg-1", "call-1");
        publish(
            &hub,
            &legs,
            &record(DeliveryState::Retrying, Some(503), Some("HTTP 503")),
        );
        let timeline = hub.timeline("call-1").unwrap_or_default();
        let kinds: Vec<&str> = timeline.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec!["delivery", "alert"]);
        let data: Value = serde_json::from_str(&timeline[0].data).unwrap_or_default();
        assert_eq!(data["state"], "retrying");
        assert_eq!(data["response"]["status"], 503);
        assert_eq!(data["request"]["body"][0]["type"], "x");
        assert_eq!(data["retriesAheadMs"], json!([2000, 4000]));
        assert_eq!(data["latencyMs"], 12);
    }
}
