//! Waiting on tokio's clock for something polled (a call's state, a recording being written), and
//! serving a router on loopback.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// How often [`poll_until`] probes.
const POLL: Duration = Duration::from_millis(50);

/// Probes every 50 ms of tokio's clock until `done` holds for what `probe` returned, at most
/// `limit`; the last probe's result either way.
pub async fn poll_until<T, F, Fut>(limit: Duration, mut probe: F, done: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let value = probe().await;
        if done(&value) || tokio::time::Instant::now() >= deadline {
            return value;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Serves `app` over plain http on 127.0.0.1:0; its address.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}
