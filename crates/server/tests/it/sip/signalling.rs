//! Raw SIP over UDP and TCP: OPTIONS answered with what the gateway allows, bad input answered
//! with the right status (400, 420 + Unsupported, 481, 405) and never a crash, REGISTER challenged.

use std::time::Duration;

use ringside_sip::{Header, Method};
use ringside_testkit::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{request, Udp};

const OPTIONS: &str = "OPTIONS sip:ringside@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP {local};branch=z9hG4bKopt1;rport
From: <sip:probe@127.0.0.1>;tag=p1
To: <sip:ringside@127.0.0.1>
Call-ID: options-1@test
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

";

#[tokio::test(flavor = "multi_thread")]
async fn options_are_answered_with_the_allowed_methods_over_udp_and_tcp() {
    let h = TestServer::start_sip().await;
    let udp = Udp::to(h.sip().udp.expect("udp")).await;
    udp.send(&request(OPTIONS, udp.local())).await;
    let ok = udp.response(true).await;
    assert_eq!(ok.status, 200);
    let allowed: Vec<Method> = ok.headers.allow().cloned().collect();
    for method in [
        Method::Invite,
        Method::Bye,
        Method::Cancel,
        Method::Register,
    ] {
        assert!(
            allowed.contains(&method),
            "{method} missing from {allowed:?}"
        );
    }
    assert_eq!(h.sip().tcp.map(|a| a.port()), h.sip().udp.map(|a| a.port()));

    let mut tcp = tokio::net::TcpStream::connect(h.sip().tcp.expect("tcp"))
        .await
        .expect("connect");
    let local = tcp.local_addr().expect("local");
    let text = OPTIONS.replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    tcp.write_all(&request(&text, local).to_bytes())
        .await
        .expect("write");
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("an answer within 5 s")
        .expect("read");
    assert!(
        buf[..n].starts_with(b"SIP/2.0 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_the_right_status_and_the_gateway_goes_on() {
    let h = TestServer::start_sip().await;
    let udp = Udp::to(h.sip().udp.expect("udp")).await;
    // Garbage: nothing to answer, nothing breaks.
    udp.send_raw(b"\x00\x01 not SIP at all \xff").await;
    assert!(udp.silent_for(Duration::from_millis(300)).await);
    // A request whose CSeq method disagrees: 400.
    let bad_cseq = OPTIONS.replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    udp.send_raw(
        bad_cseq
            .replace("{local}", &udp.local().to_string())
            .replace('\n', "\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(udp.response(true).await.status, 400);
    // An extension we do not support in Require: 420 naming it.
    let require = OPTIONS
        .replace("options-1@test", "options-2@test")
        .replace("z9hG4bKopt1", "z9hG4bKopt2")
        .replace("Max-Forwards: 70", "Max-Forwards: 70\nRequire: foo");
    udp.send(&request(&require, udp.local())).await;
    let answer = udp.response(true).await;
    assert_eq!(answer.status, 420);
    assert_eq!(
        answer.headers.unsupported().cloned().collect::<Vec<_>>(),
        vec!["foo".to_string()]
    );
    // A BYE for no dialog: 481.
    let bye = OPTIONS
        .replace("OPTIONS sip", "BYE sip")
        .replace("CSeq: 1 OPTIONS", "CSeq: 2 BYE")
        .replace(
            "To: <sip:ringside@127.0.0.1>",
            "To: <sip:ringside@127.0.0.1>;tag=nope",
        )
        .replace("z9hG4bKopt1", "z9hG4bKbye1");
    udp.send(&request(&bye, udp.local())).await;
    assert_eq!(udp.response(true).await.status, 481);
    // A method nobody handles: 405 with Allow.
    let publish = OPTIONS
        .replace("OPTIONS sip", "PUBLISH sip")
        .replace("CSeq: 1 OPTIONS", "CSeq: 1 PUBLISH")
        .replace("z9hG4bKopt1", "z9hG4bKpub1");
    udp.send(&request(&publish, udp.local())).await;
    let answer = udp.response(true).await;
    assert_eq!(answer.status, 405);
    assert!(answer.headers.allow().count() > 3);
    // Still answering.
    let again = OPTIONS.replace("z9hG4bKopt1", "z9hG4bKopt3");
    udp.send(&request(&again, udp.local())).await;
    assert_eq!(udp.response(true).await.status, 200);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn register_without_credentials_is_challenged_and_an_unknown_caller_too() {
    let h = TestServer::start_sip().await;
    let udp = Udp::to(h.sip().udp.expect("udp")).await;
    let register = "REGISTER sip:127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP {local};branch=z9hG4bKreg1;rport
From: <sip:adele@127.0.0.1>;tag=r1
To: <sip:adele@127.0.0.1>
Call-ID: reg-1@test
CSeq: 1 REGISTER
Contact: <sip:adele@{local}>
Max-Forwards: 70
Content-Length: 0

";
    udp.send(&request(register, udp.local())).await;
    let challenge = udp.response(true).await;
    assert_eq!(challenge.status, 401);
    let offered: Vec<String> = challenge
        .headers
        .www_authenticate()
        .filter_map(|c| c.get("algorithm").map(str::to_string))
        .collect();
    // MD5 alone by default: baresip/libre refuses challenges that include SHA-256.
    assert_eq!(offered, ["MD5"]);
    assert!(challenge
        .headers
        .0
        .iter()
        .any(|h| matches!(h, Header::WwwAuthenticate(c) if c.get("realm").is_some())));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trunk_at_its_session_limit_gets_503_and_a_disabled_one_403() {
    let h = TestServer::start_sip().await;
    let tenant = h.dev.tenant_id.clone();
    let limit = h
        .admin(
            reqwest::Method::PATCH,
            &format!("/tenants/{tenant}/pstnGateways/127.0.0.1"),
            serde_json::json!({"maxConcurrentSessions": 1}),
        )
        .await;
    assert_eq!(limit.status, reqwest::StatusCode::OK, "{}", limit.body);
    let invite = |n: u32, local: std::net::SocketAddr| {
        let text = format!(
            "INVITE sip:+14255550100@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP {{local}};branch=z9hG4bKinv{n};rport
From: <sip:+1206555012{n}@127.0.0.1;user=phone>;tag=t{n}
To: <sip:+14255550100@127.0.0.1;user=phone>
Call-ID: limit-{n}@test
CSeq: 1 INVITE
Contact: <sip:+1206555012{n}@{{local}}>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: 0

"
        );
        request(&text, local)
    };
    // The first call rings the bot (the built-in responder answers it).
    let first = Udp::to(h.sip().udp.expect("udp")).await;
    first.send(&invite(1, first.local())).await;
    let answer = first.response(true).await;
    assert!(
        answer.status == 180 || answer.status == 200,
        "{}",
        answer.status
    );
    // The second finds the trunk full.
    let second = Udp::to(h.sip().udp.expect("udp")).await;
    second.send(&invite(2, second.local())).await;
    assert_eq!(second.response(true).await.status, 503);
    // Disabled: 403.
    let disabled = h
        .admin(
            reqwest::Method::PATCH,
            &format!("/tenants/{tenant}/pstnGateways/127.0.0.1"),
            serde_json::json!({"enabled": false}),
        )
        .await;
    assert_eq!(
        disabled.status,
        reqwest::StatusCode::OK,
        "{}",
        disabled.body
    );
    let third = Udp::to(h.sip().udp.expect("udp")).await;
    third.send(&invite(3, third.local())).await;
    assert_eq!(third.response(true).await.status, 403);
    h.shutdown().await;
}
