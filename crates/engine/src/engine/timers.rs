//! Engine timers: one ordered set of `(deadline, leg, kind)` so that `poll_timeout` is the first
//! entry and thousands of calls cost nothing between deadlines. Each leg remembers its deadlines
//! so that re-arming removes the old entry exactly.

use std::time::Instant;

use super::Engine;
use crate::ids::LegId;
use crate::reason::EndReason;
use crate::state::LegState;

/// What a timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum TimerKind {
    /// Ring timeout (humans), answer deadline (bots), invitation timeout.
    Ring,
    /// Redirect timeout on a redirecting bot leg.
    Redirect,
    /// Graph keepAlive expiry.
    KeepAlive,
    /// Recognize: initial silence or inter-key timeout of the running recognize.
    Recognize,
}

/// A leg's armed deadlines.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct LegTimers {
    ring: Option<Instant>,
    redirect: Option<Instant>,
    keep_alive: Option<Instant>,
    recognize: Option<Instant>,
}

impl LegTimers {
    fn slot(&mut self, kind: TimerKind) -> &mut Option<Instant> {
        match kind {
            TimerKind::Ring => &mut self.ring,
            TimerKind::Redirect => &mut self.redirect,
            TimerKind::KeepAlive => &mut self.keep_alive,
            TimerKind::Recognize => &mut self.recognize,
        }
    }
}

/// `now + duration`, never panicking: an unrepresentable deadline is `None` (never).
pub(super) fn later(now: Instant, duration: std::time::Duration) -> Option<Instant> {
    now.checked_add(duration)
}

impl Engine {
    /// Arms (`Some`) or disarms (`None`) one of a leg's timers.
    pub(super) fn set_timer(&mut self, leg: LegId, kind: TimerKind, at: Option<Instant>) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let slot = l.timers.slot(kind);
        if let Some(old) = slot.take() {
            self.timers.remove(&(old, leg, kind));
        }
        *slot = at;
        if let Some(at) = at {
            self.timers.insert((at, leg, kind));
        }
    }

    pub(super) fn clear_timers(&mut self, leg: LegId) {
        for kind in [
            TimerKind::Ring,
            TimerKind::Redirect,
            TimerKind::KeepAlive,
            TimerKind::Recognize,
        ] {
            self.set_timer(leg, kind, None);
        }
    }

    /// Fires due timers in deadline order (ties by leg id, then kind).
    pub(super) fn run_timers(&mut self, now: Instant) {
        while let Some(&(at, leg, kind)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, leg, kind));
            let Some(l) = self.legs.get_mut(&leg) else {
                continue;
            };
            *l.timers.slot(kind) = None;
            self.fire(at, leg, kind);
        }
    }

    fn fire(&mut self, now: Instant, leg: LegId, kind: TimerKind) {
        let Some(l) = self.legs.get(&leg) else { return };
        let (state, is_bot) = (l.state, l.is_bot());
        match kind {
            TimerKind::Ring if state == LegState::Incoming => {
                if is_bot {
                    self.offer_failed(now, leg, EndReason::AnswerDeadline, false);
                } else {
                    self.offer_failed(now, leg, EndReason::NotAnswered, true);
                }
            }
            TimerKind::Redirect if state == LegState::Redirecting => {
                let targets = self
                    .legs
                    .get_mut(&leg)
                    .map(|l| std::mem::take(&mut l.redirect_targets));
                for target in targets.unwrap_or_default() {
                    self.cancel_offer(now, target, EndReason::NotAnswered);
                }
                self.offer_failed(now, leg, EndReason::RedirectTimeout, false);
            }
            TimerKind::KeepAlive if !state.is_terminated() => {
                self.end_leg(now, leg, EndReason::KeepAliveTimeout, false);
            }
            TimerKind::Recognize => self.recognize_timeout(now, leg),
            _ => {}
        }
    }
}
