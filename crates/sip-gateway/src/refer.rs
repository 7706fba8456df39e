//! Blind transfer from a phone (RFC 3515 REFER, RFC 5589 practice): a REFER in an answered
//! dialog whose Refer-To names a `+E.164` number or a directory user moves the *other* party of
//! the call to that target through the engine's transfer (the phone's leg is the transferor).
//! Answered 202, then the implicit subscription's NOTIFYs carry `message/sipfrag` progress:
//! `100 Trying` at once, `200 OK` when the target answered (the phone's leg is then released with
//! BYE once that NOTIFY is answered) or the target's failure (the phone stays in the call).

use std::time::Instant;

use ringside_engine::EndReason;
use ringside_model::Party;
use ringside_runtime::external::ExternalRequest;
use ringside_runtime::CallError;
use ringside_sip::transaction::TxId;
use ringside_sip::{Contact, Header, Method, Params, Request, Response, TokenParams, Uri};

use crate::core::{Core, Phase};
use crate::referral::Referral;

/// The sipfrag of a transfer's outcome and whether the phone leaves.
fn outcome_frag(cause: Option<EndReason>) -> String {
    match cause {
        None => "SIP/2.0 200 OK".to_string(),
        Some(reason) => {
            let (status, phrase) = crate::codes::unanswered_status(reason);
            format!("SIP/2.0 {status} {phrase}")
        }
    }
}

impl Core {
    /// A REFER inside the dialog of call `key`.
    pub(crate) async fn on_refer(&mut self, now: Instant, tx: TxId, key: u64, request: &Request) {
        let Some(call) = self.calls.get(&key) else {
            return;
        };
        let (leg, tenant) = (call.leg, call.tenant);
        if call.phase != Phase::Answered || call.referral.is_some() || leg.is_none() {
            let mut answer = self.plain(request, 403);
            answer.reason = "No answered call to transfer, or a transfer is under way".into();
            return self.layer.respond(now, tx, answer);
        }
        let target = request
            .headers
            .refer_to()
            .map(|to| to.uri.clone())
            .filter(|uri| !has_replaces(uri));
        let Some(uri) = target else {
            let mut answer = self.plain(request, 400);
            answer.reason = "Refer-To must name a sip: or tel: URI without Replaces".into();
            return self.layer.respond(now, tx, answer);
        };
        let Some(party) = tenant.and_then(|t| self.target_of(t, &uri)) else {
            let mut answer = self.plain(request, 404);
            answer.reason = "The transfer target is no number or user here".into();
            return self.layer.respond(now, tx, answer);
        };
        let started = match leg {
            Some(leg) => self.start_transfer(leg, party).await,
            None => Err(CallError::Unavailable),
        };
        if let Err(error) = started {
            let (status, reason) = refusal_of(&error);
            let mut answer = self.plain(request, status);
            answer.reason = reason;
            return self.layer.respond(now, tx, answer);
        }
        let mut accepted = self.plain(request, 202);
        accepted.reason = "Accepted".into();
        self.layer.respond(now, tx, accepted);
        let id = request.headers.cseq().map_or(0, |c| c.seq);
        if let Some(call) = self.calls.get_mut(&key) {
            call.referral = Some(Referral {
                id,
                bye_after: None,
                hung_up: false,
            });
        }
        self.notify(key, "SIP/2.0 100 Trying", false);
    }

    /// Asks the runtime to transfer the phone leg's call.
    async fn start_transfer(
        &mut self,
        leg: ringside_engine::LegId,
        target: Party,
    ) -> Result<(), CallError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.calls_rt
            .external(ExternalRequest::Transfer { leg, target, reply })
            .await?;
        answer.await.unwrap_or(Err(CallError::Unavailable))
    }

    /// The engine ended a transferring phone's leg (`Transferred`) or the transfer failed
    /// (`cause`): the final NOTIFY. Returns whether the call had a referral.
    pub(crate) async fn referral_done(&mut self, key: u64, cause: Option<EndReason>) -> bool {
        let Some(referral) = self.calls.get(&key).and_then(|c| c.referral.as_ref()) else {
            return false;
        };
        if referral.hung_up {
            // Nobody to tell: a transfer that failed ends the phone's leg now.
            if cause.is_some() {
                self.hang_up_from_sip(key).await;
            }
            self.remove_call(key);
            return true;
        }
        let tx = self.notify(key, &outcome_frag(cause), true);
        if let Some(call) = self.calls.get_mut(&key) {
            match cause {
                None => {
                    call.phase = Phase::Ended;
                    if let Some(leg) = call.leg.take() {
                        self.by_leg.remove(&leg);
                    }
                    match (tx, call.referral.as_mut()) {
                        (Some(tx), Some(referral)) => referral.bye_after = Some(tx),
                        _ => self.release_transferor(key),
                    }
                }
                Some(_) => call.referral = None,
            }
        }
        true
    }

    /// A BYE from a phone whose REFER is under way (many phones hang up right after the 202):
    /// answered, and the transfer goes on; the leg ends with its outcome. False when the call
    /// has no referral (an ordinary BYE).
    pub(crate) fn bye_during_referral(&mut self, key: u64) -> bool {
        let Some(call) = self.calls.get_mut(&key) else {
            return false;
        };
        let Some(referral) = call.referral.as_mut() else {
            return false;
        };
        referral.hung_up = true;
        call.phase = Phase::Ended;
        true
    }

    /// A response to one of our NOTIFYs: the final one's answer releases the phone (BYE).
    /// Returns whether `tx` was such a NOTIFY.
    pub(crate) fn on_notify_response(&mut self, tx: TxId, response: &Response) -> bool {
        let Some(key) = self.by_tx.get(&tx).copied() else {
            return false;
        };
        let is_final_notify = self
            .calls
            .get(&key)
            .and_then(|c| c.referral.as_ref())
            .is_some_and(|r| r.awaits(tx));
        if is_final_notify && response.status >= 200 {
            self.release_transferor(key);
        }
        is_final_notify
    }

    /// Ends a transferred phone's dialog: BYE (RFC 5589 §6: the transferee's side may end it
    /// once the transfer succeeded), unless the phone already hung up.
    pub(crate) fn release_transferor(&mut self, key: u64) {
        let hung_up = self
            .calls
            .get_mut(&key)
            .and_then(|call| call.referral.take())
            .is_some_and(|r| r.hung_up);
        if !hung_up {
            self.send_bye(key);
        }
        self.remove_call(key);
    }

    /// Sends a NOTIFY of the call's referral with `frag` as body; its transaction.
    fn notify(&mut self, key: u64, frag: &str, terminated: bool) -> Option<TxId> {
        let peer = self.calls.get(&key)?.peer.clone();
        let via = self.via(&peer);
        let contact = self.contact(&peer, None);
        let call = self.calls.get_mut(&key)?;
        let id = call.referral.as_ref()?.id;
        let dialog = call.dialog.as_mut()?;
        let mut notify = dialog.request(Method::Notify, via);
        let mut event = Params::default();
        event.set("id", Some(&id.to_string()));
        notify.headers.push(Header::Event(TokenParams {
            value: "refer".into(),
            params: event,
        }));
        let mut state = Params::default();
        let value = if terminated {
            state.set("reason", Some("noresource"));
            "terminated"
        } else {
            state.set("expires", Some("60"));
            "active"
        };
        notify.headers.push(Header::SubscriptionState(TokenParams {
            value: value.into(),
            params: state,
        }));
        notify.headers.push(Header::Contact(Contact::Addr(contact)));
        notify
            .headers
            .push(Header::ContentType("message/sipfrag;version=2.0".into()));
        notify.body = format!("{frag}\r\n").into_bytes();
        let reliable = peer.reliable();
        let tx = self
            .layer
            .send_request(Instant::now(), notify, peer, reliable)
            .ok()?;
        self.by_tx.insert(tx, key);
        Some(tx)
    }
}

/// Whether a Refer-To URI asks for an attended transfer (`?Replaces=`), which Ringside does not
/// take from phones.
fn has_replaces(uri: &Uri) -> bool {
    matches!(uri, Uri::Sip(sip) if sip.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("replaces")))
}

/// Why the runtime would not start the transfer, as the REFER's final response.
fn refusal_of(error: &CallError) -> (u16, String) {
    match error {
        CallError::NotFound(why) => (404, why.clone()),
        CallError::BadRequest(why) | CallError::Conflict(why) => (403, why.clone()),
        CallError::Busy | CallError::Unavailable => (503, "Transfer unavailable".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_as_status_lines() {
        assert_eq!(outcome_frag(None), "SIP/2.0 200 OK");
        assert_eq!(outcome_frag(Some(EndReason::Busy)), "SIP/2.0 486 Busy Here");
        assert!(outcome_frag(Some(EndReason::Declined)).starts_with("SIP/2.0 603"));
    }
}
