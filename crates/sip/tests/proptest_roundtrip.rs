//! Property tests: generated messages survive serialize → parse unchanged (so serialization is
//! canonical: serialize(parse(serialize(m))) == serialize(m)), and no input — random bytes or a
//! valid message with bytes mutated — makes the parser or the stream framer panic.

use proptest::prelude::*;
use ringside_sip::{
    parse_message, Contact, Header, Headers, Host, Method, NameAddr, Param, Params, Request,
    SipUri, StreamFramer, Uri, Via,
};

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9.!%*_+`'~-]{0,11}"
}

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,6}){0,2}".prop_map(Host::Domain),
        any::<[u8; 4]>().prop_map(|o| Host::V4(o.into())),
        any::<[u16; 8]>().prop_map(|s| Host::V6(s.into())),
    ]
}

fn params() -> impl Strategy<Value = Params> {
    prop::collection::vec(
        (
            "[a-z][a-z0-9-]{0,6}",
            prop::option::of("[a-zA-Z0-9.-]{1,8}"),
        ),
        0..3,
    )
    .prop_filter("q and expires have their own grammar", |v| {
        v.iter().all(|(n, _)| n != "q" && n != "expires")
    })
    .prop_map(|v| {
        Params(
            v.into_iter()
                .map(|(name, value)| Param { name, value })
                .collect(),
        )
    })
}

fn sip_uri() -> impl Strategy<Value = Uri> {
    (
        any::<bool>(),
        prop::option::of("[a-z0-9+][a-z0-9._%-]{0,10}"),
        host(),
        prop::option::of(1u16..),
        params(),
    )
        .prop_filter("escapes are valid", |(_, u, ..)| {
            u.as_deref().is_none_or(|u| !u.contains('%'))
        })
        .prop_map(|(secure, user, host, port, params)| {
            let mut u = SipUri::new(user.as_deref(), host);
            u.secure = secure;
            u.port = port;
            u.params = params;
            Uri::Sip(u)
        })
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (
        prop::option::of("[ -~&&[^\"\\\\]]{0,12}|[a-zA-Z]{1,5} \"q\\\\"),
        sip_uri(),
        params(),
    )
        .prop_map(|(display, uri, params)| NameAddr {
            display,
            uri,
            params,
        })
}

fn header() -> impl Strategy<Value = Header> {
    prop_oneof![
        (host(), prop::option::of(1u16..), token()).prop_map(|(h, p, b)| Header::Via(Via::new(
            "UDP",
            h,
            p,
            &format!("z9hG4bK{b}")
        ))),
        name_addr().prop_map(|a| Header::Contact(Contact::Addr(a))),
        name_addr().prop_map(Header::Route),
        name_addr().prop_map(Header::PAssertedIdentity),
        token().prop_map(Header::Supported),
        ("X-[A-Za-z]{1,8}", "[!-~]([ -~]{0,20}[!-~])?")
            .prop_map(|(name, value)| Header::Other { name, value }),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (
        sip_uri(),
        name_addr(),
        name_addr(),
        token(),
        0u32..0x7fff_ffff,
        prop::collection::vec(header(), 0..6),
        prop::collection::vec(any::<u8>(), 0..40),
        0u8..=255,
    )
        .prop_map(|(uri, from, to, call_id, seq, extra, body, max_forwards)| {
            let mut headers = Headers::default();
            headers.push(Header::Via(Via::new(
                "TCP",
                Host::Domain("a.example".into()),
                None,
                "z9hG4bKx",
            )));
            headers.push(Header::From(from));
            headers.push(Header::To(to));
            headers.push(Header::CallId(call_id));
            headers.push(Header::CSeq(ringside_sip::CSeq {
                seq,
                method: Method::Options,
            }));
            headers.push(Header::MaxForwards(max_forwards));
            headers.0.extend(extra);
            headers.push(Header::ContentLength(body.len() as u32));
            Request {
                method: Method::Options,
                uri,
                headers,
                body,
            }
        })
}

proptest! {
    #[test]
    fn generated_requests_round_trip(req in request()) {
        let bytes = req.to_bytes();
        let parsed = parse_message(&bytes);
        prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed, String::from_utf8_lossy(&bytes));
        let parsed = parsed.unwrap_or_else(|_| unreachable!());
        prop_assert_eq!(&parsed, &ringside_sip::Message::Request(req));
        prop_assert_eq!(parsed.to_bytes(), bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_message(&bytes);
        let mut framer = StreamFramer::new(1024);
        framer.push(&bytes);
        while let Ok(Some(_)) = framer.next_frame() {}
    }

    #[test]
    fn mutated_messages_never_panic(req in request(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = req.to_bytes();
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        if let Ok(m) = parse_message(&bytes) {
            let again = parse_message(&m.to_bytes());
            prop_assert!(again.is_ok(), "a parsed message reserializes to something that parses");
        }
    }
}
