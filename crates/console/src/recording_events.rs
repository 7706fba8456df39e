//! Recordings as the console shows them: an index entry's JSON, and the task that announces each
//! newly registered recording on the hub as `recording.ready`.

use std::sync::Arc;

use ringside_runtime::recordings::index::{Entry, RecordingIndex};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::hub::{now_rfc3339, Hub};

/// A recording as the console's JSON.
pub fn json(entry: &Entry) -> Value {
    json!({
        "id": entry.id,
        "kind": entry.kind.name(),
        "dialect": entry.kind.dialect(),
        "call": entry.call,
        "leg": entry.leg,
        "started": rfc3339_ms(entry.started_unix_ms),
        "durationMs": entry.duration_ms,
        "channels": entry.channels,
        "bytes": entry.bytes,
    })
}

fn rfc3339_ms(unix_ms: u64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Registered recordings → `recording.ready` on the hub, until the index is gone. A lag only
/// loses announcements (the page lists the index when it reloads).
pub(crate) async fn pump(index: Arc<RecordingIndex>, hub: Arc<Hub>) {
    let mut ready = index.subscribe();
    drop(index);
    loop {
        match ready.recv().await {
            Ok(entry) => {
                let body = json!({ "recording": json(&entry) });
                hub.publish(
                    "recording.ready",
                    entry.call.as_deref(),
                    &now_rfc3339(),
                    body,
                );
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "the console missed recording announcements");
            }
            Err(RecvError::Closed) => break,
        }
    }
}
