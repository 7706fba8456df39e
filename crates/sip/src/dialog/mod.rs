//! Dialogs (RFC 3261 §12): creation on the UAC side from a 1xx with a tag or a 2xx and on the
//! UAS side from the request, early and confirmed states, the route set from Record-Route,
//! remote-target refresh, CSeq rules (500 for an out-of-order lower CSeq), and in-dialog
//! requests built with loose or strict routing (BYE, re-INVITE, UPDATE, REFER, INFO, ACK for
//! 2xx). `DialogSet` finds a request's dialog or answers 481; `session_timer` does RFC 4028.

pub mod session_timer;
mod set;

pub use set::{DialogSet, RequestRoute};

use crate::error::Rejection;
use crate::headers::{CSeq, Header, Headers, Method, Via};
use crate::message::{Request, Response};
use crate::name_addr::NameAddr;
use crate::uri::Uri;

/// Call-ID and both tags, local first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The id an incoming in-dialog request names (local = To tag, remote = From tag).
    pub fn of_request(req: &Request) -> Option<DialogId> {
        Some(DialogId {
            call_id: req.headers.call_id()?.clone(),
            local_tag: req.headers.to()?.tag()?.to_string(),
            remote_tag: req.headers.from()?.tag()?.to_string(),
        })
    }

    /// The id a response to our request names (local = From tag, remote = To tag).
    pub fn of_response(resp: &Response) -> Option<DialogId> {
        Some(DialogId {
            call_id: resp.headers.call_id()?.clone(),
            local_tag: resp.headers.from()?.tag()?.to_string(),
            remote_tag: resp.headers.to()?.tag()?.to_string(),
        })
    }
}

/// Dialog state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a provisional response.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
    /// Ended (BYE, or a failure on an early dialog).
    Terminated,
}

/// One dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Identifier.
    pub id: DialogId,
    /// State.
    pub state: DialogState,
    /// Our address (with our tag).
    pub local: NameAddr,
    /// The peer's address (with its tag).
    pub remote: NameAddr,
    /// Where in-dialog requests go (the peer's Contact).
    pub remote_target: Uri,
    /// Route set, in the order our requests traverse it.
    pub route_set: Vec<NameAddr>,
    /// The CSeq of our last request.
    pub local_seq: u32,
    /// The CSeq of the peer's last request, once one was seen.
    pub remote_seq: Option<u32>,
    /// Our Contact.
    pub local_contact: NameAddr,
    /// True when we created it as UAC.
    pub is_uac: bool,
    /// CSeq of our re-INVITE still waiting for its final response (glare, RFC 3261 §14.1).
    pub local_invite: Option<u32>,
    /// CSeq of the peer's re-INVITE we have not answered finally yet (§14.2).
    pub remote_invite: Option<u32>,
}

impl Dialog {
    /// A UAC dialog from our `request` and a response with a To tag (1xx: early, 2xx:
    /// confirmed). `None` for responses that do not create dialogs.
    pub fn uac(request: &Request, resp: &Response) -> Option<Dialog> {
        let state = match resp.status {
            101..=199 => DialogState::Early,
            200..=299 => DialogState::Confirmed,
            _ => return None,
        };
        let mut route_set: Vec<NameAddr> = resp.headers.record_routes().cloned().collect();
        route_set.reverse();
        Some(Dialog {
            id: DialogId::of_response(resp)?,
            state,
            local: request.headers.from()?.clone(),
            remote: resp.headers.to()?.clone(),
            remote_target: resp
                .headers
                .contact()
                .map_or(request.uri.clone(), |c| c.uri.clone()),
            route_set,
            local_seq: request.headers.cseq()?.seq,
            remote_seq: None,
            local_contact: request.headers.contact()?.clone(),
            is_uac: true,
            local_invite: None,
            remote_invite: None,
        })
    }

    /// A UAS dialog from a dialog-creating `request` answered with `local_tag` and our Contact.
    pub fn uas(
        request: &Request,
        local_tag: &str,
        local_contact: NameAddr,
        confirmed: bool,
        initial_seq: u32,
    ) -> Option<Dialog> {
        let mut local = request.headers.to()?.clone();
        local.params.set("tag", Some(local_tag));
        let remote = request.headers.from()?.clone();
        Some(Dialog {
            id: DialogId {
                call_id: request.headers.call_id()?.clone(),
                local_tag: local_tag.to_string(),
                remote_tag: remote.tag()?.to_string(),
            },
            state: if confirmed {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local,
            remote,
            remote_target: request.headers.contact()?.uri.clone(),
            route_set: request.headers.record_routes().cloned().collect(),
            local_seq: initial_seq,
            remote_seq: Some(request.headers.cseq()?.seq),
            local_contact,
            is_uac: false,
            local_invite: None,
            remote_invite: None,
        })
    }

    /// Headers a UAS copies into its dialog-creating responses (§12.1.1): Record-Route, and our
    /// Contact.
    pub fn uas_response_headers(&self, request: &Request) -> Vec<Header> {
        let rr = request
            .headers
            .record_routes()
            .cloned()
            .map(Header::RecordRoute);
        rr.chain([Header::Contact(crate::headers::Contact::Addr(
            self.local_contact.clone(),
        ))])
        .collect()
    }

    /// A response to our request within this dialog (UAC side): confirms an early dialog on
    /// 2xx (recomputing the route set), refreshes the target, ends an early dialog on a failure.
    pub fn on_response(&mut self, resp: &Response) {
        let cseq = resp.headers.cseq();
        let ends_ours =
            cseq.is_some_and(|c| c.method == Method::Invite && Some(c.seq) == self.local_invite);
        if ends_ours && resp.status >= 200 {
            self.local_invite = None;
        }
        match resp.status {
            101..=299 if self.state == DialogState::Early => {
                if resp.status >= 200 {
                    self.state = DialogState::Confirmed;
                    let mut rs: Vec<NameAddr> = resp.headers.record_routes().cloned().collect();
                    rs.reverse();
                    self.route_set = rs;
                }
                self.refresh_target(&resp.headers);
            }
            200..=299 => self.refresh_target(&resp.headers),
            300..=699 if self.state == DialogState::Early => self.state = DialogState::Terminated,
            _ => {}
        }
    }

    fn refresh_target(&mut self, headers: &Headers) {
        if let Some(c) = headers.contact() {
            self.remote_target = c.uri.clone();
        }
    }

    /// Checks an incoming in-dialog request (§12.2.2): a CSeq lower than the last one is 500;
    /// target-refresh requests (re-INVITE, UPDATE) update the remote target; BYE ends it.
    pub fn on_request(&mut self, req: &Request) -> Result<(), Rejection> {
        let Some(seq) = req.headers.cseq().map(|c| c.seq) else {
            return Err(Rejection::new(400));
        };
        if matches!(req.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        if self.remote_seq.is_some_and(|last| seq < last) {
            let mut r = Rejection::new(500);
            r.reason = "CSeq Out of Order".into();
            return Err(r);
        }
        self.remote_seq = Some(seq);
        if req.method == Method::Invite {
            self.check_glare()?;
            self.remote_invite = Some(seq);
        }
        match req.method {
            Method::Invite | Method::Update => self.refresh_target(&req.headers),
            Method::Bye => self.state = DialogState::Terminated,
            _ => {}
        }
        Ok(())
    }

    /// A re-INVITE while ours is pending is 491; while the peer's previous one is unanswered,
    /// 500 with Retry-After (RFC 3261 §14).
    fn check_glare(&self) -> Result<(), Rejection> {
        if self.local_invite.is_some() {
            return Err(Rejection::new(491));
        }
        if self.remote_invite.is_some() {
            let mut r = Rejection::new(500);
            r.reason = "Previous INVITE Pending".into();
            r.headers.push(Header::Other {
                name: "Retry-After".into(),
                value: "2".into(),
            });
            return Err(r);
        }
        Ok(())
    }

    /// We sent `resp` to a request in this dialog: a final response to the peer's re-INVITE
    /// ends its pending state.
    pub fn on_response_sent(&mut self, resp: &Response) {
        let cseq = resp.headers.cseq();
        let answers =
            cseq.is_some_and(|c| c.method == Method::Invite && Some(c.seq) == self.remote_invite);
        if answers && resp.status >= 200 {
            self.remote_invite = None;
        }
    }

    /// A new in-dialog request (§12.2.1.1) with the next CSeq. The caller supplies the Via
    /// (a fresh branch). Target-refresh methods carry our Contact.
    pub fn request(&mut self, method: Method, via: Via) -> Request {
        self.local_seq = self
            .local_seq
            .saturating_add(1)
            .min(crate::headers::MAX_CSEQ);
        if method == Method::Invite {
            self.local_invite = Some(self.local_seq);
        }
        self.build(method, via, self.local_seq)
    }

    /// The ACK for a 2xx to the INVITE with CSeq number `invite_seq` (§13.2.2.4): its own
    /// Via branch, the INVITE's CSeq number. Add the answer's SDP as body for offerless INVITEs.
    pub fn ack(&self, invite_seq: u32, via: Via) -> Request {
        self.build(Method::Ack, via, invite_seq)
    }

    fn build(&self, method: Method, via: Via, seq: u32) -> Request {
        let (uri, routes) = self.request_target();
        let mut headers = Headers::default();
        headers.push(Header::Via(via));
        headers.push(Header::MaxForwards(70));
        headers.0.extend(routes.into_iter().map(Header::Route));
        headers.push(Header::From(self.local.clone()));
        headers.push(Header::To(self.remote.clone()));
        headers.push(Header::CallId(self.id.call_id.clone()));
        headers.push(Header::CSeq(CSeq {
            seq,
            method: method.clone(),
        }));
        if matches!(
            method,
            Method::Invite | Method::Update | Method::Refer | Method::Subscribe | Method::Notify
        ) {
            headers.push(Header::Contact(crate::headers::Contact::Addr(
                self.local_contact.clone(),
            )));
        }
        Request {
            method,
            uri,
            headers,
            body: Vec::new(),
        }
    }

    /// Request-URI and Route headers: loose routing when the first route has `lr`, else strict
    /// (the first route becomes the Request-URI and the remote target goes last).
    fn request_target(&self) -> (Uri, Vec<NameAddr>) {
        let Some(first) = self.route_set.first() else {
            return (self.remote_target.clone(), Vec::new());
        };
        let loose = first.uri.as_sip().is_some_and(|u| u.params.has("lr"));
        if loose {
            return (self.remote_target.clone(), self.route_set.clone());
        }
        let mut uri = first.uri.clone();
        if let Uri::Sip(u) = &mut uri {
            u.headers.clear();
            for p in ["method", "maddr", "ttl", "transport", "lr"] {
                u.params.remove(p);
            }
        }
        let mut routes: Vec<NameAddr> = self.route_set[1..].to_vec();
        routes.push(NameAddr::new(self.remote_target.clone()));
        (uri, routes)
    }
}
