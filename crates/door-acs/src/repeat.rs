//! `Repeatability-Request-ID` deduplication: a bounded, time-limited cache of first responses keyed by
//! (ACS resource, request id).

use std::collections::{HashMap, VecDeque};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};

/// How long a first response is replayed for (seconds). The SDK retries within seconds; Azure's
/// repeatable-requests guideline keeps ids for at least five minutes.
pub(crate) const REPEATABILITY_TTL_SECS: i64 = 600;
/// Most remembered request ids; the oldest are forgotten first.
pub(crate) const REPEATABILITY_CAPACITY: usize = 10_000;

/// A response remembered for replay.
#[derive(Debug, Clone)]
pub(crate) struct Remembered {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

#[derive(Debug)]
struct Entry {
    fingerprint: String,
    stored_at: i64,
    response: Option<Remembered>,
}

/// What a request id means for the request carrying it.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// Never seen (or expired): run the request; the id is now reserved.
    Fresh,
    /// Same id, same request, and the first one finished: replay this.
    Replay(Remembered),
    /// Same id, same request, but the first one is still running.
    InFlight,
    /// Same id with a different method, path or body.
    Mismatch,
}

/// The cache. Time is passed in (unix seconds).
#[derive(Debug, Default)]
pub(crate) struct RepeatabilityCache {
    entries: HashMap<(String, String), Entry>,
    order: VecDeque<((String, String), i64)>,
}

impl RepeatabilityCache {
    fn evict(&mut self, now: i64) {
        while let Some((key, stored_at)) = self.order.front().cloned() {
            let expired = now - stored_at >= REPEATABILITY_TTL_SECS;
            if !expired && self.order.len() < REPEATABILITY_CAPACITY {
                break;
            }
            self.order.pop_front();
            if self
                .entries
                .get(&key)
                .is_some_and(|e| e.stored_at == stored_at)
            {
                self.entries.remove(&key);
            }
        }
    }

    /// Looks `id` up for `resource`; `fingerprint` identifies the request (method, path, body hash).
    pub(crate) fn begin(
        &mut self,
        resource: &str,
        id: &str,
        fingerprint: &str,
        now: i64,
    ) -> Lookup {
        self.evict(now);
        let key = (resource.to_string(), id.to_string());
        if let Some(entry) = self.entries.get(&key) {
            if entry.fingerprint != fingerprint {
                return Lookup::Mismatch;
            }
            return match &entry.response {
                Some(response) => Lookup::Replay(response.clone()),
                None => Lookup::InFlight,
            };
        }
        self.entries.insert(
            key.clone(),
            Entry {
                fingerprint: fingerprint.to_string(),
                stored_at: now,
                response: None,
            },
        );
        self.order.push_back((key, now));
        Lookup::Fresh
    }

    /// Stores the first response for a reserved id. Server errors (5xx) are not remembered: the
    /// client's retry runs again.
    pub(crate) fn finish(&mut self, resource: &str, id: &str, response: Option<Remembered>) {
        let key = (resource.to_string(), id.to_string());
        match response {
            Some(response) if !response.status.is_server_error() => {
                if let Some(entry) = self.entries.get_mut(&key) {
                    entry.response = Some(response);
                }
            }
            _ => {
                self.entries.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &'static str) -> Remembered {
        Remembered {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn replays_first_response_and_rejects_other_bodies() {
        let mut cache = RepeatabilityCache::default();
        assert!(matches!(cache.begin("r", "id", "a", 0), Lookup::Fresh));
        assert!(matches!(cache.begin("r", "id", "a", 1), Lookup::InFlight));
        cache.finish("r", "id", Some(ok("first")));
        match cache.begin("r", "id", "a", 2) {
            Lookup::Replay(r) => assert_eq!(&r.body[..], b"first"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(cache.begin("r", "id", "b", 3), Lookup::Mismatch));
        // Another resource's id space is separate.
        assert!(matches!(cache.begin("s", "id", "b", 3), Lookup::Fresh));
    }

    #[test]
    fn expires_and_forgets_server_errors() {
        let mut cache = RepeatabilityCache::default();
        assert!(matches!(cache.begin("r", "id", "a", 0), Lookup::Fresh));
        cache.finish("r", "id", Some(ok("x")));
        assert!(matches!(
            cache.begin("r", "id", "b", REPEATABILITY_TTL_SECS),
            Lookup::Fresh
        ));
        let failed = Remembered {
            status: StatusCode::SERVICE_UNAVAILABLE,
            ..ok("")
        };
        assert!(matches!(cache.begin("r", "x", "a", 0), Lookup::Fresh));
        cache.finish("r", "x", Some(failed));
        assert!(matches!(cache.begin("r", "x", "a", 1), Lookup::Fresh));
    }

    #[test]
    fn capacity_is_bounded() {
        let mut cache = RepeatabilityCache::default();
        for i in 0..(REPEATABILITY_CAPACITY + 50) {
            cache.begin("r", &i.to_string(), "f", 0);
        }
        assert!(cache.entries.len() <= REPEATABILITY_CAPACITY);
        assert!(cache.order.len() <= REPEATABILITY_CAPACITY);
    }
}
