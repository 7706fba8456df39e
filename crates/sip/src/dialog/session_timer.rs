//! Session timers (RFC 4028): the Session-Expires/Min-SE headers a UAC offers, the UAS's choice
//! of interval and refresher (422 + Min-SE when too small), the UAC's reading of the 2xx and
//! its retry after a 422, and the refresh/expiry deadlines on explicit time.

use crate::error::Rejection;
use crate::headers::{Header, TokenParams};
use crate::message::{Request, Response};
use crate::params::Params;
use std::time::{Duration, Instant};

/// Who refreshes the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresher {
    /// The UAC of the dialog-creating INVITE.
    Uac,
    /// Its UAS.
    Uas,
}

impl Refresher {
    fn parse(s: &str) -> Option<Refresher> {
        match s.to_ascii_lowercase().as_str() {
            "uac" => Some(Refresher::Uac),
            "uas" => Some(Refresher::Uas),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

/// Our session-timer policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimerConfig {
    /// The interval we ask for (seconds; RFC 4028 recommends 1800).
    pub session_expires: u32,
    /// The smallest interval we accept (at least 90).
    pub min_se: u32,
}

impl Default for SessionTimerConfig {
    fn default() -> Self {
        SessionTimerConfig {
            session_expires: 1800,
            min_se: 90,
        }
    }
}

/// An agreed session timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimer {
    /// Interval in seconds.
    pub interval: u32,
    /// Who refreshes.
    pub refresher: Refresher,
    /// True when we are the refresher.
    pub we_refresh: bool,
    last_refresh: Instant,
}

/// What the timer asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTimerAction {
    /// Send a refresh (re-INVITE or UPDATE) now.
    Refresh,
    /// The peer did not refresh: send BYE.
    Expired,
}

fn session_expires_header(interval: u32, refresher: Option<Refresher>) -> Header {
    let mut params = Params::default();
    if let Some(r) = refresher {
        params.set("refresher", Some(r.as_str()));
    }
    Header::SessionExpires(TokenParams {
        value: interval.to_string(),
        params,
    })
}

fn min_se_header(min: u32) -> Header {
    Header::MinSe(TokenParams {
        value: min.to_string(),
        params: Params::default(),
    })
}

/// Headers for our INVITE (UAC): Supported: timer, Session-Expires, Min-SE.
pub fn uac_request_headers(cfg: &SessionTimerConfig) -> Vec<Header> {
    vec![
        Header::Supported("timer".into()),
        session_expires_header(cfg.session_expires, None),
        min_se_header(cfg.min_se),
    ]
}

/// After a 422, the Session-Expires to retry with (the response's Min-SE, at least ours), or
/// `None` when the 422 carries no usable Min-SE.
pub fn uac_retry_after_422(
    resp: &Response,
    cfg: &SessionTimerConfig,
) -> Option<SessionTimerConfig> {
    let their_min = resp.headers.min_se()?.seconds()?;
    let min_se = their_min.max(cfg.min_se);
    Some(SessionTimerConfig {
        session_expires: cfg.session_expires.max(min_se),
        min_se,
    })
}

/// The UAS's decision on a dialog-creating or refreshing request: `Ok(None)` when the request
/// asks for no session timer, `Ok(Some((timer, headers)))` with the headers for the 2xx, or
/// `Err` with a 422 carrying our Min-SE.
pub fn uas_on_request(
    now: Instant,
    req: &Request,
    cfg: &SessionTimerConfig,
) -> Result<Option<(SessionTimer, Vec<Header>)>, Rejection> {
    let Some(se) = req.headers.session_expires() else {
        return Ok(None);
    };
    let asked = se.seconds().unwrap_or(cfg.session_expires);
    if asked < cfg.min_se {
        let mut r = Rejection::new(422);
        r.headers.push(min_se_header(cfg.min_se));
        return Err(r);
    }
    let interval = asked.min(cfg.session_expires.max(cfg.min_se));
    let uac_supports = req.headers.supports("timer");
    let asked_refresher = se.params.value("refresher").and_then(Refresher::parse);
    let refresher = match (asked_refresher, uac_supports) {
        (Some(r), true) => r,
        (None, true) => Refresher::Uac,
        (_, false) => Refresher::Uas,
    };
    let mut headers = vec![session_expires_header(interval, Some(refresher))];
    if uac_supports {
        headers.push(Header::Require("timer".into()));
    }
    let timer = SessionTimer {
        interval,
        refresher,
        we_refresh: refresher == Refresher::Uas,
        last_refresh: now,
    };
    Ok(Some((timer, headers)))
}

/// The UAC's reading of the 2xx: the UAS's Session-Expires, or (when the UAS does not do
/// session timers) our own interval with us refreshing.
pub fn uac_on_2xx(now: Instant, resp: &Response, cfg: &SessionTimerConfig) -> SessionTimer {
    let se = resp.headers.session_expires();
    let interval = se
        .and_then(TokenParams::seconds)
        .unwrap_or(cfg.session_expires);
    let refresher = se
        .and_then(|s| s.params.value("refresher"))
        .and_then(Refresher::parse)
        .unwrap_or(Refresher::Uac);
    SessionTimer {
        interval,
        refresher,
        we_refresh: refresher == Refresher::Uac,
        last_refresh: now,
    }
}

impl SessionTimer {
    /// When we refresh (half the interval) or, when the peer refreshes, when we give up on it
    /// (the interval minus min(32 s, interval/3), RFC 4028 §10).
    pub fn deadline(&self) -> Instant {
        let secs = u64::from(self.interval);
        if self.we_refresh {
            self.last_refresh + Duration::from_secs(secs / 2)
        } else {
            self.last_refresh + Duration::from_secs(secs - (secs / 3).min(32))
        }
    }

    /// What is due at `now`, if anything.
    pub fn poll(&self, now: Instant) -> Option<SessionTimerAction> {
        if now < self.deadline() {
            return None;
        }
        Some(if self.we_refresh {
            SessionTimerAction::Refresh
        } else {
            SessionTimerAction::Expired
        })
    }

    /// A refresh succeeded (ours answered 2xx, or the peer's arrived).
    pub fn refreshed(&mut self, now: Instant) {
        self.last_refresh = now;
    }
}
