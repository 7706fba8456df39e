//! In-call SIP a phone drives, over raw UDP: a blind transfer by REFER (202, NOTIFYs with
//! `message/sipfrag` 100 then 200, BYE; the bot keeps its call with the target in its roster;
//! a target that refuses is reported in the NOTIFY and the phone stays), a reliable 180
//! (`Require: 100rel`: RSeq, retransmitted until the PRACK, which is answered 200), and an
//! offerless re-INVITE (our offer in the 200, the answer in the ACK).

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::Method as Http;
use ringside_sip::{Header, Message, Method, Request, Response};
use ringside_testkit::server::{PromptServer, TestServer};

use super::{answer_incoming, request, Udp, BOT_NUMBER};

/// A PSTN caller's INVITE to the bot through the dev trunk, with a PCMU offer.
fn invite(local: SocketAddr, call_id: &str, extra: &str) -> Request {
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        local.port() + 2
    );
    let text = format!(
        "INVITE sip:{BOT_NUMBER}@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP {{local}};branch=z9hG4bK{call_id}1;rport
From: <sip:+12065550123@127.0.0.1;user=phone>;tag=caller
To: <sip:{BOT_NUMBER}@127.0.0.1;user=phone>
Call-ID: {call_id}
CSeq: 1 INVITE
Contact: <sip:+12065550123@{{local}}>
Max-Forwards: 70
{extra}Content-Type: application/sdp
Content-Length: 0

"
    );
    let mut invite = request(&text, local);
    invite.body = sdp.into_bytes();
    invite
}

/// An in-dialog request of the caller's (CSeq `seq`), To carrying the gateway's tag.
fn in_dialog(
    local: SocketAddr,
    call_id: &str,
    to_tag: &str,
    method: &str,
    seq: u32,
    extra: &str,
) -> Request {
    let text = format!(
        "{method} sip:{BOT_NUMBER}@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP {{local}};branch=z9hG4bK{call_id}{seq};rport
From: <sip:+12065550123@127.0.0.1;user=phone>;tag=caller
To: <sip:{BOT_NUMBER}@127.0.0.1;user=phone>;tag={to_tag}
Call-ID: {call_id}
CSeq: {seq} {method}
Contact: <sip:+12065550123@{{local}}>
Max-Forwards: 70
{extra}Content-Length: 0

"
    );
    request(&text, local)
}

/// The next request the gateway sends (answering nothing).
async fn next_request(udp: &Udp) -> Request {
    loop {
        match udp.message().await {
            Message::Request(r) => return r,
            Message::Response(_) => continue,
        }
    }
}

/// Answers a request of the gateway's with `status`.
async fn reply(udp: &Udp, request: &Request, status: u16) {
    let answer: Response = request.response(status);
    udp.send_raw(&answer.to_bytes()).await;
}

/// The caller's call, answered by the bot: the UDP client, the gateway's To tag, the bot's call id.
async fn answered_call(
    h: &TestServer,
    prompts: &PromptServer,
    call_id: &str,
) -> (Udp, String, String) {
    let udp = Udp::to(h.sip().udp.expect("udp")).await;
    udp.send(&invite(udp.local(), call_id, "")).await;
    let id = answer_incoming(h, prompts).await;
    let ok = loop {
        let r = udp.response(true).await;
        if r.status >= 200 {
            break r;
        }
    };
    assert_eq!(ok.status, 200);
    let tag = ok
        .headers
        .to()
        .and_then(|t| t.tag())
        .expect("the 200 has a To tag")
        .to_string();
    let mut ack = in_dialog(udp.local(), call_id, &tag, "ACK", 1, "");
    ack.headers.set(Header::Via(
        ringside_sip::Via::parse(&format!(
            "SIP/2.0/UDP {};branch=z9hG4bKack.{call_id}",
            udp.local()
        ))
        .expect("via"),
    ));
    udp.send(&ack).await;
    (udp, tag, id)
}

/// The sipfrag status line of a NOTIFY.
fn frag(notify: &Request) -> String {
    String::from_utf8_lossy(&notify.body).trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_phone_transfers_the_bot_by_refer_and_is_released() {
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let (udp, tag, id) = answered_call(&h, &prompts, "refer-1.test").await;
    // Transfer the bot to a PSTN number (a simulated phone answers it after 2 s).
    let target = "Refer-To: <sip:+14255550123@127.0.0.1;user=phone>\nReferred-By: <sip:+12065550123@127.0.0.1>\n";
    udp.send(&in_dialog(
        udp.local(),
        "refer-1.test",
        &tag,
        "REFER",
        2,
        target,
    ))
    .await;
    let accepted = udp.response(true).await;
    assert_eq!(accepted.status, 202, "{}", accepted.reason);
    let trying = next_request(&udp).await;
    assert_eq!(trying.method, Method::Notify);
    assert_eq!(frag(&trying), "SIP/2.0 100 Trying");
    assert!(trying
        .headers
        .content_type()
        .is_some_and(|t| t.starts_with("message/sipfrag")));
    assert!(trying.headers.0.iter().any(
        |h| matches!(h, Header::Event(e) if e.value == "refer" && e.params.get("id") == Some(Some("2")))
    ));
    reply(&udp, &trying, 200).await;
    let done = next_request(&udp).await;
    assert_eq!(done.method, Method::Notify);
    assert_eq!(frag(&done), "SIP/2.0 200 OK");
    assert!(done
        .headers
        .0
        .iter()
        .any(|h| matches!(h, Header::SubscriptionState(s) if s.value == "terminated")));
    reply(&udp, &done, 200).await;
    let bye = next_request(&udp).await;
    assert_eq!(bye.method, Method::Bye, "the phone's leg is released");
    reply(&udp, &bye, 200).await;
    // The bot keeps its call, established (a P2P call gets call-state notifications only, so
    // none about the roster); its participants are now the target and itself.
    let participants = h
        .graph(
            Http::GET,
            &format!("/v1.0/communications/calls/{id}/participants"),
            None,
        )
        .await;
    let roster = participants.body.to_string();
    assert!(roster.contains("+14255550123"), "{roster}");
    assert!(!roster.contains("+12065550123"), "{roster}");
    let call = h
        .graph(Http::GET, &format!("/v1.0/communications/calls/{id}"), None)
        .await;
    assert_eq!(call.body["state"], "established", "{}", call.body);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_transfer_is_notified_and_the_phone_stays() {
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let busy = h
        .admin(
            Http::PUT,
            "/phones/+14255550124/behaviour",
            serde_json::json!({"answer": "busy"}),
        )
        .await;
    assert!(busy.status.is_success(), "{}", busy.body);
    let (udp, tag, id) = answered_call(&h, &prompts, "refer-2.test").await;
    let target = "Refer-To: <tel:+14255550124>\n";
    udp.send(&in_dialog(
        udp.local(),
        "refer-2.test",
        &tag,
        "REFER",
        2,
        target,
    ))
    .await;
    assert_eq!(udp.response(true).await.status, 202);
    let trying = next_request(&udp).await;
    reply(&udp, &trying, 200).await;
    let failed = next_request(&udp).await;
    assert_eq!(frag(&failed), "SIP/2.0 486 Busy Here");
    reply(&udp, &failed, 200).await;
    assert!(udp.silent_for(Duration::from_millis(500)).await, "no BYE");
    let call = h
        .graph(Http::GET, &format!("/v1.0/communications/calls/{id}"), None)
        .await;
    assert_eq!(call.body["state"], "established");
    // A REFER without a usable Refer-To: 400; one naming nobody: 404.
    udp.send(&in_dialog(
        udp.local(),
        "refer-2.test",
        &tag,
        "REFER",
        3,
        "",
    ))
    .await;
    assert_eq!(udp.response(true).await.status, 400);
    let nobody = "Refer-To: <sip:nobody-here@127.0.0.1>\n";
    udp.send(&in_dialog(
        udp.local(),
        "refer-2.test",
        &tag,
        "REFER",
        4,
        nobody,
    ))
    .await;
    assert_eq!(udp.response(true).await.status, 404);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reliable_180_is_retransmitted_until_the_prack() {
    let h = TestServer::start_sip().await;
    // A webhook that never answers: the call rings (the bot's answer deadline is 15 s).
    h.set_webhook(&h.hook.url("/calling")).await;
    let udp = Udp::to(h.sip().udp.expect("udp")).await;
    udp.send(&invite(udp.local(), "prack-1.test", "Require: 100rel\n"))
        .await;
    let ringing = udp.response(true).await;
    assert_eq!(ringing.status, 180);
    assert_eq!(ringing.headers.get("RSeq").as_deref(), Some("1"));
    assert!(ringing.headers.require().any(|t| t == "100rel"));
    let again = udp.response(true).await;
    assert_eq!(again.status, 180, "retransmitted until the PRACK");
    let tag = ringing
        .headers
        .to()
        .and_then(|t| t.tag())
        .expect("tag")
        .to_string();
    let prack = in_dialog(
        udp.local(),
        "prack-1.test",
        &tag,
        "PRACK",
        2,
        "RAck: 1 1 INVITE\n",
    );
    udp.send(&prack).await;
    let ok = loop {
        let r = udp.response(true).await;
        if r.status != 180 {
            break r;
        }
    };
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.headers.cseq().map(|c| c.method.clone()),
        Some(Method::Prack)
    );
    assert!(
        udp.silent_for(Duration::from_millis(2_500)).await,
        "no 180 after the PRACK"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offerless_reinvite_gets_our_offer_and_the_ack_answers() {
    let h = TestServer::start_sip().await;
    h.set_webhook(&h.hook.url("/calling")).await;
    let prompts = PromptServer::start().await;
    let (udp, tag, id) = answered_call(&h, &prompts, "reoffer-1.test").await;
    udp.send(&in_dialog(
        udp.local(),
        "reoffer-1.test",
        &tag,
        "INVITE",
        2,
        "",
    ))
    .await;
    let ok = udp.response(true).await;
    assert_eq!(ok.status, 200, "{}", ok.reason);
    let offer = String::from_utf8_lossy(&ok.body).to_string();
    assert!(offer.contains("m=audio "), "our offer: {offer}");
    // The answer comes in the ACK: the phone holds the call (sendonly) there.
    let mut ack = in_dialog(udp.local(), "reoffer-1.test", &tag, "ACK", 2, "");
    ack.headers
        .push(Header::ContentType("application/sdp".to_string()));
    ack.body = format!(
        "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\n",
        udp.local().port() + 2
    )
    .into_bytes();
    udp.send(&ack).await;
    let call = h
        .graph(Http::GET, &format!("/v1.0/communications/calls/{id}"), None)
        .await;
    assert_eq!(call.body["state"], "established");
    // The engine heard the hold: the platform shows the phone's leg on hold.
    let mut held = false;
    for _ in 0..50 {
        let live = h.admin(Http::GET, "/calls", None).await;
        held = live.body.to_string().contains("\"state\":\"hold\"");
        if held {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        held,
        "the ACK's sendonly answer put the phone's leg on hold"
    );
    h.shutdown().await;
}
