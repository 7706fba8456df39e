//! The ordered header list of a message with typed accessors for the fields the transaction,
//! dialog and auth layers read.

use super::{AuthValue, CSeq, Contact, Header, Method, TokenParams, Via};
use crate::name_addr::NameAddr;

/// All header fields of a message, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<Header>);

macro_rules! single {
    ($(#[$doc:meta] $fn:ident, $variant:ident, $ty:ty;)*) => {$(
        #[$doc]
        pub fn $fn(&self) -> Option<&$ty> {
            self.0.iter().find_map(|h| match h {
                Header::$variant(v) => Some(v),
                _ => None,
            })
        }
    )*};
}

macro_rules! many {
    ($(#[$doc:meta] $fn:ident, $variant:ident, $ty:ty;)*) => {$(
        #[$doc]
        pub fn $fn(&self) -> impl Iterator<Item = &$ty> + '_ {
            self.0.iter().filter_map(|h| match h {
                Header::$variant(v) => Some(v),
                _ => None,
            })
        }
    )*};
}

impl Headers {
    single! {
        /// The top Via.
        top_via, Via, Via;
        /// From.
        from, From, NameAddr;
        /// To.
        to, To, NameAddr;
        /// Call-ID.
        call_id, CallId, String;
        /// CSeq.
        cseq, CSeq, CSeq;
        /// Content-Type.
        content_type, ContentType, String;
        /// Session-Expires.
        session_expires, SessionExpires, TokenParams;
        /// Min-SE.
        min_se, MinSe, TokenParams;
        /// Refer-To.
        refer_to, ReferTo, NameAddr;
        /// Replaces.
        replaces, Replaces, TokenParams;
        /// Event.
        event, Event, TokenParams;
    }

    many! {
        /// Every Via, top first.
        vias, Via, Via;
        /// Every Contact value.
        contacts, Contact, Contact;
        /// Every Route value.
        routes, Route, NameAddr;
        /// Every Record-Route value.
        record_routes, RecordRoute, NameAddr;
        /// Supported option tags.
        supported, Supported, String;
        /// Require option tags.
        require, Require, String;
        /// Proxy-Require option tags.
        proxy_require, ProxyRequire, String;
        /// Unsupported option tags.
        unsupported, Unsupported, String;
        /// Allowed methods.
        allow, Allow, Method;
        /// P-Asserted-Identity values.
        asserted_identities, PAssertedIdentity, NameAddr;
        /// WWW-Authenticate challenges.
        www_authenticate, WwwAuthenticate, AuthValue;
        /// Proxy-Authenticate challenges.
        proxy_authenticate, ProxyAuthenticate, AuthValue;
        /// Authorization credentials.
        authorization, Authorization, AuthValue;
        /// Proxy-Authorization credentials.
        proxy_authorization, ProxyAuthorization, AuthValue;
    }

    /// Max-Forwards.
    pub fn max_forwards(&self) -> Option<u8> {
        self.0.iter().find_map(|h| match h {
            Header::MaxForwards(n) => Some(*n),
            _ => None,
        })
    }

    /// Content-Length.
    pub fn content_length(&self) -> Option<u32> {
        self.0.iter().find_map(|h| match h {
            Header::ContentLength(n) => Some(*n),
            _ => None,
        })
    }

    /// Expires.
    pub fn expires(&self) -> Option<u32> {
        self.0.iter().find_map(|h| match h {
            Header::Expires(n) => Some(*n),
            _ => None,
        })
    }

    /// The first address Contact.
    pub fn contact(&self) -> Option<&NameAddr> {
        self.contacts().find_map(Contact::addr)
    }

    /// The value of the first field named `name` (any field, serialized value).
    pub fn get(&self, name: &str) -> Option<String> {
        self.0.iter().find(|h| h.is(name)).map(|h| {
            let s = h.to_string();
            s.split_once(": ")
                .map_or(String::new(), |(_, v)| v.to_string())
        })
    }

    /// True when a field named `name` is present.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|h| h.is(name))
    }

    /// Appends a field.
    pub fn push(&mut self, h: Header) {
        self.0.push(h);
    }

    /// Appends an unknown/extension field verbatim.
    pub fn push_other(&mut self, name: &str, value: &str) {
        self.0.push(Header::Other {
            name: name.into(),
            value: value.into(),
        });
    }

    /// Removes every field named `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|h| !h.is(name));
    }

    /// Replaces the fields named like `h` with `h` (at the first one's position, else appended).
    pub fn set(&mut self, h: Header) {
        let name = h.name().to_string();
        match self.0.iter().position(|x| x.is(&name)) {
            Some(i) => {
                self.0[i] = h;
                let mut idx = 0;
                self.0.retain(|x| {
                    idx += 1;
                    idx - 1 == i || !x.is(&name)
                });
            }
            None => self.0.push(h),
        }
    }

    /// True when `tag` is listed in Supported or Require.
    pub fn supports(&self, tag: &str) -> bool {
        self.supported()
            .chain(self.require())
            .any(|t| t.eq_ignore_ascii_case(tag))
    }

    /// Number of fields named `name`.
    pub fn count(&self, name: &str) -> usize {
        self.0.iter().filter(|h| h.is(name)).count()
    }
}
