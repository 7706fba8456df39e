//! Integration tests of the ACS door's request guard against a real dev-mode server on 127.0.0.1:0:
//! HMAC-SHA256 signatures as the SDKs build them, clock skew, body hash, api-version and
//! `Repeatability-Request-ID`, all answered in the ACS error envelope.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use ringside_server::{RunningServer, ServeOptions, Server};
use serde_json::Value;

struct Harness {
    _server: RunningServer,
    http: reqwest::Client,
    base: String,
    host: String,
    key: String,
    info: ringside_server::DevInfo,
    _dir: tempfile::TempDir,
}

struct Signed<'a> {
    method: Method,
    path_and_query: &'a str,
    body: &'a [u8],
    date: SystemTime,
    key: Option<&'a str>,
    /// Overrides the body hash header.
    hash: Option<String>,
    repeat_id: Option<&'a str>,
}

impl<'a> Signed<'a> {
    fn new(method: Method, path_and_query: &'a str, body: &'a [u8]) -> Signed<'a> {
        Signed {
            method,
            path_and_query,
            body,
            date: SystemTime::now(),
            key: None,
            hash: None,
            repeat_id: None,
        }
    }
}

async fn start() -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = ServeOptions {
        data_dir: dir.path().join("data"),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        insecure_http: None,
        config: None,
        manual_media_clock: false,
    };
    let server = Server::start(options).await.expect("server starts");
    let pem = std::fs::read(server.ca_cert_path()).expect("CA certificate");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("CA parses"))
        .http1_only()
        .build()
        .expect("client");
    let info = server.dev_info().expect("dev mode").clone();
    let endpoint = info.acs.endpoint.trim_end_matches('/').to_string();
    assert!(
        info.acs
            .connection_string
            .starts_with(&format!("endpoint={endpoint}/;accesskey=")),
        "{}",
        info.acs.connection_string
    );
    let host = endpoint
        .split_once("://")
        .map(|(_, h)| h.to_string())
        .expect("endpoint host");
    Harness {
        _server: server,
        http,
        base: endpoint,
        host,
        key: info.acs.access_key.clone(),
        info,
        _dir: dir,
    }
}

impl Harness {
    async fn send(&self, s: Signed<'_>) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let date = httpdate::fmt_http_date(s.date);
        let hash = content_sha256(s.body);
        let to_sign = acs_string_to_sign(
            s.method.as_str(),
            s.path_and_query,
            &date,
            &self.host,
            &hash,
        );
        let signature = acs_sign(s.key.unwrap_or(&self.key), &to_sign).expect("sign");
        let mut request = self
            .http
            .request(s.method, format!("{}{}", self.base, s.path_and_query))
            .header("x-ms-date", date)
            .header("x-ms-content-sha256", s.hash.unwrap_or(hash))
            .header("authorization", acs_authorization(&signature))
            .header("content-type", "application/json")
            .body(s.body.to_vec());
        if let Some(id) = s.repeat_id {
            request = request.header("Repeatability-Request-ID", id).header(
                "Repeatability-First-Sent",
                httpdate::fmt_http_date(SystemTime::now()),
            );
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("JSON body: {bytes:?}"))
        };
        (status, body, headers)
    }
}

const PATH: &str = "/calling/callConnections:notAnOperation?api-version=2026-03-12";

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no ACS error envelope: {body}"))
}

#[tokio::test]
async fn good_signature_passes_the_guard_and_bad_ones_are_401() {
    let h = start().await;
    // Signed correctly: the guard lets it through to the door, which says it has no such operation.
    let (status, body, headers) = h.send(Signed::new(Method::POST, PATH, b"{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "UnknownOperation");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json; charset=utf-8")
    );

    // Wrong key.
    let wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMTIzNDU=";
    let (status, body, _) = h
        .send(Signed {
            key: Some(wrong),
            ..Signed::new(Method::POST, PATH, b"{}")
        })
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "7509");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("signature"));

    // Stale date (20 minutes old) and a date in the future.
    for offset in [-(20 * 60), 20 * 60] {
        let date = if offset < 0 {
            SystemTime::now() - Duration::from_secs(20 * 60)
        } else {
            SystemTime::now() + Duration::from_secs(20 * 60)
        };
        let (status, body, _) = h
            .send(Signed {
                date,
                ..Signed::new(Method::POST, PATH, b"{}")
            })
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{offset}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("x-ms-date"));
    }
    // Ten minutes off is inside the window.
    let (status, _, _) = h
        .send(Signed {
            date: SystemTime::now() - Duration::from_secs(10 * 60),
            ..Signed::new(Method::POST, PATH, b"{}")
        })
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Body hash that does not match the body (signature made over the wrong hash).
    let (status, body, _) = h
        .send(Signed {
            hash: Some(content_sha256(b"{\"other\":1}")),
            ..Signed::new(Method::POST, PATH, b"{}")
        })
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("x-ms-content-sha256"));

    // No Authorization at all, and a bearer token.
    let response = h
        .http
        .get(format!("{}{PATH}", h.base))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("json");
    assert_eq!(code(&body), "7509");
}

#[tokio::test]
async fn signing_covers_the_exact_path_and_query() {
    let h = start().await;
    // Sign one path, send another: 401.
    let date = httpdate::fmt_http_date(SystemTime::now());
    let hash = content_sha256(b"");
    let to_sign = acs_string_to_sign(
        "GET",
        "/calling/callConnections/a?api-version=2026-03-12",
        &date,
        &h.host,
        &hash,
    );
    let signature = acs_sign(&h.key, &to_sign).expect("sign");
    let response = h
        .http
        .get(format!(
            "{}/calling/callConnections/b?api-version=2026-03-12",
            h.base
        ))
        .header("x-ms-date", &date)
        .header("x-ms-content-sha256", &hash)
        .header("authorization", acs_authorization(&signature))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // A percent-encoded participant path is signed as sent.
    let encoded =
        "/calling/callConnections/a/participants/4%3A%2B14255550123?api-version=2026-03-12";
    let (status, body, _) = h.send(Signed::new(Method::GET, encoded, b"")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test]
async fn api_versions_of_the_sdks_are_accepted_and_others_rejected() {
    let h = start().await;
    for version in [
        "2023-03-06",
        "2023-10-15",
        "2024-04-15",
        "2024-09-15",
        "2025-05-15",
        "2025-06-15",
        "2026-03-12",
    ] {
        let path = format!("/calling/callConnections:x?api-version={version}");
        let (status, body, _) = h.send(Signed::new(Method::POST, &path, b"{}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{version}: {body}");
    }
    let (status, body, _) = h
        .send(Signed::new(
            Method::POST,
            "/calling/callConnections:x?api-version=2022-01-01",
            b"{}",
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "UnsupportedApiVersion");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2022-01-01"));
    let (status, body, _) = h
        .send(Signed::new(
            Method::POST,
            "/calling/callConnections:x",
            b"{}",
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "MissingApiVersionParameter");
}

#[tokio::test]
async fn repeated_request_id_replays_and_a_different_body_conflicts() {
    let h = start().await;
    let id = "057f5f27-6b96-4b7b-9f71-f422981501f4";
    let first = h
        .send(Signed {
            repeat_id: Some(id),
            ..Signed::new(Method::POST, PATH, b"{\"a\":1}")
        })
        .await;
    assert_eq!(first.0, StatusCode::NOT_FOUND);
    assert_eq!(
        first
            .2
            .get("repeatability-result")
            .and_then(|v| v.to_str().ok()),
        Some("accepted")
    );
    // Same id, same body, re-signed with a new date (as the SDK's retry does): the first response.
    let again = h
        .send(Signed {
            repeat_id: Some(id),
            date: SystemTime::now() + Duration::from_secs(2),
            ..Signed::new(Method::POST, PATH, b"{\"a\":1}")
        })
        .await;
    assert_eq!(again.0, first.0);
    assert_eq!(again.1, first.1);
    // Same id, different body: 409.
    let (status, body, headers) = h
        .send(Signed {
            repeat_id: Some(id),
            ..Signed::new(Method::POST, PATH, b"{\"a\":2}")
        })
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&body), "RepeatabilityRequestIdConflict");
    assert_eq!(
        headers
            .get("repeatability-result")
            .and_then(|v| v.to_str().ok()),
        Some("rejected")
    );
    // An unauthenticated replay of the id gets 401, not the cached response.
    let (status, _, _) = h
        .send(Signed {
            repeat_id: Some(id),
            key: Some("d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMTIzNDU="),
            ..Signed::new(Method::POST, PATH, b"{\"a\":1}")
        })
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

impl Harness {
    async fn token(&self, scope: &str) -> String {
        let response = self
            .http
            .post(&self.info.token_endpoint)
            .form(&[
                ("client_id", self.info.app.client_id.as_str()),
                ("client_secret", self.info.app.client_secret.as_str()),
                ("grant_type", "client_credentials"),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("token json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    async fn bearer(&self, token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{PATH}", self.base))
            .bearer_auth(token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.expect("json"))
    }
}

#[tokio::test]
async fn entra_tokens_for_the_acs_scope_are_accepted() {
    let h = start().await;
    // The scope exactly as both SDKs ask for it (double slash included).
    let token = h.token("https://communication.azure.com//.default").await;
    let (status, body) = h.bearer(&token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "UnknownOperation");
    // A Graph token is not an ACS token.
    let graph = h.token("https://graph.microsoft.com/.default").await;
    let (status, body) = h.bearer(&graph).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(code(&body), "7509");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("communication"),
        "{body}"
    );
    // Garbage.
    let (status, _) = h.bearer("not.a.token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
