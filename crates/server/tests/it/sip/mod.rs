//! The SIP gateway against real sockets and real peers on 127.0.0.1: raw messages
//! ([`signalling`]), SIPp scenarios as caller and carrier ([`sipp`]), baresip as a person's
//! softphone ([`baresip`]). The server runs its media clock on real-time threads (real RTP);
//! tests that need SIPp or baresip skip, saying why, when the binary is missing (scripts/test
//! installs both).

mod baresip;
mod signalling;
mod sipp;
mod transfer;

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_sip::{parse_message, Message, Request, Response};
use ringside_testkit::server::{PromptServer, Received, TestServer};
use serde_json::{json, Value};
use std::process::Stdio;
use tokio::net::UdpSocket;

/// A bare UDP SIP client: sends requests it is given and reads what comes back.
pub(crate) struct Udp {
    pub(crate) socket: UdpSocket,
    pub(crate) server: SocketAddr,
}

impl Udp {
    pub(crate) async fn to(server: SocketAddr) -> Udp {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        Udp { socket, server }
    }

    pub(crate) fn local(&self) -> SocketAddr {
        self.socket.local_addr().expect("local address")
    }

    pub(crate) async fn send_raw(&self, bytes: &[u8]) {
        self.socket.send_to(bytes, self.server).await.expect("send");
    }

    pub(crate) async fn send(&self, request: &Request) {
        self.send_raw(&request.to_bytes()).await;
    }

    /// The next response (skipping 100 Trying when `skip_trying`), within 5 s of real time.
    pub(crate) async fn response(&self, skip_trying: bool) -> Response {
        loop {
            match self.message().await {
                Message::Response(r) if skip_trying && r.status == 100 => continue,
                Message::Response(r) => return r,
                Message::Request(r) => panic!("expected a response, got {} {}", r.method, r.uri),
            }
        }
    }

    /// The next message within 5 s.
    pub(crate) async fn message(&self) -> Message {
        let mut buf = vec![0u8; 65_535];
        let (n, _) = tokio::time::timeout(Duration::from_secs(5), self.socket.recv_from(&mut buf))
            .await
            .expect("a message within 5 s")
            .expect("recv");
        parse_message(&buf[..n]).expect("the gateway sends valid SIP")
    }

    /// Whether anything arrives within `wait`.
    pub(crate) async fn silent_for(&self, wait: Duration) -> bool {
        let mut buf = vec![0u8; 65_535];
        tokio::time::timeout(wait, self.socket.recv_from(&mut buf))
            .await
            .is_err()
    }
}

/// A request's text with the client's address filled in (`{local}`) and a fresh branch/tag.
pub(crate) fn request(text: &str, local: SocketAddr) -> Request {
    let text = text
        .replace("{local}", &local.to_string())
        .replace('\n', "\r\n");
    match parse_message(text.as_bytes()) {
        Ok(Message::Request(r)) => r,
        other => panic!("test request does not parse: {other:?}"),
    }
}

/// The Graph bot's number (dev mode).
pub(crate) const BOT_NUMBER: &str = "+14255550100";

/// Whether a peer is installed (scripts/test installs SIPp and baresip; a bare `cargo test` may
/// not have them).
pub(crate) fn have(binary: &str) -> bool {
    let found = std::process::Command::new("which")
        .arg(binary)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("skipped: `{binary}` is not installed (scripts/system-packages.sh installs it)");
    }
    found
}

/// A free UDP port on 127.0.0.1 (released again for the peer to take).
pub(crate) fn free_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.local_addr().expect("addr").port()
}

/// Every notification the bot received, in order.
pub(crate) fn notifications(received: &[Received]) -> Vec<Value> {
    received
        .iter()
        .flat_map(|r| r.body["value"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Waits (at most `limit`) for the bot's notification matching `f`.
pub(crate) async fn wait_for(h: &TestServer, limit: Duration, f: impl Fn(&Value) -> bool) -> Value {
    let received = h
        .hook
        .wait_until(limit, |r| notifications(r).iter().any(&f))
        .await;
    notifications(&received)
        .into_iter()
        .find(|n| f(n))
        .unwrap_or_else(|| {
            panic!(
                "no matching notification in {limit:?}; got {:#?}",
                notifications(&received)
            )
        })
}

/// The bot answers an offered call with the 1 kHz prompt prefetched; its call id.
pub(crate) async fn answer_incoming(h: &TestServer, prompts: &PromptServer) -> String {
    let created = wait_for(h, Duration::from_secs(10), |n| {
        n["changeType"] == "created" && n["resourceData"]["state"] == "incoming"
    })
    .await;
    let id = created["resourceData"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let answer = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/answer"),
            json!({
                "callbackUri": h.hook.url(&format!("/call/{id}")),
                "mediaConfig": {
                    "@odata.type": "#microsoft.graph.serviceHostedMediaConfig",
                    "preFetchMedia": [{"uri": prompts.url("/beep.wav"), "resourceId": "beep"}]
                },
                "acceptedModalities": ["audio"],
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let call_url = format!("/communications/calls/{id}");
    wait_for(h, Duration::from_secs(10), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "established"
    })
    .await;
    id
}
