//! `GET /console/events`: the hub as Server-Sent Events. Each event carries its hub id as `id:` and
//! its type as `event:`; a reconnect's `Last-Event-ID` replays what was missed, or gets a `reset`
//! (whose id is the newest, so the stream goes on from there) when those events are no longer
//! kept; a stream that falls behind the live feed is reset the same way. The first message is
//! `ready` (`{"latest": id}`, no id, `retry:` 2 s); idle streams get a keep-alive comment every
//! 15 s. Every stream ends when the server shuts down (the console's stop signal).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::auth::Session;
use crate::hub::{Entry, Hub, Replay};
use crate::state::ConsoleState;

/// Keep-alive comment interval.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// What `retry:` tells the browser to wait before reconnecting.
const RETRY: Duration = Duration::from_secs(2);

/// The handler.
pub(crate) async fn events(
    _: Session,
    State(state): State<ConsoleState>,
    headers: HeaderMap,
) -> Response {
    let last = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    let events = stream(state.hub(), last).take_until(state.stopped());
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE));
    let mut response = sse.into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// The stream for a client that last saw `last`.
pub fn stream(hub: &Hub, last: Option<u64>) -> impl Stream<Item = Result<Event, Infallible>> {
    let (replay, live) = hub.resume(last);
    let latest = hub.latest();
    let ready = Event::default()
        .event("ready")
        .retry(RETRY)
        .data(json!({ "latest": latest }).to_string());
    let first: Vec<Event> = match replay {
        Replay::Events(events) => std::iter::once(ready)
            .chain(events.iter().map(|entry| event(entry)))
            .collect(),
        Replay::Reset { latest } => vec![
            ready,
            reset(latest, "the events after Last-Event-ID are no longer kept"),
        ],
    };
    stream::iter(first)
        .chain(stream::unfold(live, next_live))
        .map(Ok)
}

async fn next_live(mut live: Receiver<Arc<Entry>>) -> Option<(Event, Receiver<Arc<Entry>>)> {
    match live.recv().await {
        Ok(entry) => Some((event(&entry), live)),
        Err(RecvError::Lagged(_)) => {
            // Everything still queued is newer than what was missed; start over from the newest.
            let mut latest = 0;
            while let Ok(entry) = live.try_recv() {
                latest = entry.id;
            }
            let event = reset(latest, "this stream fell behind");
            Some((event, live))
        }
        Err(RecvError::Closed) => None,
    }
}

fn event(entry: &Entry) -> Event {
    Event::default()
        .id(entry.id.to_string())
        .event(entry.kind)
        .data(&entry.data)
}

fn reset(latest: u64, reason: &str) -> Event {
    let event = Event::default()
        .event("reset")
        .data(json!({ "latest": latest, "reason": reason }).to_string());
    if latest > 0 {
        event.id(latest.to_string())
    } else {
        event
    }
}
