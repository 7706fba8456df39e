//! Shared helpers of the softphone socket tests: sign in, open the socket over TLS with given
//! headers, read its JSON frames and wait for a state.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::redirect;
use ringside_testkit::server::{send, TestServer};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

pub(crate) const CALLER: &str = "+14255550199";
pub(crate) const RESOURCE_ACCOUNT_NUMBER: &str = "+14255550100";
pub(crate) const LIMIT: Duration = Duration::from_secs(60);

pub(crate) type Socket = WebSocketStream<TlsStream<TcpStream>>;

pub(crate) async fn sign_in(h: &TestServer) -> String {
    let client = h
        .client_builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    let reply = send(client.get(&h.dev.console)).await;
    let set = reply.header("set-cookie");
    set.split(';').next().unwrap_or_default().to_string()
}

/// Opens the phone socket with these headers (TLS against the server's CA).
pub(crate) async fn open(h: &TestServer, headers: &[(&str, &str)]) -> Result<Socket, WsError> {
    let pem = std::fs::read(h.server.ca_cert_path()).expect("CA");
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::pem::PemObject;
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&pem).flatten() {
        roots.add(cert).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let addr = h.server.local_addr();
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("tls");
    let url = format!("wss://{addr}/console/phone");
    let mut request = url.into_client_request().expect("request");
    for (name, value) in headers {
        request.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("name"),
            value.parse().expect("value"),
        );
    }
    tokio_tungstenite::client_async(request, tls)
        .await
        .map(|(socket, _)| socket)
}

pub(crate) async fn phone(h: &TestServer) -> Socket {
    let cookie = sign_in(h).await;
    let mut socket = open(h, &[("cookie", &cookie), ("origin", &h.base)])
        .await
        .expect("the socket opens");
    assert_eq!(next_json(&mut socket).await["state"], "idle");
    socket
}

pub(crate) fn status_of(result: Result<Socket, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(error) => panic!("expected an HTTP refusal: {error}"),
        Ok(_) => panic!("the socket opened"),
    }
}

/// The next text frame (binary frames skipped).
pub(crate) async fn next_json(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(LIMIT, socket.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

/// The next `state` frame that is `state`.
pub(crate) async fn until_state(socket: &mut Socket, state: &str) -> Value {
    loop {
        let frame = next_json(socket).await;
        assert_ne!(frame["type"], "error", "{frame}");
        if frame["type"] == "state" && frame["state"] == state {
            return frame;
        }
    }
}

pub(crate) async fn say(socket: &mut Socket, frame: Value) {
    socket
        .send(Message::Text(frame.to_string().into()))
        .await
        .expect("send");
}
