//! The registrar (RFC 3261 §10): softphones register as directory users with their SIP
//! credentials (digest, 401), one or more Contacts with an expiry (default 3600 s, at least
//! 60 s — 423 below), `Contact: *` with `Expires: 0` to clear; the 200 lists the live bindings.

use std::time::{Duration, Instant};

use ringside_sip::auth::server::Verdict;
use ringside_sip::transaction::TxId;
use ringside_sip::{Contact, Header, Request};

use crate::core::{fresh_tag, Binding, Core};
use crate::numbers::user_of;

/// Expiry when the REGISTER names none.
const DEFAULT_EXPIRES: u32 = 3600;
/// The shortest expiry accepted.
const MIN_EXPIRES: u32 = 60;
/// The longest expiry granted.
const MAX_EXPIRES: u32 = 86_400;

impl Core {
    pub(crate) fn on_register(&mut self, now: Instant, tx: TxId, request: &Request) {
        let secs = Core::unix_now();
        let directory = self.directory.clone();
        let verdict = self.digest.verify(request, secs, false, |username| {
            directory.read(|d| d.sip_credential(username).map(|(_, _, p)| p.to_string()))
        });
        let username = match verdict {
            Verdict::Ok(username) => username,
            other => {
                let stale = other == Verdict::Stale;
                let challenge =
                    self.digest
                        .challenge_response(request, secs, stale, false, &fresh_tag());
                self.layer.respond(now, tx, challenge);
                return;
            }
        };
        let aor_user = request.headers.to().and_then(|to| user_of(&to.uri));
        let owner = self
            .directory
            .read(|d| d.sip_credential(&username).map(|(t, u, _)| (t, u)));
        let (Some((tenant, user)), true) = (owner, aor_user.as_deref() == Some(&username)) else {
            let answer = self.plain(request, 403);
            self.layer.respond(now, tx, answer);
            return;
        };
        let Some(peer) = self.layer.server_peer(tx) else {
            return;
        };
        let default = request.headers.expires().unwrap_or(DEFAULT_EXPIRES);
        let mut bindings = self.shared.bindings_of(tenant, user, now);
        for contact in request.headers.contacts() {
            match contact {
                Contact::Star => {
                    if default != 0 {
                        let answer = self.plain(request, 400);
                        self.layer.respond(now, tx, answer);
                        return;
                    }
                    bindings.clear();
                }
                Contact::Addr(addr) => {
                    let expires = contact.expires().unwrap_or(default);
                    if expires != 0 && expires < MIN_EXPIRES {
                        let mut answer = self.plain(request, 423);
                        answer.headers.push(Header::MinExpires(MIN_EXPIRES));
                        self.layer.respond(now, tx, answer);
                        return;
                    }
                    bindings.retain(|b| b.contact != addr.uri);
                    if expires > 0 {
                        let lasts = Duration::from_secs(u64::from(expires.min(MAX_EXPIRES)));
                        bindings.push(Binding {
                            contact: addr.uri.clone(),
                            peer: peer.clone(),
                            expires: now + lasts,
                        });
                    }
                }
            }
        }
        let mut ok = self.plain(request, 200);
        for binding in &bindings {
            let left = binding.expires.saturating_duration_since(now).as_secs();
            let mut addr = ringside_sip::NameAddr::new(binding.contact.clone());
            addr.params.set("expires", Some(&left.to_string()));
            ok.headers.push(Header::Contact(Contact::Addr(addr)));
        }
        self.shared
            .bindings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((tenant, user), bindings);
        self.layer.respond(now, tx, ok);
    }
}
