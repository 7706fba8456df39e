//! Reliable provisional responses on the layer (RFC 3262): sending a 1xx reliably on an INVITE
//! server transaction, and answering PRACKs — 200 when `RAck` names the provisional response an
//! INVITE of the same Call-ID waits for (the TU hears `TxEvent::Pracked`), 481 otherwise.

use std::time::Instant;

use super::{ServerKey, TransactionLayer};
use crate::message::{Request, Response};
use crate::transaction::{ReliableError, TxEvent, TxId};

/// `RAck: response-num CSeq-num Method` (RFC 3262 §7.2).
fn rack(request: &Request) -> Option<(u32, u32)> {
    let value = request.headers.get("RAck")?;
    let mut parts = value.split_whitespace();
    let rseq = parts.next()?.parse().ok()?;
    let cseq = parts.next()?.parse().ok()?;
    let method = parts.next()?;
    method
        .eq_ignore_ascii_case("INVITE")
        .then_some((rseq, cseq))
}

impl<A: Clone> TransactionLayer<A> {
    /// Sends provisional `resp` (101–199) on INVITE server transaction `tx` reliably: with
    /// `Require: 100rel` and an `RSeq`, retransmitted from T1 (doubling) until its PRACK or the
    /// final response; `TxEvent::NoPrack` after 64×T1 without one. Returns the RSeq.
    pub fn respond_reliably(
        &mut self,
        now: Instant,
        tx: TxId,
        resp: Response,
    ) -> Result<u32, ReliableError> {
        let entry = self.servers.get_mut(&tx).ok_or(ReliableError::NotPending)?;
        let (rseq, actions) = entry.tx.respond_reliably(now, resp)?;
        let to = entry.to.clone();
        self.apply(tx, &to, actions);
        Ok(rseq)
    }

    /// A new PRACK: its own non-INVITE server transaction, answered here.
    pub(super) fn prack(
        &mut self,
        now: Instant,
        key: ServerKey,
        prack: Request,
        from: A,
        reliable: bool,
    ) {
        let prack_tx = self.create_server(now, key, prack.clone(), from, reliable);
        let call_id = prack.headers.call_id().cloned();
        let matched = rack(&prack).and_then(|(rseq, cseq)| {
            let invite = self.servers.iter_mut().find_map(|(id, entry)| {
                let request = &entry.tx.request;
                let same_call = request.method == crate::headers::Method::Invite
                    && request.headers.call_id() == call_id.as_ref();
                (same_call && entry.tx.on_prack(rseq, cseq)).then_some(*id)
            });
            invite
        });
        let status = if matched.is_some() { 200 } else { 481 };
        let answer = prack.response(status);
        self.respond(now, prack_tx, answer);
        if let Some(invite) = matched {
            self.rearm(invite);
            self.events.push_back(TxEvent::Pracked { invite, prack });
        }
    }
}
