//! What the outbox tells observers (the web console's delivery timeline) about each delivery
//! attempt: a broadcast of [`AttemptRecord`]s — the request as sent (URL after redirects, headers
//! with secrets masked, body), the response (status, body truncated, latency) or the error, the
//! retries still ahead and the row's state afterwards. Nothing is built while nobody listens.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use ringside_store::{OutboxRow, RetryPolicy};
use tokio::sync::broadcast;

/// Records kept for a slow observer before it lags.
const CAPACITY: usize = 1_024;
/// Response bodies are kept up to this many bytes.
pub const MAX_RESPONSE_BODY: usize = 4_096;
/// Retries listed ahead at most.
const MAX_AHEAD: usize = 8;

/// A row's state after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    /// It failed and will be tried again (see [`AttemptRecord::ahead`]).
    Retrying,
    /// The webhook took it (2xx).
    Delivered,
    /// Not retried: the answer is final (Event Grid's 400/401/403/413), the URL is unusable, or
    /// the row is no longer wanted.
    Dropped,
    /// Given up: the next retry would fall after the row's time to live.
    Expired,
}

impl DeliveryState {
    /// `retrying`, `delivered`, `dropped` or `expired`.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryState::Retrying => "retrying",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Dropped => "dropped",
            DeliveryState::Expired => "expired",
        }
    }
}

/// One attempt (or, with no request, a row dropped before its attempt).
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    /// The outbox row's id.
    pub row: i64,
    /// The row's ordering key (the door's call id, or `call/subscription` for Event Grid).
    pub ordering_key: String,
    /// The row's delivery profile (`graph`, `acs`, `eventgrid`, …).
    pub dialect: String,
    /// The row's extra headers as the door wrote them (e.g. `X-Microsoft-Skype-Chain-ID`).
    pub row_headers: Vec<(String, String)>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The URL of the last request of the attempt (after redirects).
    pub url: String,
    /// The request's headers, secrets masked.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Arc<Vec<u8>>,
    /// The response status, if one came.
    pub status: Option<u16>,
    /// The response body, at most [`MAX_RESPONSE_BODY`] bytes (lossy UTF-8).
    pub response: String,
    /// Why the attempt failed (connection error, timeout, HTTP status), if it did.
    pub error: Option<String>,
    /// From the first byte sent to the response (or the error).
    pub latency: Duration,
    /// Delays of the retries ahead, each from the one before (the first from now), while they
    /// fall within the row's time to live; empty unless [`DeliveryState::Retrying`].
    pub ahead: Vec<Duration>,
    /// The row's state after this attempt.
    pub state: DeliveryState,
}

/// The sending side, held by the outbox.
#[derive(Clone)]
pub(crate) struct Observers(broadcast::Sender<Arc<AttemptRecord>>);

impl Default for Observers {
    fn default() -> Observers {
        Observers(broadcast::channel(CAPACITY).0)
    }
}

impl Observers {
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<AttemptRecord>> {
        self.0.subscribe()
    }

    /// A trace for the next attempt of `row`, or `None` while nobody listens.
    pub(crate) fn trace(&self, row: &OutboxRow) -> Option<Trace> {
        (self.0.receiver_count() > 0).then(|| Trace {
            record: AttemptRecord {
                row: row.id,
                ordering_key: row.row.ordering_key.clone(),
                dialect: row.row.dialect.clone(),
                row_headers: row.row.headers.clone(),
                attempt: row.attempts + 1,
                url: row.row.target_url.clone(),
                headers: Vec::new(),
                body: Arc::new(row.row.body.clone()),
                status: None,
                response: String::new(),
                error: None,
                latency: Duration::ZERO,
                ahead: Vec::new(),
                state: DeliveryState::Retrying,
            },
            started: crate::clock::now(),
        })
    }

    /// Publishes a finished trace.
    pub(crate) fn publish(&self, trace: Option<Trace>, state: DeliveryState, error: Option<&str>) {
        if let Some(mut trace) = trace {
            trace.record.state = state;
            if trace.record.error.is_none() {
                trace.record.error = error.map(str::to_string);
            }
            let _ = self.0.send(Arc::new(trace.record));
        }
    }
}

/// An attempt being recorded.
pub(crate) struct Trace {
    record: AttemptRecord,
    started: Instant,
}

impl Trace {
    /// The request about to go out.
    pub(crate) fn request(&mut self, url: &reqwest::Url, headers: &HeaderMap) {
        self.record.url = url.to_string();
        self.record.headers = headers
            .iter()
            .map(|(name, value)| {
                let value = value.to_str().unwrap_or("(binary)");
                (name.to_string(), mask(name.as_str(), value))
            })
            .collect();
        self.started = crate::clock::now();
    }

    /// The response's status and (a prefix of) its body.
    pub(crate) async fn response(&mut self, mut response: reqwest::Response) {
        self.record.latency = crate::clock::now().saturating_duration_since(self.started);
        self.record.status = Some(response.status().as_u16());
        let mut body = Vec::new();
        while body.len() < MAX_RESPONSE_BODY {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        body.truncate(MAX_RESPONSE_BODY);
        self.record.response = String::from_utf8_lossy(&body).into_owned();
    }

    /// The request failed without a response.
    pub(crate) fn failed(&mut self, error: &str) {
        self.record.latency = crate::clock::now().saturating_duration_since(self.started);
        self.record.error = Some(error.to_string());
    }

    /// The retries ahead after `attempts` attempts, the first `first` from now, while they fall
    /// before `left` runs out.
    pub(crate) fn ahead(
        &mut self,
        policy: RetryPolicy,
        attempts: u32,
        first: Duration,
        left: Duration,
    ) {
        self.record.ahead = retries_ahead(policy, attempts, first, left);
    }
}

/// The delays of the retries ahead: `first`, then the policy's delays after `attempts + 1`,
/// `attempts + 2`, … while their sum stays within `left` (at most [`MAX_AHEAD`]).
pub fn retries_ahead(
    policy: RetryPolicy,
    attempts: u32,
    first: Duration,
    left: Duration,
) -> Vec<Duration> {
    let mut ahead = Vec::new();
    let mut total = Duration::ZERO;
    let mut next = first;
    let mut n = attempts;
    while ahead.len() < MAX_AHEAD {
        total = total.saturating_add(next);
        if total > left {
            break;
        }
        ahead.push(next);
        n = n.saturating_add(1);
        next = super::retry_delay(policy, n, None);
    }
    ahead
}

/// A header's value with secrets masked: the bearer token, and anything named like a key,
/// secret, token, signature or cookie.
fn mask(name: &str, value: &str) -> String {
    let name = name.to_ascii_lowercase();
    if name == "authorization" {
        let scheme = value.split_whitespace().next().unwrap_or("");
        return format!("{scheme} (masked)").trim_start().to_string();
    }
    let secret = ["key", "secret", "token", "signature", "cookie", "sas"]
        .iter()
        .any(|word| name.contains(word));
    if secret {
        "(masked)".to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_the_rest_kept() {
        assert_eq!(
            mask("Authorization", "Bearer eyJabc.def"),
            "Bearer (masked)"
        );
        assert_eq!(mask("aeg-sas-key", "abc"), "(masked)");
        assert_eq!(mask("X-Api-Token", "abc"), "(masked)");
        assert_eq!(mask("Scenario-Id", "s-1"), "s-1");
        assert_eq!(mask("content-type", "application/json"), "application/json");
    }

    #[test]
    fn the_retries_ahead_stop_at_the_time_to_live() {
        let secs = Duration::from_secs;
        // Standard: 1 s, then 2, 4, 8 … within 10 s.
        assert_eq!(
            retries_ahead(RetryPolicy::Standard, 1, secs(1), secs(10)),
            vec![secs(1), secs(2), secs(4)]
        );
        // Event Grid after the first failure: 10 s, 30 s, 1 min, 5 min … within 24 h, capped.
        let grid = retries_ahead(RetryPolicy::EventGrid, 1, secs(10), secs(86_400));
        assert_eq!(&grid[..4], &[secs(10), secs(30), secs(60), secs(300)]);
        assert_eq!(grid.len(), MAX_AHEAD);
        assert!(retries_ahead(RetryPolicy::Callback, 4, secs(8), secs(1)).is_empty());
    }
}
