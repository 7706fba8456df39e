//! Dialogs: UAC creation from 1xx-with-tag and 2xx (forks included), UAS creation, route sets
//! (loose and strict), remote-target refresh, CSeq rules (500 for a lower CSeq), 481 for
//! unknown dialogs, in-dialog requests and the ACK for 2xx, and RFC 4028 session timers.

use ringside_sip::dialog::session_timer::{
    uac_on_2xx, uac_request_headers, uac_retry_after_422, uas_on_request, Refresher,
    SessionTimerAction, SessionTimerConfig,
};
use ringside_sip::dialog::{Dialog, DialogSet, DialogState, RequestRoute};
use ringside_sip::{
    parse_message, Header, Host, Message, Method, NameAddr, Request, Response, Uri, Via,
};
use std::time::{Duration, Instant};

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r
Max-Forwards: 70\r
To: Bob <sip:bob@biloxi.example.com>\r
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r
Call-ID: a84b4c76e66710\r
CSeq: 314159 INVITE\r
Contact: <sip:alice@pc33.atlanta.example.com>\r
Content-Length: 0\r
\r
";

fn parse(text: &str) -> Message {
    parse_message(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

fn request(text: &str) -> Request {
    match parse(text) {
        Message::Request(r) => r,
        other => panic!("{other:?}"),
    }
}

fn response_to(req: &Request, status: u16, tag: &str, extra: &[&str]) -> Response {
    let mut r = req.response(status);
    r.set_to_tag(tag);
    let mut text = String::from_utf8_lossy(&r.to_bytes()).into_owned();
    let extra: String = extra.iter().map(|h| format!("{h}\r\n")).collect();
    text = text.replacen("Content-Length", &format!("{extra}Content-Length"), 1);
    match parse(&text) {
        Message::Response(r) => r,
        other => panic!("{other:?}"),
    }
}

fn via(branch: &str) -> Via {
    Via::new(
        "UDP",
        Host::Domain("pc33.atlanta.example.com".into()),
        None,
        branch,
    )
}

const RR: &str = "Record-Route: <sip:p2.biloxi.example.com;lr>, <sip:p1.atlanta.example.com;lr>";

#[test]
fn uac_dialog_from_180_then_200_and_in_dialog_requests() {
    let invite = request(INVITE);
    let mut set = DialogSet::new();
    let ringing = response_to(
        &invite,
        180,
        "bobtag",
        &[RR, "Contact: <sip:bob@192.0.2.4>"],
    );
    let id = set
        .route_response(&invite, &ringing)
        .unwrap_or_else(|| panic!("early dialog"));
    assert_eq!(set.get(&id).map(|d| d.state), Some(DialogState::Early));
    let ok = response_to(
        &invite,
        200,
        "bobtag",
        &[RR, "Contact: <sip:bob@192.0.2.5>"],
    );
    assert_eq!(set.route_response(&invite, &ok).as_ref(), Some(&id));
    let d = set.get_mut(&id).unwrap_or_else(|| panic!("dialog"));
    assert_eq!(d.state, DialogState::Confirmed);
    assert_eq!(
        d.remote_target.to_string(),
        "sip:bob@192.0.2.5",
        "2xx refreshes the target"
    );
    let routes: Vec<String> = d.route_set.iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        routes,
        [
            "sip:p1.atlanta.example.com;lr",
            "sip:p2.biloxi.example.com;lr"
        ],
        "UAC reverses Record-Route"
    );

    let ack = d.ack(314159, via("z9hG4bKack1"));
    assert_eq!(
        ack.headers.cseq().map(|c| (c.seq, c.method.clone())),
        Some((314159, Method::Ack))
    );
    let bye = d.request(Method::Bye, via("z9hG4bKbye1"));
    assert_eq!(
        bye.uri.to_string(),
        "sip:bob@192.0.2.5",
        "loose routing: Request-URI is the target"
    );
    assert_eq!(bye.headers.routes().count(), 2);
    assert_eq!(bye.headers.cseq().map(|c| c.seq), Some(314160));
    assert_eq!(bye.headers.from().and_then(|f| f.tag()), Some("1928301774"));
    assert_eq!(bye.headers.to().and_then(|t| t.tag()), Some("bobtag"));
    assert!(!bye.headers.has("Contact"));
    let reinvite = d.request(Method::Invite, via("z9hG4bKre1"));
    assert_eq!(reinvite.headers.cseq().map(|c| c.seq), Some(314161));
    assert!(
        reinvite.headers.has("Contact"),
        "target refresh carries our Contact"
    );
    let bytes = reinvite.to_bytes();
    assert_eq!(
        parse_message(&bytes).map(|m| m.to_bytes()),
        Ok(bytes),
        "a built request parses back"
    );
}

#[test]
fn forked_early_dialogs_and_the_2xx_that_picks_one() {
    let invite = request(INVITE);
    let mut set = DialogSet::new();
    let a = set.route_response(
        &invite,
        &response_to(&invite, 180, "forkA", &["Contact: <sip:a@192.0.2.7>"]),
    );
    let b = set.route_response(
        &invite,
        &response_to(&invite, 180, "forkB", &["Contact: <sip:b@192.0.2.8>"]),
    );
    assert_eq!(set.len(), 2);
    let ok = response_to(&invite, 200, "forkB", &["Contact: <sip:b@192.0.2.8>"]);
    assert_eq!(set.route_response(&invite, &ok), b.clone());
    set.drop_other_early(&b.clone().unwrap_or_else(|| panic!("fork B")));
    assert_eq!(set.len(), 1);
    assert!(a.is_some_and(|a| set.get(&a).is_none()));
    let busy = response_to(&invite, 486, "forkC", &[]);
    assert_eq!(
        set.route_response(&invite, &busy),
        None,
        "a failure creates no dialog"
    );
    assert!(set
        .route_response(
            &request(&INVITE.replace("INVITE", "OPTIONS")),
            &response_to(&invite, 200, "x", &[])
        )
        .is_none());
}

#[test]
fn uas_dialog_keeps_record_route_order_and_answers_cseq_rules() {
    let mut text = INVITE.replace("Content-Length", &format!("{RR}\r\nContent-Length"));
    text = text.replace(
        "Contact: <sip:alice@pc33.atlanta.example.com>",
        "Contact: <sip:alice@192.0.2.1>",
    );
    let invite = request(&text);
    let contact =
        NameAddr::new(Uri::parse("sip:ringside@198.51.100.1").unwrap_or_else(|| panic!("uri")));
    let mut d =
        Dialog::uas(&invite, "ourtag", contact, true, 1).unwrap_or_else(|| panic!("dialog"));
    let extra = d.uas_response_headers(&invite);
    assert_eq!(extra.len(), 3, "two Record-Route values and our Contact");
    let routes: Vec<String> = d.route_set.iter().map(|r| r.uri.to_string()).collect();
    assert_eq!(
        routes,
        [
            "sip:p2.biloxi.example.com;lr",
            "sip:p1.atlanta.example.com;lr"
        ],
        "UAS keeps the order"
    );
    let bye = d.request(Method::Bye, via("z9hG4bKb"));
    assert_eq!(bye.uri.to_string(), "sip:alice@192.0.2.1");
    assert_eq!(bye.headers.from().and_then(|f| f.tag()), Some("ourtag"));
    assert_eq!(bye.headers.cseq().map(|c| c.seq), Some(2));

    let mut set = DialogSet::new();
    set.insert(d);
    let in_dialog = |method: &str, seq: u32| {
        request(
            &INVITE
                .replace("INVITE sip:bob", &format!("{method} sip:bob"))
                .replace("314159 INVITE", &format!("{seq} {method}"))
                .replace(
                    "To: Bob <sip:bob@biloxi.example.com>",
                    "To: Bob <sip:bob@biloxi.example.com>;tag=ourtag",
                ),
        )
    };
    assert!(matches!(
        set.route_request(&in_dialog("INFO", 314160)),
        RequestRoute::InDialog(_)
    ));
    match set.route_request(&in_dialog("INFO", 314158)) {
        RequestRoute::Reject(r) => assert_eq!(r.status, 500),
        other => panic!("lower CSeq: {other:?}"),
    }
    assert!(
        matches!(
            set.route_request(&in_dialog("ACK", 314159)),
            RequestRoute::InDialog(_)
        ),
        "ACK keeps the INVITE's CSeq"
    );
    let reinvite = request(
        &in_dialog("INVITE", 314161)
            .to_bytes()
            .iter()
            .map(|b| *b as char)
            .collect::<String>()
            .replace("sip:alice@pc33.atlanta.example.com", "sip:alice@192.0.2.99"),
    );
    assert!(matches!(
        set.route_request(&reinvite),
        RequestRoute::InDialog(_)
    ));
    let id = ringside_sip::dialog::DialogId::of_request(&reinvite).unwrap_or_else(|| panic!("id"));
    assert_eq!(
        set.get(&id).map(|d| d.remote_target.to_string()).as_deref(),
        Some("sip:alice@192.0.2.99")
    );
    assert!(matches!(
        set.route_request(&in_dialog("BYE", 314162)),
        RequestRoute::InDialog(_)
    ));
    assert!(set.is_empty(), "BYE ends the dialog");
    match set.route_request(&in_dialog("BYE", 314163)) {
        RequestRoute::Reject(r) => assert_eq!(r.status, 481),
        other => panic!("unknown dialog: {other:?}"),
    }
    assert_eq!(
        set.route_request(&in_dialog("ACK", 314163)),
        RequestRoute::Drop
    );
    assert_eq!(
        set.route_request(&request(INVITE)),
        RequestRoute::OutOfDialog
    );
}

#[test]
fn strict_route_becomes_the_request_uri() {
    let invite = request(INVITE);
    let ok = response_to(
        &invite,
        200,
        "t",
        &[
            "Record-Route: <sip:strict.example.com;transport=tcp>",
            "Contact: <sip:bob@192.0.2.4>",
        ],
    );
    let mut d = Dialog::uac(&invite, &ok).unwrap_or_else(|| panic!("dialog"));
    let bye = d.request(Method::Bye, via("z9hG4bKs"));
    assert_eq!(bye.uri.to_string(), "sip:strict.example.com");
    let routes: Vec<String> = bye.headers.routes().map(|r| r.uri.to_string()).collect();
    assert_eq!(routes, ["sip:bob@192.0.2.4"], "the remote target goes last");
}

#[test]
fn session_timer_negotiation_and_deadlines() {
    let t0 = Instant::now();
    let cfg = SessionTimerConfig::default();
    let ask = |se: &str, supported: bool| {
        let mut text = INVITE.replace(
            "Content-Length",
            &format!("Session-Expires: {se}\r\nContent-Length"),
        );
        if supported {
            text = text.replace("Content-Length", "Supported: timer\r\nContent-Length");
        }
        request(&text)
    };
    let small = uas_on_request(t0, &ask("60", true), &cfg);
    let small = small.err().unwrap_or_else(|| panic!("60 < Min-SE 90"));
    assert_eq!(small.status, 422);
    assert_eq!(small.headers[0].to_string(), "Min-SE: 90");

    let Ok(Some((timer, headers))) = uas_on_request(t0, &ask("1800", true), &cfg) else {
        panic!("accepted");
    };
    assert_eq!(
        (timer.interval, timer.refresher, timer.we_refresh),
        (1800, Refresher::Uac, false)
    );
    let texts: Vec<String> = headers.iter().map(Header::to_string).collect();
    assert_eq!(
        texts,
        ["Session-Expires: 1800;refresher=uac", "Require: timer"]
    );
    assert_eq!(
        timer.deadline(),
        t0 + Duration::from_secs(1800 - 32),
        "BYE if no refresh by SE - 32 s"
    );
    assert_eq!(timer.poll(t0 + Duration::from_secs(1767)), None);
    assert_eq!(
        timer.poll(t0 + Duration::from_secs(1768)),
        Some(SessionTimerAction::Expired)
    );

    let Ok(Some((timer, _))) = uas_on_request(t0, &ask("3600;refresher=uac", false), &cfg) else {
        panic!("accepted");
    };
    assert_eq!(
        (timer.interval, timer.refresher),
        (1800, Refresher::Uas),
        "without Supported: timer the UAS refreshes; interval capped at ours"
    );
    assert_eq!(
        uas_on_request(t0, &request(INVITE), &cfg).map(|o| o.is_none()),
        Ok(true)
    );

    let hdrs: Vec<String> = uac_request_headers(&cfg)
        .iter()
        .map(Header::to_string)
        .collect();
    assert_eq!(
        hdrs,
        ["Supported: timer", "Session-Expires: 1800", "Min-SE: 90"]
    );
    let invite = request(INVITE);
    let too_small = response_to(&invite, 422, "t", &["Min-SE: 2400"]);
    let retry = uac_retry_after_422(&too_small, &cfg).unwrap_or_else(|| panic!("Min-SE present"));
    assert_eq!((retry.session_expires, retry.min_se), (2400, 2400));
    let ok = response_to(
        &invite,
        200,
        "t",
        &["Session-Expires: 900;refresher=uac", "Require: timer"],
    );
    let mut ours = uac_on_2xx(t0, &ok, &cfg);
    assert!(ours.we_refresh);
    assert_eq!(ours.poll(t0 + Duration::from_secs(449)), None);
    assert_eq!(
        ours.poll(t0 + Duration::from_secs(450)),
        Some(SessionTimerAction::Refresh)
    );
    ours.refreshed(t0 + Duration::from_secs(450));
    assert_eq!(ours.deadline(), t0 + Duration::from_secs(900));
}

#[test]
fn reinvite_glare_is_491_and_an_unanswered_reinvite_is_500_with_retry_after() {
    let invite = request(INVITE);
    let contact =
        NameAddr::new(Uri::parse("sip:ringside@198.51.100.1").unwrap_or_else(|| panic!("uri")));
    let mut d =
        Dialog::uas(&invite, "ourtag", contact, true, 1).unwrap_or_else(|| panic!("dialog"));
    let peer_reinvite = |seq: u32| {
        request(
            &INVITE
                .replace("314159 INVITE", &format!("{seq} INVITE"))
                .replace(
                    "To: Bob <sip:bob@biloxi.example.com>",
                    "To: Bob <sip:bob@biloxi.example.com>;tag=ourtag",
                ),
        )
    };
    let ours = d.request(Method::Invite, via("z9hG4bKours"));
    let glare = d.on_request(&peer_reinvite(314160)).err().map(|r| r.status);
    assert_eq!(glare, Some(491), "both sides re-INVITE at once");
    let mut ours_ok = ours.response(200);
    ours_ok.set_to_tag("alice");
    d.on_response(&ours_ok);
    assert_eq!(d.local_invite, None, "our re-INVITE got its final response");
    assert_eq!(d.on_request(&peer_reinvite(314161)), Ok(()));
    let pending = d.on_request(&peer_reinvite(314162)).err();
    assert_eq!(pending.as_ref().map(|r| r.status), Some(500));
    assert!(pending.is_some_and(|r| r.headers.iter().any(|h| h.to_string() == "Retry-After: 2")));
    d.on_response_sent(&peer_reinvite(314161).response(200));
    assert_eq!(
        d.on_request(&peer_reinvite(314163)),
        Ok(()),
        "answered: the next re-INVITE is fine"
    );
}
