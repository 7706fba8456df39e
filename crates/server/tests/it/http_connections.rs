//! HTTP/1.1 connections stay usable after an early error: a keep-alive client whose body arrives
//! after its headers gets its 401 once the body is read, and its next request on the same
//! connection is answered; a body over the limit is left unread and answered with `Connection: close`.

use std::net::SocketAddr;
use std::time::Duration;

use ringside_server::{ServeOptions, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A dev-mode server with a plain listener; returns it and the plain listener's address.
async fn plain_server(dir: &tempfile::TempDir) -> (ringside_server::RunningServer, SocketAddr) {
    let server = Server::start(ServeOptions {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        config: None,
        manual_media_clock: true,
        sip: None,
    })
    .await
    .expect("server starts");
    let plain = server.insecure_addr().expect("plain listener");
    (server, plain)
}

/// Reads one response (head and a `Content-Length` body); `None` when the connection closed first.
async fn response(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf)
        .expect("ascii head")
        .to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.ok()?;
    Some((head, body))
}

#[tokio::test(start_paused = true)]
async fn an_early_401_waits_for_the_body_and_the_connection_serves_the_next_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, plain) = plain_server(&dir).await;
    let mut stream = TcpStream::connect(plain).await.expect("connect");
    let body = br#"{"callbackUri":"https://bot.example/cb"}"#;
    let head = format!(
        "POST /v1.0/communications/calls HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer not-a-token\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    // The body is late: nothing is answered while it is on its way.
    let early = tokio::time::timeout(Duration::from_secs(2), response(&mut stream)).await;
    assert!(
        early.is_err(),
        "answered before the body arrived: {early:?}"
    );
    stream.write_all(body).await.expect("body");
    let (head, reply) = response(&mut stream).await.expect("a response");
    assert!(head.starts_with("http/1.1 401"), "{head}");
    assert!(!head.contains("connection: close"), "{head}");
    assert!(String::from_utf8_lossy(&reply).contains("InvalidAuthenticationToken"));
    // The same connection serves the next request.
    stream
        .write_all(b"GET /v1.0/communications/calls/x HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
        .await
        .expect("second request");
    let (head, _) = response(&mut stream)
        .await
        .expect("the connection was closed after the 401");
    assert!(head.starts_with("http/1.1 401"), "{head}");
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_body_over_the_limit_is_answered_with_connection_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, plain) = plain_server(&dir).await;
    let mut stream = TcpStream::connect(plain).await.expect("connect");
    let head = format!(
        "POST /v1.0/communications/calls HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer not-a-token\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        ringside_http::DEFAULT_MAX_BODY_BYTES + 1
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let (head, _) = response(&mut stream).await.expect("a response");
    assert!(
        head.starts_with("http/1.1 413") || head.starts_with("http/1.1 401"),
        "{head}"
    );
    assert!(head.contains("connection: close"), "{head}");
    server.shutdown().await;
}
