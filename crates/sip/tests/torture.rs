//! RFC 4475 torture messages (tests/torture/*.dat, extracted byte-exact from the RFC's archive
//! as kept in rtckit/php-sip): each has its documented verdict — parses and is accepted, parses
//! and is refused by the UAS checks with a status, fails to parse with a status, or is a
//! response that is dropped.

use ringside_sip::{
    check_forwarding, check_request, parse_error_response, parse_message, Message, UasPolicy,
};

#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// Parses, and a UAS accepts it.
    Valid,
    /// Parses; the UAS checks answer this status.
    Refused(u16),
    /// Does not parse; a UAS answers this status with a reason containing the text.
    Invalid(u16, &'static str),
    /// A response that does not parse: dropped, never answered.
    Dropped,
}
use Verdict::*;

const CASES: &[(&str, &str, Verdict)] = &[
    ("3.1.1.1", "wsinv", Valid),
    ("3.1.1.2", "intmeth", Valid),
    ("3.1.1.3", "esc01", Valid),
    ("3.1.1.4", "escnull", Valid),
    ("3.1.1.5", "esc02", Valid),
    ("3.1.1.6", "lwsdisp", Valid),
    ("3.1.1.7", "longreq", Valid),
    ("3.1.1.8", "dblreq", Valid),
    ("3.1.1.9", "semiuri", Valid),
    ("3.1.1.10", "transports", Valid),
    ("3.1.1.11", "mpart01", Valid),
    ("3.1.1.12", "unreason", Valid),
    ("3.1.1.13", "noreason", Valid),
    ("3.1.2.1", "badinv01", Invalid(400, "Via")),
    ("3.1.2.2", "clerr", Invalid(400, "Content-Length")),
    ("3.1.2.3", "ncl", Invalid(400, "Content-Length")),
    ("3.1.2.4", "scalar02", Invalid(400, "CSeq")),
    ("3.1.2.5", "scalarlg", Dropped),
    ("3.1.2.6", "quotbal", Invalid(400, "To")),
    ("3.1.2.7", "ltgtruri", Invalid(400, "Request-URI")),
    ("3.1.2.8", "lwsruri", Invalid(400, "Start Line")),
    ("3.1.2.9", "lwsstart", Invalid(400, "Start Line")),
    ("3.1.2.10", "trws", Invalid(400, "Start Line")),
    ("3.1.2.11", "escruri", Invalid(400, "Request-URI")),
    // RFC 4475: the bad time zone may be ignored; Date is not interpreted here.
    ("3.1.2.12", "baddate", Valid),
    ("3.1.2.13", "regbadct", Invalid(400, "Contact")),
    ("3.1.2.14", "badaspec", Invalid(400, "To")),
    ("3.1.2.15", "baddn", Invalid(400, "From")),
    ("3.1.2.16", "badvers", Invalid(505, "Version")),
    ("3.1.2.17", "mismatch01", Invalid(400, "CSeq")),
    ("3.1.2.18", "mismatch02", Invalid(400, "CSeq")),
    ("3.1.2.19", "bigcode", Dropped),
    ("3.2.1", "badbranch", Valid),
    ("3.3.1", "insuf", Invalid(400, "Missing")),
    ("3.3.2", "unkscm", Refused(416)),
    ("3.3.3", "novelsc", Refused(416)),
    ("3.3.4", "unksm2", Valid),
    ("3.3.5", "bext01", Refused(420)),
    ("3.3.6", "invut", Refused(415)),
    ("3.3.7", "regaut01", Valid),
    ("3.3.8", "multi01", Invalid(400, "Multiple")),
    ("3.3.9", "mcl01", Invalid(400, "Content-Length")),
    ("3.3.10", "bcast", Valid),
    // Valid for the UAS it targets; a forwarding element answers 483 (checked below).
    ("3.3.11", "zeromf", Valid),
    ("3.3.12", "cparam01", Valid),
    ("3.3.13", "cparam02", Valid),
    ("3.3.14", "regescrt", Valid),
    ("3.3.15", "sdp01", Refused(406)),
    ("3.4.1", "inv2543", Valid),
];

fn load(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/torture/{name}.dat", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn verdict_of(bytes: &[u8]) -> String {
    let policy = UasPolicy::default();
    match parse_message(bytes) {
        Ok(Message::Request(r)) => match check_request(&r, &policy) {
            Ok(()) => "Valid".into(),
            Err(rej) => format!("Refused({})", rej.status),
        },
        Ok(Message::Response(_)) => "Valid".into(),
        Err(e) => match parse_error_response(&e, "tt1") {
            Some(resp) => format!("Invalid({}, {})", resp.status, resp.reason),
            None => "Dropped".into(),
        },
    }
}

#[test]
fn every_torture_message_gets_its_documented_verdict() {
    let mut wrong = Vec::new();
    for (section, name, expected) in CASES {
        let got = verdict_of(&load(name));
        let ok = match expected {
            Valid => got == "Valid",
            Refused(s) => got == format!("Refused({s})"),
            Invalid(s, text) => got.starts_with(&format!("Invalid({s}, ")) && got.contains(text),
            Dropped => got == "Dropped",
        };
        if !ok {
            wrong.push(format!(
                "§{section} {name}: expected {expected:?}, got {got}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_corpus_is_complete() {
    let dir = format!("{}/tests/torture", env!("CARGO_MANIFEST_DIR"));
    let files = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, CASES.len());
    assert_eq!(CASES.len(), 49);
}

#[test]
fn valid_messages_round_trip_to_a_fixed_point() {
    for (_, name, expected) in CASES {
        let Ok(first) = parse_message(&load(name)) else {
            assert!(matches!(expected, Invalid(..) | Dropped), "{name}");
            continue;
        };
        let bytes = first.to_bytes();
        let second = parse_message(&bytes).unwrap_or_else(|e| panic!("{name} reparse: {e}"));
        assert_eq!(second.to_bytes(), bytes, "{name}");
        assert_eq!(second.body(), first.body(), "{name}");
    }
}

#[test]
fn details_of_the_tortuous_invite() {
    let Ok(Message::Request(r)) = parse_message(&load("wsinv")) else {
        panic!("wsinv must parse");
    };
    assert_eq!(r.headers.max_forwards(), Some(68));
    assert_eq!(r.headers.cseq().map(|c| c.seq), Some(9));
    assert_eq!(r.headers.vias().count(), 3);
    assert_eq!(r.headers.to().and_then(|t| t.tag()), Some("1918181833n"));
    assert_eq!(
        r.headers.from().and_then(|t| t.display.clone()),
        Some(r#"J Rosenberg \""#.into())
    );
    assert_eq!(
        r.headers.get("NewFangledHeader").as_deref(),
        Some("newfangled value continued newfangled value")
    );
    assert_eq!(
        r.headers.get("UnknownHeaderWithUnusualValue").as_deref(),
        Some(";;,,;;,;")
    );
    assert_eq!(
        r.headers.contacts().map(|c| c.q()).collect::<Vec<_>>(),
        vec![Some(330)]
    );
    assert_eq!(r.body.len(), 150);
    let Ok(Message::Request(z)) = parse_message(&load("zeromf")) else {
        panic!("zeromf must parse");
    };
    assert_eq!(check_forwarding(&z).map_err(|r| r.status), Err(483));
    let Ok(Message::Request(b)) = parse_message(&load("bext01")) else {
        panic!("bext01 must parse");
    };
    let rej = check_request(&b, &UasPolicy::default())
        .err()
        .map(|r| r.headers.len());
    assert_eq!(rej, Some(2), "one Unsupported per unknown Require tag");
}

#[test]
fn trailing_octets_after_content_length_are_ignored() {
    let Ok(Message::Request(r)) = parse_message(&load("dblreq")) else {
        panic!("dblreq must parse");
    };
    assert_eq!(r.method, ringside_sip::Method::Register);
    assert!(r.body.is_empty());
}

#[test]
fn a_parse_error_answer_copies_the_dialog_fields_and_tags_to() {
    let err = match parse_message(&load("mismatch01")) {
        Err(e) => e,
        Ok(m) => panic!("mismatch01 parsed: {m:?}"),
    };
    let Some(resp) = parse_error_response(&err, "tt1") else {
        panic!("a request gets an answer");
    };
    let text = String::from_utf8_lossy(&resp.to_bytes()).into_owned();
    assert!(
        text.starts_with("SIP/2.0 400 CSeq Method Mismatch\r\n"),
        "{text}"
    );
    for field in [
        "Via: ",
        "From: ",
        "Call-ID: ",
        "CSeq: ",
        "Content-Length: 0",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert!(text.contains(";tag=tt1"), "{text}");
}
