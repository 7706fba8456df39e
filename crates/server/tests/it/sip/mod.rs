//! The SIP gateway against real sockets and real peers on 127.0.0.1: raw messages
//! ([`signalling`]), SIPp scenarios as caller and carrier ([`sipp`]), baresip as a person's
//! softphone ([`baresip`]). The server runs its media clock on real-time threads (real RTP);
//! tests that need SIPp or baresip skip, saying why, when the binary is missing (scripts/test
//! installs both).

mod baresip;
mod signalling;
mod sipp;

use std::net::SocketAddr;
use std::time::Duration;

use ringside_sip::{parse_message, Message, Request, Response};
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
