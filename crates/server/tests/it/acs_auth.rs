//! Integration tests of the ACS door's request guard against a real dev-mode server on 127.0.0.1:0:
//! HMAC-SHA256 signatures as the SDKs build them, clock skew, body hash, api-version and
//! `Repeatability-Request-ID`, all answered in the ACS error envelope.

use std::time::{Duration, SystemTime};

use reqwest::{Method, StatusCode};
use ringside_identity::{acs_authorization, acs_sign, acs_string_to_sign, content_sha256};
use ringside_testkit::server::{Acs, Reply, Signed, TestServer};
use serde_json::Value;

/// The server and an ACS client over HTTP/1.1 (as the SDKs' pipelines speak it).
async fn start() -> (TestServer, Acs) {
    let h = TestServer::start().await;
    let acs = Acs {
        http: h.client_builder().http1_only().build().expect("client"),
        ..h.acs()
    };
    assert!(
        h.dev
            .acs
            .connection_string
            .starts_with(&format!("endpoint={}/;accesskey=", acs.endpoint)),
        "{}",
        h.dev.acs.connection_string
    );
    (h, acs)
}

/// Sends `request`; a reply's body, if any, is JSON.
async fn send(acs: &Acs, request: Signed) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let Reply {
        status,
        headers,
        bytes,
        body,
    } = acs.send(request).await;
    assert!(bytes.is_empty() || !body.is_null(), "JSON body: {bytes:?}");
    (status, body, headers)
}

const PATH: &str = "/calling/callConnections:notAnOperation?api-version=2026-03-12";

fn code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no ACS error envelope: {body}"))
}

#[tokio::test(start_paused = true)]
async fn good_signature_passes_the_guard_and_bad_ones_are_401() {
    let (_h, acs) = start().await;
    // Signed correctly: the guard lets it through to the door, which says it has no such operation.
    let (status, body, headers) = send(&acs, Signed::new(Method::POST, PATH, b"{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "UnknownOperation");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json; charset=utf-8")
    );

    // Wrong key.
    let wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMTIzNDU=";
    let (status, body, _) = send(
        &acs,
        Signed {
            key: Some(wrong.into()),
            ..Signed::new(Method::POST, PATH, b"{}")
        },
    )
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
        let (status, body, _) = send(
            &acs,
            Signed {
                date,
                ..Signed::new(Method::POST, PATH, b"{}")
            },
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{offset}");
        assert!(body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("x-ms-date"));
    }
    // Ten minutes off is inside the window.
    let (status, _, _) = send(
        &acs,
        Signed {
            date: SystemTime::now() - Duration::from_secs(10 * 60),
            ..Signed::new(Method::POST, PATH, b"{}")
        },
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Body hash that does not match the body (signature made over the wrong hash).
    let (status, body, _) = send(
        &acs,
        Signed {
            hash: Some(content_sha256(b"{\"other\":1}")),
            ..Signed::new(Method::POST, PATH, b"{}")
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("x-ms-content-sha256"));

    // No Authorization at all, and a bearer token.
    let response = acs
        .http
        .get(format!("{}{PATH}", acs.endpoint))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("json");
    assert_eq!(code(&body), "7509");
}

#[tokio::test(start_paused = true)]
async fn signing_covers_the_exact_path_and_query() {
    let (_h, acs) = start().await;
    // Sign one path, send another: 401.
    let date = httpdate::fmt_http_date(SystemTime::now());
    let hash = content_sha256(b"");
    let to_sign = acs_string_to_sign(
        "GET",
        "/calling/callConnections/a?api-version=2026-03-12",
        &date,
        &acs.host,
        &hash,
    );
    let signature = acs_sign(&acs.key, &to_sign).expect("sign");
    let response = acs
        .http
        .get(format!(
            "{}/calling/callConnections/b?api-version=2026-03-12",
            acs.endpoint
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
    let (status, body, _) = send(&acs, Signed::new(Method::GET, encoded, b"")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

#[tokio::test(start_paused = true)]
async fn published_api_versions_are_accepted_and_others_rejected() {
    let (_h, acs) = start().await;
    for version in [
        "2023-03-06",
        "2023-10-15",
        "2024-04-15",
        "2024-09-15",
        "2025-05-15",
        "2025-06-15",
        "2026-03-12",
        "2022-04-07-preview",
        "2023-01-15-preview",
        "2023-06-15-preview",
        "2023-10-03-preview",
        "2024-01-22-preview",
        "2024-06-15-preview",
        "2024-09-01-preview",
        "2024-11-15-preview",
        "2025-03-30-preview",
        "2025-08-15-preview",
    ] {
        let path = format!("/calling/callConnections:x?api-version={version}");
        let (status, body, _) = send(&acs, Signed::new(Method::POST, &path, b"{}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{version}: {body}");
    }
    let (status, body, _) = send(
        &acs,
        Signed::new(
            Method::POST,
            "/calling/callConnections:x?api-version=2022-01-01",
            b"{}",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "UnsupportedApiVersion");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("2022-01-01"));
    let (status, body, _) = send(
        &acs,
        Signed::new(Method::POST, "/calling/callConnections:x", b"{}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "MissingApiVersionParameter");
}

#[tokio::test(start_paused = true)]
async fn repeated_request_id_replays_and_a_different_body_conflicts() {
    let (_h, acs) = start().await;
    let id = "057f5f27-6b96-4b7b-9f71-f422981501f4";
    let first = send(
        &acs,
        Signed {
            repeat_id: Some(id.into()),
            ..Signed::new(Method::POST, PATH, b"{\"a\":1}")
        },
    )
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
    let again = send(
        &acs,
        Signed {
            repeat_id: Some(id.into()),
            date: SystemTime::now() + Duration::from_secs(2),
            ..Signed::new(Method::POST, PATH, b"{\"a\":1}")
        },
    )
    .await;
    assert_eq!(again.0, first.0);
    assert_eq!(again.1, first.1);
    // Same id, different body: 409.
    let (status, body, headers) = send(
        &acs,
        Signed {
            repeat_id: Some(id.into()),
            ..Signed::new(Method::POST, PATH, b"{\"a\":2}")
        },
    )
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
    let (status, _, _) = send(
        &acs,
        Signed {
            repeat_id: Some(id.into()),
            key: Some("d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMTIzNDU=".into()),
            ..Signed::new(Method::POST, PATH, b"{\"a\":1}")
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A client-credentials token of the dev app for `scope`.
async fn token(h: &TestServer, scope: &str) -> String {
    let reply = h
        .token_request(
            &h.dev.tenant_id,
            &h.dev.app.client_id,
            &h.dev.app.client_secret,
            scope,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// The unknown operation with a bearer token.
async fn bearer(acs: &Acs, token: &str) -> (StatusCode, Value) {
    let response = acs
        .http
        .post(format!("{}{PATH}", acs.endpoint))
        .bearer_auth(token)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

#[tokio::test(start_paused = true)]
async fn entra_tokens_for_the_acs_scope_are_accepted() {
    let (h, acs) = start().await;
    // The scope exactly as both SDKs ask for it (double slash included).
    let acs_token = token(&h, "https://communication.azure.com//.default").await;
    let (status, body) = bearer(&acs, &acs_token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(code(&body), "UnknownOperation");
    // A Graph token is not an ACS token.
    let graph = token(&h, "https://graph.microsoft.com/.default").await;
    let (status, body) = bearer(&acs, &graph).await;
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
    let (status, _) = bearer(&acs, "not.a.token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(start_paused = true)]
async fn other_acs_services_answer_in_the_acs_envelope() {
    let (h, _acs) = start().await;
    // The identity and rooms SDKs call these on the connection string's endpoint.
    for (method, path) in [
        (reqwest::Method::POST, "/identities?api-version=2023-10-01"),
        (reqwest::Method::POST, "/rooms?api-version=2023-06-14"),
        (reqwest::Method::GET, "/chat/threads"),
    ] {
        let response = h
            .http
            .request(method, format!("{}{path}", h.base))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(code(&body), "UnknownService", "{path}: {body}");
        assert!(
            body["error"].get("innerError").is_none(),
            "ACS, not Graph: {body}"
        );
    }
    h.server.shutdown().await;
}
