//! Trunk health from OPTIONS pings (Teams: one a minute; a gateway that stops answering is
//! demoted, tried last but still tried): when the next round is due, which ping is in flight for
//! which gateway, the gateways marked down, and the order outbound calls try them in. Sans-IO:
//! the core sends the pings on its transaction layer and feeds their outcomes in.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use ringside_sip::transaction::TxId;

/// How often trunks are pinged with OPTIONS (Teams: every minute).
pub const OPTIONS_INTERVAL: Duration = Duration::from_secs(60);

/// The first round goes out this long after the gateway starts.
const FIRST_PING: Duration = Duration::from_secs(1);

/// Which gateways stopped answering (shared with the runtime's `Reach`, read on its task).
#[derive(Clone, Default)]
pub(crate) struct Health(Arc<RwLock<HashMap<String, bool>>>);

impl Health {
    /// Whether a gateway stopped answering its OPTIONS pings.
    pub(crate) fn is_down(&self, fqdn: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(fqdn)
            .copied()
            .unwrap_or(false)
    }

    /// Marks a gateway down or up.
    pub(crate) fn set_down(&self, fqdn: &str, down: bool) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(fqdn.to_string(), down);
    }
}

/// The pings in flight and the next round's time.
pub(crate) struct Pings {
    in_flight: HashMap<TxId, String>,
    next: Instant,
}

impl Pings {
    /// No pings yet; the first round one second after `start`.
    pub(crate) fn new(start: Instant) -> Pings {
        Pings {
            in_flight: HashMap::new(),
            next: start + FIRST_PING,
        }
    }

    /// When the next round is due.
    pub(crate) fn next(&self) -> Instant {
        self.next
    }

    /// Whether a round is due at `now` (the following one is then scheduled).
    pub(crate) fn due(&mut self, now: Instant) -> bool {
        if now < self.next {
            return false;
        }
        self.next = now + OPTIONS_INTERVAL;
        true
    }

    /// A ping to `fqdn` went out on transaction `tx`.
    pub(crate) fn sent(&mut self, tx: TxId, fqdn: String) {
        self.in_flight.insert(tx, fqdn);
    }

    /// A response on `tx`: when it was a ping, its gateway is up again. Whether it was one.
    pub(crate) fn answered(&mut self, tx: TxId, health: &Health) -> bool {
        let Some(fqdn) = self.in_flight.remove(&tx) else {
            return false;
        };
        health.set_down(&fqdn, false);
        true
    }

    /// Transaction `tx` timed out or failed: when it was a ping, its gateway is down. Whether
    /// it was one.
    pub(crate) fn failed(&mut self, tx: TxId, health: &Health) -> bool {
        let Some(fqdn) = self.in_flight.remove(&tx) else {
            return false;
        };
        if !health.is_down(&fqdn) {
            tracing::warn!(gateway = %fqdn, "SIP: the gateway stopped answering OPTIONS");
        }
        health.set_down(&fqdn, true);
        true
    }

    /// Transaction `tx` is over.
    pub(crate) fn forget(&mut self, tx: TxId) {
        self.in_flight.remove(&tx);
    }
}

/// Gateways in the order calls try them: the healthy ones first, those marked down last, each
/// group in its routing order.
pub(crate) fn healthy_first<T>(gateways: Vec<(T, bool)>) -> Vec<T> {
    let (down, healthy): (Vec<_>, Vec<_>) = gateways.into_iter().partition(|(_, down)| *down);
    healthy.into_iter().chain(down).map(|(g, _)| g).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_sip::transaction::{TimerConfig, TransactionLayer, TxEvent};
    use ringside_sip::{parse_message, Message, Request};

    fn options(branch: &str) -> Request {
        let text = format!(
            "OPTIONS sip:ping@gw.example.com:5061 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:5060;branch={branch}\r\n\
             From: <sip:ringside@127.0.0.1>;tag=r1\r\nTo: <sip:ping@gw.example.com>\r\n\
             Call-ID: {branch}@ringside\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n"
        );
        match parse_message(text.as_bytes()) {
            Ok(Message::Request(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    /// Runs the layer's timers up to `until`; the events, with their offsets from `start`.
    fn run(
        layer: &mut TransactionLayer<&'static str>,
        start: Instant,
        until: Duration,
    ) -> Vec<(Duration, TxEvent)> {
        let mut events = Vec::new();
        while let Some(at) = layer.poll_timeout().filter(|at| *at <= start + until) {
            layer.handle_timeout(at);
            while layer.poll_transmit().is_some() {}
            while let Some(event) = layer.poll_event() {
                events.push((at - start, event));
            }
        }
        events
    }

    #[test]
    fn pings_go_out_a_second_after_start_then_every_minute() {
        let start = Instant::now();
        let mut pings = Pings::new(start);
        assert!(!pings.due(start));
        assert!(pings.due(start + Duration::from_secs(1)));
        assert_eq!(pings.next(), start + Duration::from_secs(61));
        assert!(!pings.due(start + Duration::from_secs(60)));
        assert!(pings.due(start + Duration::from_secs(61)));
    }

    #[test]
    fn a_gateway_that_stops_answering_is_marked_down_and_tried_last() {
        let start = Instant::now();
        let mut layer = TransactionLayer::new(TimerConfig::default());
        let mut pings = Pings::new(start);
        let health = Health::default();
        // The first ping is answered: up.
        let tx = layer
            .send_request(start, options("z9hG4bKping1"), "gw", false)
            .expect("sent");
        pings.sent(tx, "gw.example.com".into());
        let mut ok = options("z9hG4bKping1").response(200);
        ok.set_to_tag("g1");
        layer.handle_response(start + Duration::from_millis(30), ok);
        let answered = std::iter::from_fn(|| layer.poll_event())
            .filter_map(|e| match e {
                TxEvent::Response { tx, .. } => Some(tx),
                _ => None,
            })
            .any(|tx| pings.answered(tx, &health));
        assert!(answered);
        assert!(!health.is_down("gw.example.com"));
        run(&mut layer, start, Duration::from_secs(59));
        // A minute later nobody answers: timer F (64×T1) fails the ping and marks it down.
        let later = start + Duration::from_secs(60);
        let tx = layer
            .send_request(later, options("z9hG4bKping2"), "gw", false)
            .expect("sent");
        pings.sent(tx, "gw.example.com".into());
        let events = run(&mut layer, later, Duration::from_secs(31));
        assert!(!events
            .iter()
            .any(|(_, e)| matches!(e, TxEvent::Timeout { .. })));
        assert!(!health.is_down("gw.example.com"), "still up before timer F");
        let events = run(&mut layer, start, Duration::from_secs(93));
        let failed: Vec<Duration> = events
            .iter()
            .filter(
                |(_, e)| matches!(e, TxEvent::Timeout { tx: t } if pings.in_flight.contains_key(t)),
            )
            .map(|(at, _)| *at)
            .collect();
        assert_eq!(failed, vec![Duration::from_secs(92)]);
        assert!(pings.failed(tx, &health));
        assert!(health.is_down("gw.example.com"));
        // Outbound calls try it last, but still try it.
        let order = healthy_first(vec![
            ("gw.example.com", health.is_down("gw.example.com")),
            ("sbc2.example.com", health.is_down("sbc2.example.com")),
        ]);
        assert_eq!(order, vec!["sbc2.example.com", "gw.example.com"]);
        // The next ping is answered: up again.
        assert!(!pings.answered(tx, &health), "a ping is settled once");
        let next = start + Duration::from_secs(120);
        let tx = layer
            .send_request(next, options("z9hG4bKping3"), "gw", false)
            .expect("sent");
        pings.sent(tx, "gw.example.com".into());
        let mut ok = options("z9hG4bKping3").response(200);
        ok.set_to_tag("g3");
        layer.handle_response(next, ok);
        while let Some(event) = layer.poll_event() {
            if let TxEvent::Response { tx, .. } = event {
                pings.answered(tx, &health);
            }
        }
        assert!(!health.is_down("gw.example.com"));
    }
}
