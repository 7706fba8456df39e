//! Server transactions (RFC 3261 §17.2 with RFC 6026): INVITE (Proceeding with 100 Trying after
//! 200 ms, Completed with timers G/H and ACK absorption, Confirmed with timer I, Accepted with
//! timer L and the UAS's 2xx retransmission until the ACK) and non-INVITE (Trying,
//! Proceeding, Completed with timer J). An INVITE's reliable provisional response (RFC 3262)
//! is retransmitted from T1, doubling, until its PRACK or the final response; 64×T1 without a
//! PRACK is reported.

use super::timers::{Timer, TimerConfig, Timers};
use super::Action;
use crate::message::{Message, Request, Response};
use std::time::{Duration, Instant};

/// Server transaction states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Non-INVITE received, nothing sent.
    Trying,
    /// A provisional response was sent (INVITE starts here).
    Proceeding,
    /// A final response was sent (non-2xx for INVITE).
    Completed,
    /// INVITE: the ACK for the non-2xx arrived.
    Confirmed,
    /// INVITE: a 2xx was sent (RFC 6026).
    Accepted,
    /// Done.
    Terminated,
}

#[derive(Debug)]
pub(crate) struct ServerTx {
    pub(crate) request: Request,
    pub(crate) state: ServerState,
    invite: bool,
    reliable: bool,
    cfg: TimerConfig,
    timers: Timers,
    interval: Duration,
    last: Option<Response>,
    acked: bool,
    /// The RSeq of the next reliable provisional response (RFC 3262 §3; starts at 1).
    next_rseq: u32,
    /// The reliable provisional response awaiting its PRACK, and its retransmit interval.
    unacked: Option<(u32, Response, Duration)>,
}

impl ServerTx {
    pub(crate) fn new(
        now: Instant,
        request: Request,
        reliable: bool,
        cfg: TimerConfig,
    ) -> ServerTx {
        let invite = request.method == crate::headers::Method::Invite;
        let mut timers = Timers::default();
        if invite {
            timers.set(Timer::Trying, now + cfg.trying_delay);
        }
        ServerTx {
            request,
            state: if invite {
                ServerState::Proceeding
            } else {
                ServerState::Trying
            },
            invite,
            reliable,
            cfg,
            timers,
            interval: cfg.t1,
            last: None,
            acked: false,
            next_rseq: 1,
            unacked: None,
        }
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    /// The last response sent (for the To tag of an automatic 487).
    pub(crate) fn last_response(&self) -> Option<&Response> {
        self.last.as_ref()
    }

    /// True while no final response has been sent.
    pub(crate) fn is_pending(&self) -> bool {
        matches!(self.state, ServerState::Trying | ServerState::Proceeding)
    }

    /// A retransmission of the request arrived.
    pub(crate) fn on_retransmit(&mut self) -> Vec<Action> {
        use ServerState::*;
        match self.state {
            Proceeding | Completed => self.resend_last(),
            _ => Vec::new(),
        }
    }

    fn resend_last(&self) -> Vec<Action> {
        self.last
            .iter()
            .map(|r| Action::Send(Message::Response(r.clone())))
            .collect()
    }

    /// The ACK for a non-2xx final response arrived (absorbed: not passed to the TU).
    pub(crate) fn on_ack(&mut self, now: Instant) -> Vec<Action> {
        if self.state != ServerState::Completed {
            return Vec::new();
        }
        self.state = ServerState::Confirmed;
        self.timers.clear(Timer::G);
        self.timers.clear(Timer::H);
        let wait = if self.reliable {
            Duration::ZERO
        } else {
            self.cfg.t4
        };
        self.timers.set(Timer::I, now + wait);
        Vec::new()
    }

    /// The ACK for our 2xx arrived: stop retransmitting it. True when this was the first one.
    pub(crate) fn on_2xx_ack(&mut self) -> bool {
        let first = self.state == ServerState::Accepted && !self.acked;
        self.acked = true;
        self.timers.clear(Timer::Retransmit2xx);
        first
    }

    /// The TU sends a response.
    pub(crate) fn respond(&mut self, now: Instant, resp: Response) -> Vec<Action> {
        let another_2xx = self.state == ServerState::Accepted && resp.status / 100 == 2;
        if !self.is_pending() && !another_2xx {
            return Vec::new();
        }
        self.timers.clear(Timer::Trying);
        if resp.status >= 200 {
            self.stop_reliable();
        }
        let send = Action::Send(Message::Response(resp.clone()));
        match (self.invite, resp.status) {
            (_, 100..=199) => self.state = ServerState::Proceeding,
            (true, 200..=299) => self.accept(now),
            (true, _) => self.complete_invite(now),
            (false, _) => {
                self.state = ServerState::Completed;
                let wait = if self.reliable {
                    Duration::ZERO
                } else {
                    self.cfg.t1x64()
                };
                self.timers.set(Timer::J, now + wait);
            }
        }
        self.last = Some(resp);
        vec![send]
    }

    fn accept(&mut self, now: Instant) {
        if self.state == ServerState::Accepted {
            return;
        }
        self.state = ServerState::Accepted;
        self.timers.set(Timer::L, now + self.cfg.t1x64());
        if !self.reliable {
            self.timers.set(Timer::Retransmit2xx, now + self.cfg.t1);
        }
    }

    fn complete_invite(&mut self, now: Instant) {
        self.state = ServerState::Completed;
        if !self.reliable {
            self.timers.set(Timer::G, now + self.cfg.t1);
        }
        self.timers.set(Timer::H, now + self.cfg.t1x64());
    }

    pub(crate) fn on_timeout(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        for timer in self.timers.take_due(now) {
            if self.state == ServerState::Terminated {
                break;
            }
            out.extend(self.fire(now, timer));
        }
        out
    }

    fn fire(&mut self, now: Instant, timer: Timer) -> Vec<Action> {
        use ServerState::*;
        match (timer, self.state) {
            (Timer::Trying, Proceeding) if self.last.is_none() => {
                let trying = self.request.response(100);
                self.last = Some(trying.clone());
                vec![Action::Send(Message::Response(trying))]
            }
            (Timer::G, Completed) | (Timer::Retransmit2xx, Accepted) => {
                self.interval = (self.interval * 2).min(self.cfg.t2);
                self.timers.set(timer, now + self.interval);
                self.resend_last()
            }
            (Timer::Reliable1xx, Proceeding) => self.resend_reliable(now),
            (Timer::Prack, Proceeding) => {
                self.stop_reliable();
                vec![Action::NoPrack]
            }
            (Timer::H, Completed) => self.terminate(Some(Action::Timeout)),
            (Timer::L, Accepted) if !self.acked => self.terminate(Some(Action::NoAck)),
            (Timer::I, Confirmed) | (Timer::J, Completed) | (Timer::L, Accepted) => {
                self.terminate(None)
            }
            _ => Vec::new(),
        }
    }

    fn terminate(&mut self, first: Option<Action>) -> Vec<Action> {
        self.state = ServerState::Terminated;
        self.timers.clear_all();
        first.into_iter().chain([Action::Terminated]).collect()
    }
}

impl ServerTx {
    /// Sends provisional `resp` reliably (RFC 3262): `Require: 100rel` and the next RSeq are
    /// added, retransmission from T1 (doubling) and the 64×T1 PRACK deadline armed. Returns the
    /// RSeq.
    pub(crate) fn respond_reliably(
        &mut self,
        now: Instant,
        mut resp: Response,
    ) -> Result<(u32, Vec<Action>), super::ReliableError> {
        use super::ReliableError;
        if !self.invite || !self.is_pending() {
            return Err(ReliableError::NotPending);
        }
        if !(101..=199).contains(&resp.status) {
            return Err(ReliableError::NotProvisional);
        }
        if self.unacked.is_some() {
            return Err(ReliableError::Unacknowledged);
        }
        let rseq = self.next_rseq;
        self.next_rseq = self.next_rseq.saturating_add(1);
        let required = resp.headers.0.iter().any(
            |h| matches!(h, crate::headers::Header::Require(t) if t.eq_ignore_ascii_case("100rel")),
        );
        if !required {
            resp.headers
                .push(crate::headers::Header::Require("100rel".into()));
        }
        resp.headers.push_other("RSeq", &rseq.to_string());
        self.timers.clear(Timer::Trying);
        self.timers.set(Timer::Reliable1xx, now + self.cfg.t1);
        self.timers.set(Timer::Prack, now + self.cfg.t1x64());
        self.unacked = Some((rseq, resp.clone(), self.cfg.t1));
        self.last = Some(resp.clone());
        Ok((rseq, vec![Action::Send(Message::Response(resp))]))
    }

    /// A PRACK with `RAck: rseq cseq INVITE` arrived: true when it acknowledges the reliable
    /// provisional response this transaction waits for.
    pub(crate) fn on_prack(&mut self, rseq: u32, cseq: u32) -> bool {
        let ours = self.request.headers.cseq().map(|c| c.seq) == Some(cseq);
        let matched = ours && self.unacked.as_ref().is_some_and(|(r, _, _)| *r == rseq);
        if matched {
            self.stop_reliable();
        }
        matched
    }

    fn stop_reliable(&mut self) {
        self.unacked = None;
        self.timers.clear(Timer::Reliable1xx);
        self.timers.clear(Timer::Prack);
    }

    fn resend_reliable(&mut self, now: Instant) -> Vec<Action> {
        let Some((_, resp, interval)) = self.unacked.as_mut() else {
            return Vec::new();
        };
        *interval *= 2;
        let next = now + *interval;
        let send = Action::Send(Message::Response(resp.clone()));
        self.timers.set(Timer::Reliable1xx, next);
        vec![send]
    }
}
