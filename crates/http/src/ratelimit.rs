//! A token-bucket rate limiter keyed by client (app + tenant, or client id), driven with explicit time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// Token-bucket limit applied per client (tenant + app for Graph, client id for the token endpoint).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Sustained requests per second; 0 disables limiting.
    pub requests_per_second: f64,
    /// Bucket size: how many requests may arrive at once.
    pub burst: u32,
}

impl Default for RateLimitConfig {
    /// Graph's documented calls limit: 50,000 requests per 15 s per app per tenant.
    fn default() -> RateLimitConfig {
        RateLimitConfig {
            requests_per_second: 50_000.0 / 15.0,
            burst: 50_000,
        }
    }
}

/// Per-key token buckets. Idle keys are swept so the map stays bounded by active clients.
pub struct RateLimiter {
    config: RateLimitConfig,
    buckets: HashMap<String, Bucket>,
    last_sweep: Option<Instant>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> RateLimiter {
        RateLimiter {
            config,
            buckets: HashMap::new(),
            last_sweep: None,
        }
    }

    /// Takes one token for `key` at `now`; `Err(seconds)` says when the next token is due.
    pub fn check(&mut self, key: &str, now: Instant) -> Result<(), u64> {
        let rate = self.config.requests_per_second;
        if rate <= 0.0 {
            return Ok(());
        }
        let burst = self.config.burst.max(1) as f64;
        self.sweep(now, burst / rate);
        let bucket = self.buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / rate;
            Err(wait.ceil().max(1.0) as u64)
        }
    }

    fn sweep(&mut self, now: Instant, refill_seconds: f64) {
        let due = self
            .last_sweep
            .is_none_or(|last| now.saturating_duration_since(last) > Duration::from_secs(60));
        if due {
            let idle = Duration::from_secs_f64(refill_seconds.max(1.0));
            self.buckets
                .retain(|_, bucket| now.saturating_duration_since(bucket.updated) < idle);
            self.last_sweep = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_burst_then_refuses_until_refilled() {
        let mut limiter = RateLimiter::new(RateLimitConfig {
            requests_per_second: 10.0,
            burst: 3,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("app", start).is_ok());
        }
        assert_eq!(limiter.check("app", start), Err(1));
        assert!(
            limiter.check("other", start).is_ok(),
            "keys are independent"
        );
        assert!(
            limiter
                .check("app", start + Duration::from_millis(100))
                .is_ok(),
            "one token refilled"
        );
        assert!(limiter
            .check("app", start + Duration::from_millis(100))
            .is_err());
    }

    #[test]
    fn zero_rate_disables_limiting() {
        let mut limiter = RateLimiter::new(RateLimitConfig {
            requests_per_second: 0.0,
            burst: 0,
        });
        for _ in 0..1000 {
            assert!(limiter.check("k", Instant::now()).is_ok());
        }
    }
}
