//! A bot's HTTP endpoint on 127.0.0.1:0 — a Graph webhook, an ACS callback URI or an Event Grid
//! subscription endpoint: it records every request it accepts (method, path, query, headers, raw
//! body, JSON), can be made to answer another status (a bot that is down), and waits on tokio's
//! clock for what it received.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tokio::sync::Notify;

/// A request the endpoint accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: Method,
    pub path: String,
    /// The query string ("" if none).
    pub query: String,
    pub headers: HeaderMap,
    pub raw: Vec<u8>,
    /// The body as JSON (`Value::Null` if it is not).
    pub body: Value,
}

impl Received {
    /// A header's value ("" if absent or not text).
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    refused: Mutex<usize>,
    /// `None`: the default answer (202, or the Event Grid handshake).
    status: Mutex<Option<StatusCode>>,
    event_grid: bool,
    arrived: Notify,
}

/// A bot's HTTP endpoint (cheap to clone; clones share what was received).
#[derive(Clone)]
pub struct Hook {
    inner: Arc<Inner>,
    base: String,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Hook {
    /// A webhook over plain http that answers 202 Accepted.
    pub async fn start() -> Hook {
        Hook::plain(false).await
    }

    /// An Event Grid subscription endpoint: it answers a POST with
    /// `{"validationResponse": <the first event's data.validationCode>}` and the CloudEvents
    /// `OPTIONS` handshake with `WebHook-Allowed-Origin`, as the ACS samples do.
    pub async fn event_grid() -> Hook {
        Hook::plain(true).await
    }

    async fn plain(event_grid: bool) -> Hook {
        let inner = Arc::new(Inner {
            event_grid,
            ..Inner::default()
        });
        let addr = super::serve(router(inner.clone())).await;
        Hook {
            inner,
            base: format!("http://{addr}"),
        }
    }

    /// A webhook over https with a self-signed certificate for another name (bot.invalid).
    pub async fn start_https() -> Hook {
        let inner = Arc::new(Inner::default());
        let addr = serve_tls(router(inner.clone())).await;
        Hook {
            inner,
            base: format!("https://{addr}"),
        }
    }

    /// An Event Grid subscription endpoint ([`Hook::event_grid`]) over https, with a self-signed
    /// certificate for another name (as a service on a developer's machine).
    pub async fn event_grid_https() -> Hook {
        let inner = Arc::new(Inner {
            event_grid: true,
            ..Inner::default()
        });
        let addr = serve_tls(router(inner.clone())).await;
        Hook {
            inner,
            base: format!("https://{addr}"),
        }
    }

    /// The endpoint's URL for `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// From now on answer `status`. A status other than 2xx refuses the request: it is counted in
    /// [`Hook::refused`], not recorded.
    pub fn answer_with(&self, status: StatusCode) {
        *lock(&self.inner.status) = Some(status);
    }

    /// Requests refused so far.
    pub fn refused(&self) -> usize {
        *lock(&self.inner.refused)
    }

    /// What was received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.inner.received).clone()
    }

    /// Waits until what was received satisfies `done`, at most `limit` on tokio's clock; what was
    /// received either way.
    pub async fn wait_until(
        &self,
        limit: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.inner.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            let received = self.received();
            if done(&received) {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.received();
            }
        }
    }

    /// The first request satisfying `matches`, waiting at most `limit` on tokio's clock (panics
    /// with everything received if none arrives).
    pub async fn wait_for(&self, limit: Duration, matches: impl Fn(&Received) -> bool) -> Received {
        let received = self
            .wait_until(limit, |received| received.iter().any(&matches))
            .await;
        match received.iter().find(|r| matches(r)) {
            Some(found) => found.clone(),
            None => {
                let bodies: Vec<&Value> = received.iter().map(|r| &r.body).collect();
                panic!("nothing matched within {limit:?}; received: {bodies:#?}")
            }
        }
    }
}

fn router(inner: Arc<Inner>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(inner)
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let status = *lock(&inner.status);
    if let Some(status) = status.filter(|s| !s.is_success()) {
        *lock(&inner.refused) += 1;
        return status.into_response();
    }
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    let answer = if !inner.event_grid {
        status.unwrap_or(StatusCode::ACCEPTED).into_response()
    } else if method == Method::OPTIONS {
        let origin = headers
            .get("webhook-request-origin")
            .cloned()
            .unwrap_or_else(|| axum::http::HeaderValue::from_static(""));
        (
            status.unwrap_or(StatusCode::OK),
            [("webhook-allowed-origin", origin)],
        )
            .into_response()
    } else {
        let code = body[0]["data"]["validationCode"].clone();
        (
            status.unwrap_or(StatusCode::OK),
            axum::Json(json!({ "validationResponse": code })),
        )
            .into_response()
    };
    lock(&inner.received).push(Received {
        method,
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        headers,
        raw: raw.to_vec(),
        body,
    });
    inner.arrived.notify_waiters();
    answer
}

/// Serves `app` over TLS on 127.0.0.1:0 with a self-signed certificate for bot.invalid.
async fn serve_tls(app: axum::Router) -> SocketAddr {
    use tower::ServiceExt;
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["bot.invalid".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("self-signed");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![rustls::pki_types::CertificateDer::from(cert.der().to_vec())],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let service = hyper::service::service_fn(
                    move |request: hyper::Request<hyper::body::Incoming>| {
                        app.clone().oneshot(request.map(axum::body::Body::new))
                    },
                );
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
            });
        }
    });
    addr
}
