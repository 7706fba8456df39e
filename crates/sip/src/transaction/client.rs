//! Client transactions (RFC 3261 §17.1 with RFC 6026's Accepted state): INVITE (Calling,
//! Proceeding, Completed, Accepted; timers A, B, D, M; ACK for non-2xx built here) and
//! non-INVITE (Trying, Proceeding, Completed; timers E, F, K).

use super::timers::{Timer, TimerConfig, Timers};
use super::Action;
use crate::headers::{CSeq, Header, Headers, Method};
use crate::message::{Message, Request, Response};
use std::time::{Duration, Instant};

/// Client transaction states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// INVITE sent, nothing heard (`Calling`), or non-INVITE sent (`Trying`).
    Calling,
    /// A provisional response arrived.
    Proceeding,
    /// A final non-2xx (INVITE) or any final (non-INVITE) arrived; absorbing retransmissions.
    Completed,
    /// A 2xx to INVITE arrived (RFC 6026): further 2xx go to the TU until timer M.
    Accepted,
    /// Done.
    Terminated,
}

#[derive(Debug)]
pub(crate) struct ClientTx {
    pub(crate) request: Request,
    pub(crate) state: ClientState,
    invite: bool,
    reliable: bool,
    cfg: TimerConfig,
    timers: Timers,
    interval: Duration,
    ack: Option<Request>,
}

impl ClientTx {
    /// Starts the transaction: the request is sent and the timers armed.
    pub(crate) fn start(
        now: Instant,
        request: Request,
        reliable: bool,
        cfg: TimerConfig,
    ) -> (ClientTx, Vec<Action>) {
        let invite = request.method == Method::Invite;
        let mut tx = ClientTx {
            request,
            state: ClientState::Calling,
            invite,
            reliable,
            cfg,
            timers: Timers::default(),
            interval: cfg.t1,
            ack: None,
        };
        let (retransmit, timeout) = if invite {
            (Timer::A, Timer::B)
        } else {
            (Timer::E, Timer::F)
        };
        if !reliable {
            tx.timers.set(retransmit, now + cfg.t1);
        }
        tx.timers.set(timeout, now + cfg.t1x64());
        let send = Action::Send(Message::Request(tx.request.clone()));
        (tx, vec![send])
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.timers.next()
    }

    pub(crate) fn on_response(&mut self, now: Instant, resp: Response) -> Vec<Action> {
        if self.invite {
            self.invite_response(now, resp)
        } else {
            self.non_invite_response(now, resp)
        }
    }

    fn invite_response(&mut self, now: Instant, resp: Response) -> Vec<Action> {
        use ClientState::*;
        match (self.state, resp.status) {
            (Calling | Proceeding, 100..=199) => {
                self.state = Proceeding;
                self.timers.clear(Timer::A);
                self.timers.clear(Timer::B);
                vec![Action::Deliver(resp)]
            }
            (Calling | Proceeding, 200..=299) => {
                self.state = Accepted;
                self.timers.clear_all();
                self.timers.set(Timer::M, now + self.cfg.t1x64());
                vec![Action::Deliver(resp)]
            }
            (Accepted, 200..=299) => vec![Action::Deliver(resp)],
            (Calling | Proceeding, _) => {
                self.state = Completed;
                self.timers.clear_all();
                let wait = if self.reliable {
                    Duration::ZERO
                } else {
                    self.cfg.timer_d
                };
                self.timers.set(Timer::D, now + wait);
                let ack = ack_for_non_2xx(&self.request, &resp);
                self.ack = Some(ack.clone());
                vec![Action::Send(Message::Request(ack)), Action::Deliver(resp)]
            }
            (Completed, 300..=699) => self
                .ack
                .iter()
                .map(|a| Action::Send(Message::Request(a.clone())))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn non_invite_response(&mut self, now: Instant, resp: Response) -> Vec<Action> {
        use ClientState::*;
        match (self.state, resp.status) {
            (Calling | Proceeding, 100..=199) => {
                self.state = Proceeding;
                vec![Action::Deliver(resp)]
            }
            (Calling | Proceeding, _) => {
                self.state = Completed;
                self.timers.clear_all();
                let wait = if self.reliable {
                    Duration::ZERO
                } else {
                    self.cfg.t4
                };
                self.timers.set(Timer::K, now + wait);
                vec![Action::Deliver(resp)]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        for timer in self.timers.take_due(now) {
            if self.state == ClientState::Terminated {
                break;
            }
            out.extend(self.fire(now, timer));
        }
        out
    }

    fn fire(&mut self, now: Instant, timer: Timer) -> Vec<Action> {
        use ClientState::*;
        let resend = Action::Send(Message::Request(self.request.clone()));
        match (timer, self.state) {
            (Timer::A, Calling) => {
                self.interval *= 2;
                self.timers.set(Timer::A, now + self.interval);
                vec![resend]
            }
            (Timer::E, Calling | Proceeding) => {
                self.interval = if self.state == Proceeding {
                    self.cfg.t2
                } else {
                    (self.interval * 2).min(self.cfg.t2)
                };
                self.timers.set(Timer::E, now + self.interval);
                vec![resend]
            }
            (Timer::B, Calling) | (Timer::F, Calling | Proceeding) => {
                self.terminate(Some(Action::Timeout))
            }
            (Timer::D, Completed) | (Timer::K, Completed) | (Timer::M, Accepted) => {
                self.terminate(None)
            }
            _ => Vec::new(),
        }
    }

    fn terminate(&mut self, first: Option<Action>) -> Vec<Action> {
        self.state = ClientState::Terminated;
        self.timers.clear_all();
        first.into_iter().chain([Action::Terminated]).collect()
    }

    /// The transport reported a failure sending the request.
    pub(crate) fn transport_error(&mut self) -> Vec<Action> {
        if self.state == ClientState::Terminated {
            return Vec::new();
        }
        self.terminate(Some(Action::TransportError))
    }

    pub(crate) fn has_retransmit_timer(&self) -> bool {
        self.timers.is_set(Timer::A) || self.timers.is_set(Timer::E)
    }
}

/// The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same Request-URI, Call-ID, From,
/// CSeq number, top Via and Route as the INVITE; To from the response.
pub fn ack_for_non_2xx(invite: &Request, resp: &Response) -> Request {
    let mut headers = Headers::default();
    if let Some(v) = invite.headers.top_via() {
        headers.push(Header::Via(v.clone()));
    }
    headers.push(Header::MaxForwards(70));
    for h in &invite.headers.0 {
        if matches!(h, Header::From(_) | Header::CallId(_) | Header::Route(_)) {
            headers.push(h.clone());
        }
    }
    if let Some(to) = resp.headers.to().or(invite.headers.to()) {
        headers.push(Header::To(to.clone()));
    }
    let seq = invite.headers.cseq().map_or(1, |c| c.seq);
    headers.push(Header::CSeq(CSeq {
        seq,
        method: Method::Ack,
    }));
    Request {
        method: Method::Ack,
        uri: invite.uri.clone(),
        headers,
        body: Vec::new(),
    }
}

/// The CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, From, To, CSeq
/// number, top Via (same branch) and Route.
pub fn cancel_for(invite: &Request) -> Request {
    let mut req = ack_for_non_2xx(invite, &invite.response(0));
    req.method = Method::Cancel;
    for h in &mut req.headers.0 {
        if let Header::CSeq(c) = h {
            c.method = Method::Cancel;
        }
    }
    req
}
