//! The bench's bot receiver: a local HTTP server on 127.0.0.1:0 that takes Graph notifications,
//! ACS CloudEvent callbacks and Event Grid deliveries (answering the validation handshake), stamps
//! each on arrival and files the ones a scenario waits for in a [`Mailbox`] under a key
//! (`graph-established:{callId}`, `acs-connected:{connectionId}`, …).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// An event as it arrived.
#[derive(Clone, Debug)]
pub(crate) struct Arrival {
    pub(crate) at: Instant,
    pub(crate) body: Value,
}

enum Slot {
    Arrived(Arrival),
    Waiting(oneshot::Sender<Arrival>),
}

/// Events by key, each taken once: [`Mailbox::wait`] gets an event that arrived before or after it
/// was called.
#[derive(Default)]
pub(crate) struct Mailbox {
    slots: Mutex<HashMap<String, Slot>>,
}

impl Mailbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Files an event; the first one per key wins (later duplicates are dropped).
    pub(crate) fn deliver(&self, key: String, arrival: Arrival) {
        let mut slots = self.lock();
        match slots.remove(&key) {
            Some(Slot::Waiting(sender)) => {
                let _ = sender.send(arrival);
            }
            Some(arrived @ Slot::Arrived(_)) => {
                slots.insert(key, arrived);
            }
            None => {
                slots.insert(key, Slot::Arrived(arrival));
            }
        }
    }

    /// The event filed under `key`, waiting up to `limit` for it.
    pub(crate) async fn wait(&self, key: &str, limit: Duration) -> Option<Arrival> {
        let receiver = {
            let mut slots = self.lock();
            match slots.remove(key) {
                Some(Slot::Arrived(arrival)) => return Some(arrival),
                _ => {
                    let (sender, receiver) = oneshot::channel();
                    slots.insert(key.to_string(), Slot::Waiting(sender));
                    receiver
                }
            }
        };
        match tokio::time::timeout(limit, receiver).await {
            Ok(Ok(arrival)) => Some(arrival),
            _ => {
                self.lock().remove(key);
                None
            }
        }
    }
}

/// The running receiver.
pub(crate) struct Receiver {
    /// `http://127.0.0.1:port`.
    pub(crate) url: String,
    pub(crate) mailbox: Arc<Mailbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub(crate) async fn start() -> Result<Receiver> {
        let mailbox = Arc::new(Mailbox::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the bot receiver")?;
        let url = format!("http://{}", listener.local_addr()?);
        let app = axum::Router::new()
            .fallback(axum::routing::post(receive))
            .with_state(mailbox.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver { url, mailbox, task })
    }
}

async fn receive(State(mailbox): State<Arc<Mailbox>>, body: Bytes) -> Response {
    let at = Instant::now();
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut reply = None;
    for (key, body) in keys(&value) {
        if let Some(code) = key.strip_prefix("validation:") {
            reply = Some(json!({ "validationResponse": code }));
            continue;
        }
        mailbox.deliver(key, Arrival { at, body });
    }
    match reply {
        Some(reply) => Json(reply).into_response(),
        None => StatusCode::ACCEPTED.into_response(),
    }
}

/// The keys a delivery is filed under, with the part of the body that matters.
fn keys(value: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    // Graph commsNotifications.
    for n in value["value"].as_array().into_iter().flatten() {
        let data = &n["resourceData"];
        let id = data["id"].as_str().unwrap_or_default();
        let kind = data["@odata.type"].as_str().unwrap_or_default();
        let state = data["state"].as_str().unwrap_or_default();
        if kind.ends_with("Operation") {
            let status = data["status"].as_str().unwrap_or_default();
            if status == "completed" || status == "failed" {
                out.push((format!("graph-operation:{id}"), data.clone()));
            }
        } else if n["changeType"] == "created" && state == "incoming" {
            out.push((format!("graph-incoming:{id}"), data.clone()));
        } else if state == "established" {
            out.push((format!("graph-established:{id}"), data.clone()));
        }
    }
    // Event Grid (array with eventType) and ACS callbacks (CloudEvents with type).
    for event in value.as_array().into_iter().flatten() {
        let data = &event["data"];
        let kind = event["eventType"]
            .as_str()
            .or_else(|| event["type"].as_str())
            .unwrap_or_default();
        let connection = data["callConnectionId"].as_str().unwrap_or_default();
        match kind.strip_prefix("Microsoft.") {
            Some("EventGrid.SubscriptionValidationEvent") => {
                let code = data["validationCode"].as_str().unwrap_or_default();
                out.push((format!("validation:{code}"), Value::Null));
            }
            Some("Communication.IncomingCall") => {
                let from = data["from"]["rawId"].as_str().unwrap_or_default();
                out.push((format!("acs-incoming:{from}"), data.clone()));
            }
            Some("Communication.CallConnected") => {
                out.push((format!("acs-connected:{connection}"), data.clone()));
            }
            Some("Communication.MediaStreamingStarted") => {
                out.push((format!("acs-streaming:{connection}"), data.clone()));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_reaches_a_waiter_whether_it_came_before_or_after() {
        let mailbox = Arc::new(Mailbox::default());
        let arrival = |n: i64| Arrival {
            at: Instant::now(),
            body: json!(n),
        };
        mailbox.deliver("early".into(), arrival(1));
        let got = mailbox.wait("early", Duration::from_millis(10)).await;
        assert_eq!(got.map(|a| a.body), Some(json!(1)));
        // Taken once.
        assert!(mailbox
            .wait("early", Duration::from_millis(1))
            .await
            .is_none());

        let waiter = {
            let mailbox = mailbox.clone();
            tokio::spawn(async move { mailbox.wait("late", Duration::from_secs(5)).await })
        };
        while !mailbox.lock().contains_key("late") {
            tokio::task::yield_now().await;
        }
        mailbox.deliver("late".into(), arrival(2));
        let got = waiter.await.expect("join");
        assert_eq!(got.map(|a| a.body), Some(json!(2)));
    }

    #[test]
    fn deliveries_are_filed_by_dialect() {
        let graph = json!({"value": [
            {"changeType": "created", "resourceData": {"id": "c1", "state": "incoming"}},
            {"changeType": "updated", "resourceData": {"id": "c2", "state": "established"}},
            {"changeType": "updated", "resourceData": {"id": "c3", "state": "terminated"}},
            {"changeType": "deleted", "resourceData": {"id": "op", "@odata.type": "#microsoft.graph.playPromptOperation", "status": "completed"}},
        ]});
        let names: Vec<String> = keys(&graph).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            [
                "graph-incoming:c1",
                "graph-established:c2",
                "graph-operation:op"
            ]
        );
        let grid = json!([
            {"eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "data": {"validationCode": "abc"}},
            {"eventType": "Microsoft.Communication.IncomingCall", "data": {"from": {"rawId": "4:+1"}}},
        ]);
        let names: Vec<String> = keys(&grid).into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["validation:abc", "acs-incoming:4:+1"]);
        let callback = json!([{"type": "Microsoft.Communication.CallConnected", "data": {"callConnectionId": "x"}}]);
        assert_eq!(keys(&callback)[0].0, "acs-connected:x");
    }
}
