//! Digest end to end: our server's challenge answered by our client and verified (SHA-256
//! preferred, MD5 too), 401 and 407, stale nonces, wrong passwords and foreign nonces, the
//! RFC 2069 form without qop, and the re-sent request's CSeq and branch.

use ringside_sip::auth::client::{answer_challenge, authorize, Credentials};
use ringside_sip::auth::server::{DigestServer, Verdict};
use ringside_sip::auth::AuthError;
use ringside_sip::{parse_message, AuthValue, Message, Request, Response};

const REGISTER: &str = "REGISTER sip:ringside.example SIP/2.0\r
Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKnashds7\r
Max-Forwards: 70\r
To: Bob <sip:bob@ringside.example>\r
From: Bob <sip:bob@ringside.example>;tag=456248\r
Call-ID: 843817637684230@998sdasdh09\r
CSeq: 1826 REGISTER\r
Contact: <sip:bob@192.0.2.4>\r
Content-Length: 0\r
\r
";

const NOW: u64 = 1_800_000_000;

fn register() -> Request {
    match parse_message(REGISTER.as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn bob() -> Credentials {
    Credentials {
        username: "bob".into(),
        password: "zanzibar".into(),
    }
}

fn lookup(user: &str) -> Option<String> {
    (user == "bob").then(|| "zanzibar".to_string())
}

fn server() -> DigestServer {
    DigestServer::new(&[42u8; 32], "ringside.example", 300)
}

/// The challenge goes over the wire and back, as it would.
fn on_the_wire(resp: &Response) -> Response {
    match parse_message(&resp.to_bytes()) {
        Ok(Message::Response(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn resend(req: &Request) -> Request {
    match parse_message(&req.to_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn challenge_answer_verify_prefers_sha256() {
    let srv = server();
    let req = register();
    assert_eq!(srv.verify(&req, NOW, false, lookup), Verdict::Missing);
    let challenge = on_the_wire(&srv.challenge_response(&req, NOW, false, false, "srv1"));
    assert_eq!(challenge.status, 401);
    assert_eq!(
        challenge.headers.www_authenticate().count(),
        2,
        "SHA-256 and MD5 offered"
    );
    let again = authorize(&req, &challenge, &bob(), "0a4f113b", "z9hG4bKnashds8")
        .unwrap_or_else(|e| panic!("{e:?}"));
    let again = resend(&again);
    let creds = again
        .headers
        .authorization()
        .next()
        .cloned()
        .unwrap_or_else(|| AuthValue::new("none"));
    assert_eq!(creds.get("algorithm"), Some("SHA-256"));
    assert_eq!(
        (creds.get("qop"), creds.get("nc")),
        (Some("auth"), Some("00000001"))
    );
    assert_eq!(again.headers.cseq().map(|c| c.seq), Some(1827), "CSeq + 1");
    assert_eq!(
        again.branch(),
        Some("z9hG4bKnashds8"),
        "a new branch: a new transaction"
    );
    assert_eq!(
        srv.verify(&again, NOW + 10, false, lookup),
        Verdict::Ok("bob".into())
    );
    assert_eq!(srv.verify(&again, NOW + 301, false, lookup), Verdict::Stale);
    let stale = srv.challenge_response(&req, NOW + 301, true, false, "srv1");
    assert!(stale
        .headers
        .www_authenticate()
        .all(|c| c.get("stale") == Some("true")));
}

#[test]
fn md5_only_and_proxy_challenges() {
    let srv = server();
    let req = register();
    let mut challenge = srv.challenge_response(&req, NOW, false, true, "p1");
    challenge
        .headers
        .0
        .retain(|h| !h.to_string().contains("SHA-256"));
    let challenge = on_the_wire(&challenge);
    assert_eq!(challenge.status, 407);
    let again = resend(
        &authorize(&req, &challenge, &bob(), "c1", "z9hG4bK2").unwrap_or_else(|e| panic!("{e:?}")),
    );
    assert_eq!(
        again
            .headers
            .proxy_authorization()
            .next()
            .and_then(|c| c.get("algorithm").map(str::to_string)),
        Some("MD5".into())
    );
    assert!(again.headers.authorization().next().is_none());
    assert_eq!(
        srv.verify(&again, NOW, true, lookup),
        Verdict::Ok("bob".into())
    );
    assert_eq!(
        srv.verify(&again, NOW, false, lookup),
        Verdict::Missing,
        "WWW and proxy credentials are distinct"
    );
    let twice =
        authorize(&again, &challenge, &bob(), "c2", "z9hG4bK3").unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        twice.headers.proxy_authorization().count(),
        1,
        "old credentials for the realm are replaced"
    );
}

#[test]
fn wrong_password_unknown_user_and_foreign_nonce_are_rejected() {
    let srv = server();
    let req = register();
    let challenge = on_the_wire(&srv.challenge_response(&req, NOW, false, false, "t"));
    let wrong = Credentials {
        username: "bob".into(),
        password: "guess".into(),
    };
    let bad = resend(
        &authorize(&req, &challenge, &wrong, "c", "z9hG4bK4").unwrap_or_else(|e| panic!("{e:?}")),
    );
    assert_eq!(srv.verify(&bad, NOW, false, lookup), Verdict::Rejected);
    let eve = Credentials {
        username: "eve".into(),
        password: "zanzibar".into(),
    };
    let unknown = resend(
        &authorize(&req, &challenge, &eve, "c", "z9hG4bK5").unwrap_or_else(|e| panic!("{e:?}")),
    );
    assert_eq!(srv.verify(&unknown, NOW, false, lookup), Verdict::Rejected);
    let other = DigestServer::new(&[7u8; 32], "ringside.example", 300);
    let foreign = on_the_wire(&other.challenge_response(&req, NOW, false, false, "t"));
    let forged = resend(
        &authorize(&req, &foreign, &bob(), "c", "z9hG4bK6").unwrap_or_else(|e| panic!("{e:?}")),
    );
    assert_eq!(
        srv.verify(&forged, NOW, false, lookup),
        Verdict::Rejected,
        "a nonce we did not sign"
    );
    let mut moved = resend(
        &authorize(&req, &challenge, &bob(), "c", "z9hG4bK7").unwrap_or_else(|e| panic!("{e:?}")),
    );
    moved.uri = ringside_sip::Uri::parse("sip:elsewhere.example").unwrap_or_else(|| panic!("uri"));
    assert_eq!(
        srv.verify(&moved, NOW, false, lookup),
        Verdict::Rejected,
        "uri must match the Request-URI"
    );
}

#[test]
fn carrier_challenges_without_qop_and_with_only_auth_int() {
    let text =
        "Digest realm=\"sip.carrier.example\", nonce=\"abc123\", algorithm=MD5, opaque=\"xyz\"";
    let challenge = AuthValue::parse(text).unwrap_or_else(|| panic!("parses"));
    let creds = answer_challenge(
        &challenge,
        &bob(),
        "INVITE",
        "sip:+14255550100@sip.carrier.example",
        "cn",
        1,
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        creds.get("qop"),
        None,
        "RFC 2069 form: no qop, nc or cnonce"
    );
    assert_eq!(creds.get("nc"), None);
    assert_eq!(creds.get("opaque"), Some("xyz"));
    let expected = ringside_sip::auth::digest_response(&ringside_sip::auth::DigestInput {
        algorithm: ringside_sip::auth::Algorithm::Md5,
        username: "bob",
        realm: "sip.carrier.example",
        password: "zanzibar",
        nonce: "abc123",
        method: "INVITE",
        uri: "sip:+14255550100@sip.carrier.example",
        qop_auth: None,
    });
    assert_eq!(creds.get("response"), Some(expected.as_str()));
    let auth_int = AuthValue::parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"")
        .unwrap_or_else(|| panic!("parses"));
    assert_eq!(
        answer_challenge(&auth_int, &bob(), "INVITE", "sip:x", "c", 1),
        Err(AuthError::NoUsableChallenge)
    );
    let basic = AuthValue::parse("Basic realm=\"r\"").unwrap_or_else(|| panic!("parses"));
    assert_eq!(
        answer_challenge(&basic, &bob(), "INVITE", "sip:x", "c", 1),
        Err(AuthError::NoUsableChallenge)
    );
    assert_eq!(
        authorize(&register(), &register().response(403), &bob(), "c", "b").err(),
        Some(AuthError::NotAChallenge)
    );
}
