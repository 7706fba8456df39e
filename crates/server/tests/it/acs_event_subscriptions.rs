//! Integration tests of ACS Event Grid subscriptions on the platform API against a real dev-mode
//! server: creation runs the webhook validation handshake (both schemas) against local webhooks, a
//! webhook that does not validate is refused and nothing is stored, and list/get/delete.

use axum::routing::post;
use axum::{Json, Router};
use reqwest::{Method, StatusCode};
use ringside_testkit::server::{serve, Hook, Reply, TestServer};
use serde_json::{json, Value};

/// A platform API request whose reply, if it has a body, is JSON.
async fn call(
    h: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let Reply {
        status,
        bytes,
        body,
        ..
    } = h.admin(method, path, body).await;
    assert!(bytes.is_empty() || !body.is_null(), "json: {bytes:?}");
    (status, body)
}

#[tokio::test(start_paused = true)]
async fn subscriptions_validate_their_webhooks_and_round_trip() {
    let h = TestServer::start().await;
    let acs = h.dev.acs.resource_id.clone();
    // A webhook like the samples': it answers the validation event with its code, and records headers.
    let seen = Hook::event_grid().await;
    let good = seen.url("/api/incomingCall");
    let path = format!("/acsResources/{acs}/eventSubscriptions");
    let (status, body) = call(
        &h,
        Method::POST,
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
        let seen = seen.received();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, Method::POST);
        assert_eq!(seen[0].path, "/api/incomingCall");
        assert!(seen[0].header("content-type").contains("json"));
        assert_eq!(seen[0].header("aeg-event-type"), "SubscriptionValidation");
        let event = &seen[0].body[0];
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
    let cloud = Hook::event_grid().await;
    let (status, body) = call(
        &h,
        Method::POST,
        &path,
        Some(json!({
            "name": "cloud",
            "endpoint": cloud.url("/api/incomingCall"),
            "includedEventTypes": ["Microsoft.Communication.IncomingCall",
                                   "Microsoft.Communication.RecordingFileStatusUpdated"],
            "eventDeliverySchema": "CloudEventSchemaV1_0",
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let handshake = cloud.received();
    assert_eq!(handshake.len(), 1, "one OPTIONS handshake");
    assert_eq!(handshake[0].method, Method::OPTIONS);
    assert!(!handshake[0].header("webhook-request-origin").is_empty());

    // A webhook that answers 200 with the wrong code: refused, nothing stored.
    let wrong = serve(Router::new().route(
        "/api/incomingCall",
        post(|| async { Json(json!({ "validationResponse": "not-the-code" })) }),
    ))
    .await;
    let (status, body) = call(
        &h,
        Method::POST,
        &path,
        Some(json!({
            "name": "bad-hook",
            "endpoint": format!("http://{wrong}/api/incomingCall"),
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
        let (status, body) = call(&h, Method::POST, &path, Some(payload)).await;
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
    let before = seen.received().len();
    let (status, _) = call(
        &h,
        Method::POST,
        &path,
        Some(json!({"name": "INCOMING-calls", "endpoint": good,
                        "includedEventTypes": ["Microsoft.Communication.IncomingCall"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        seen.received().len(),
        before,
        "no handshake for a refused plan"
    );

    let (status, body) = call(&h, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["cloud", "incoming-calls"]);
    let (status, body) = call(&h, Method::GET, &format!("{path}/Incoming-Calls"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["includedEventTypes"][0],
        "Microsoft.Communication.IncomingCall"
    );
    let (status, _) = call(&h, Method::DELETE, &format!("{path}/incoming-calls"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&h, Method::GET, &format!("{path}/incoming-calls"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &h,
        Method::GET,
        "/acsResources/00000000-0000-0000-0000-000000000001/eventSubscriptions",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// On the wall clock: the handshake's TLS round trips are real IO, and on the paused clock its request
// timeout would fire while they are under way.
#[tokio::test]
async fn an_https_webhook_on_loopback_is_validated_like_deliveries_reach_it() {
    let h = TestServer::start().await;
    let acs = h.dev.acs.resource_id.clone();
    // A service on the developer's machine behind TLS with a certificate of its own: deliveries
    // accept it on loopback, so the validation handshake does too.
    let hook = Hook::event_grid_https().await;
    let (status, body) = call(
        &h,
        Method::POST,
        &format!("/acsResources/{acs}/eventSubscriptions"),
        Some(json!({
            "name": "tls-loopback",
            "endpoint": hook.url("/api/incomingCall"),
            "includedEventTypes": ["Microsoft.Communication.IncomingCall"],
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(hook.received().len(), 1, "the validation event");
    h.server.shutdown().await;
}
