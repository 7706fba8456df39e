//! Integration tests of ACS Event Grid subscriptions on the platform API against a real dev-mode
//! server: creation runs the webhook validation handshake (both schemas) against local webhooks, a
//! webhook that does not validate is refused and nothing is stored, and list/get/delete.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::routing::{options, post};
use axum::{Json, Router};
use reqwest::StatusCode;
use ringside_server::{RunningServer, ServeOptions, Server};
use serde_json::{json, Value};

struct Harness {
    _server: RunningServer,
    http: reqwest::Client,
    base: String,
    token: String,
    acs: String,
    _dir: tempfile::TempDir,
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
        .build()
        .expect("client");
    let info = server.dev_info().expect("dev mode").clone();
    Harness {
        base: format!("{}/ringside/v1", server.base_url()),
        _server: server,
        http,
        token: info.admin_token.clone(),
        acs: info.acs.resource_id.clone(),
        _dir: dir,
    }
}

async fn webhook(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/api/incomingCall",
        listener.local_addr().expect("addr")
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

impl Harness {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("json")
        };
        (status, body)
    }
}

#[tokio::test]
async fn subscriptions_validate_their_webhooks_and_round_trip() {
    let h = start().await;
    // A webhook like the samples': it answers the validation event with its code, and records headers.
    let seen: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let record = seen.clone();
    let good = webhook(Router::new().route(
        "/api/incomingCall",
        post(move |headers: HeaderMap, Json(events): Json<Value>| {
            let record = record.clone();
            async move {
                let kind = headers
                    .get("aeg-event-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                record.lock().unwrap().push((kind, events.clone()));
                let code = events[0]["data"]["validationCode"].clone();
                (AxStatus::OK, Json(json!({ "validationResponse": code })))
            }
        }),
    ))
    .await;
    let path = format!("/acsResources/{}/eventSubscriptions", h.acs);
    let (status, body) = h
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({
                "name": "incoming-calls",
                "endpoint": good,
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
                "advancedFilters": [{"operatorType": "StringIn", "key": "data.to.rawId",
                                     "values": ["28:orgid:cc123456-5678-5678-1234-ccc123456789"]}],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["eventDeliverySchema"], "EventGridSchema");
    assert_eq!(
        body["advancedFilters"][0]["values"][0],
        "28:orgid:cc123456-5678-5678-1234-ccc123456789"
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].0, "SubscriptionValidation");
        let event = &seen[0].1[0];
        assert_eq!(
            event["eventType"],
            "Microsoft.EventGrid.SubscriptionValidationEvent"
        );
        assert!(event["data"]["validationCode"]
            .as_str()
            .is_some_and(|c| !c.is_empty()));
        assert_eq!(event["metadataVersion"], "1");
    }

    // CloudEvents: the OPTIONS handshake.
    let cloud = webhook(Router::new().route(
        "/api/incomingCall",
        options(|headers: HeaderMap| async move {
            let origin = headers
                .get("webhook-request-origin")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            ([("WebHook-Allowed-Origin", origin)], AxStatus::OK)
        }),
    ))
    .await;
    let (status, body) = h
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({
                "name": "cloud",
                "endpoint": cloud,
                "includedEventTypes": ["Microsoft.Communication.IncomingCall",
                                       "Microsoft.Communication.RecordingFileStatusUpdated"],
                "eventDeliverySchema": "CloudEventSchemaV1_0",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // A webhook that answers 200 with the wrong code: refused, nothing stored.
    let wrong = webhook(Router::new().route(
        "/api/incomingCall",
        post(|| async { Json(json!({ "validationResponse": "not-the-code" })) }),
    ))
    .await;
    let (status, body) = h
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({
                "name": "bad-hook",
                "endpoint": wrong,
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("validation handshake failed"), "{body}");
    // Unreachable webhook, foreign event type, unknown filter: 400 too.
    for (payload, text) in [
        (
            json!({"name": "dead", "endpoint": "http://127.0.0.1:9/x",
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"]}),
            "could not be reached",
        ),
        (
            json!({"name": "blob", "endpoint": good,
                "includedEventTypes": ["Microsoft.Storage.BlobCreated"]}),
            "not an ACS event type",
        ),
        (
            json!({"name": "flt", "endpoint": good,
                "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
                "advancedFilters": [{"operatorType": "NumberIn", "key": "data.x", "values": []}]}),
            "only StringIn",
        ),
    ] {
        let (status, body) = h.call(reqwest::Method::POST, &path, Some(payload)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(text),
            "{body}"
        );
    }
    // Same name again: 409 before any handshake.
    let before = seen.lock().unwrap().len();
    let (status, _) = h
        .call(
            reqwest::Method::POST,
            &path,
            Some(json!({"name": "INCOMING-calls", "endpoint": good,
                        "includedEventTypes": ["Microsoft.Communication.IncomingCall"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        seen.lock().unwrap().len(),
        before,
        "no handshake for a refused plan"
    );

    let (status, body) = h.call(reqwest::Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["cloud", "incoming-calls"]);
    let (status, body) = h
        .call(
            reqwest::Method::GET,
            &format!("{path}/Incoming-Calls"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["includedEventTypes"][0],
        "Microsoft.Communication.IncomingCall"
    );
    let (status, _) = h
        .call(
            reqwest::Method::DELETE,
            &format!("{path}/incoming-calls"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = h
        .call(
            reqwest::Method::GET,
            &format!("{path}/incoming-calls"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = h
        .call(
            reqwest::Method::GET,
            "/acsResources/00000000-0000-0000-0000-000000000001/eventSubscriptions",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
