//! Graph fidelity (issue 13): what Ringside cannot honour is refused with Graph's error instead of
//! accepted and dropped (callOptions, screen sharing), and only a bot acting as an application
//! instance with a number reaches the PSTN.

use std::time::Duration;

use axum::http::StatusCode;
use ringside_testkit::server::{MediaSink, Reply, TestServer};
use serde_json::{json, Value};

use crate::graph_calls::{bot_voice, incoming, service_hosted};

#[tokio::test(start_paused = true)]
async fn call_options_ringside_cannot_honour_are_refused_not_dropped() {
    let h = TestServer::start().await;
    let user = h.dev.users[0].id.clone();
    let create = |options: Value| {
        let h = &h;
        let user = user.clone();
        async move {
            h.graph(
                reqwest::Method::POST,
                "/v1.0/communications/calls",
                Some(json!({
                    "callbackUri": h.hook.url("/options"),
                    "targets": [{"identity": {"user": {"id": user}}}],
                    "requestedModalities": ["audio"],
                    "mediaConfig": service_hosted(),
                    "callOptions": options,
                })),
            )
            .await
        }
    };
    for name in [
        "hideBotAfterEscalation",
        "isDeltaRosterEnabled",
        "isInteractiveRosterEnabled",
    ] {
        let mut options = json!({"@odata.type": "#microsoft.graph.outgoingCallOptions"});
        options[name] = json!(true);
        let Reply { status, body, .. } = create(options).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {body}");
        assert_eq!(body["error"]["code"], "NotSupported", "{body}");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(name),
            "{body}"
        );
    }
    // Invitees cannot be hidden or taken out of the main mix: refused, not dropped.
    for field in ["hidden", "removeFromDefaultAudioRoutingGroup"] {
        let Reply { status, body, .. } = h
            .graph(
                reqwest::Method::POST,
                "/v1.0/communications/calls",
                Some(json!({
                    "callbackUri": h.hook.url("/options"),
                    "targets": [{"identity": {"user": {"id": user}}, field: true}],
                    "mediaConfig": service_hosted(),
                })),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(field));
    }
    // Off, or honoured as is (an audio-only call has no content sharing to notify about).
    let Reply { status, body, .. } = create(json!({
        "@odata.type": "#microsoft.graph.outgoingCallOptions",
        "isDeltaRosterEnabled": false,
        "isContentSharingNotificationEnabled": true,
    }))
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // answer's incomingCallOptions get the same rule.
    let (id, _) = incoming(&h, "/calling").await;
    let Reply { status, body, .. } = h
        .graph(
            reqwest::Method::POST,
            &format!("/v1.0/communications/calls/{id}/answer"),
            Some(json!({
                "callbackUri": h.hook.url("/answered"),
                "mediaConfig": service_hosted(),
                "acceptedModalities": ["audio"],
                "callOptions": {"@odata.type": "#microsoft.graph.incomingCallOptions", "hideBotAfterEscalation": true},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "NotSupported", "{body}");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn change_screen_sharing_role_is_refused_on_an_app_hosted_group_call() {
    let h = TestServer::start().await;
    let media = MediaSink::answering(bot_voice()).await;
    let Reply { status, body, .. } = h
        .graph(
            reqwest::Method::POST,
            "/v1.0/communications/calls",
            Some(json!({
                "callbackUri": h.hook.url("/sharing"),
                "targets": [
                    {"identity": {"user": {"id": h.dev.users[0].id}}},
                    {"identity": {"user": {"id": h.dev.users[1].id}}}
                ],
                "requestedModalities": ["audio"],
                "mediaConfig": {
                    "@odata.type": "#microsoft.graph.appHostedMediaConfig",
                    "blob": json!({"transportUrl": media.url("/media")}).to_string(),
                },
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    for role in ["viewer", "sharer"] {
        let Reply { status, body, .. } = h
            .graph(
                reqwest::Method::POST,
                &format!("/v1.0/communications/calls/{id}/changeScreenSharingRole"),
                Some(json!({"role": role})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{role}: {body}");
        assert_eq!(body["error"]["code"], "NotSupported", "{body}");
        assert!(body["error"]["message"].as_str().unwrap().contains(role));
    }
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn only_a_bot_acting_as_an_instance_with_a_number_reaches_the_pstn() {
    let h = TestServer::start().await;
    let users = [h.dev.users[0].id.clone(), h.dev.users[1].id.clone()];
    let instance = h.dev.resource_accounts[0].id.clone();
    let group = |source: Option<Value>| {
        let h = &h;
        let users = users.clone();
        async move {
            let mut body = json!({
                "callbackUri": h.hook.url("/pstn-rules"),
                "targets": [
                    {"identity": {"user": {"id": users[0]}}},
                    {"identity": {"user": {"id": users[1]}}}
                ],
                "requestedModalities": ["audio"],
                "mediaConfig": service_hosted(),
                "tenantId": h.dev.tenant_id,
            });
            if let Some(source) = source {
                body["source"] = source;
            }
            let Reply { status, body, .. } = h
                .graph(
                    reqwest::Method::POST,
                    "/v1.0/communications/calls",
                    Some(body),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            body["id"].as_str().unwrap().to_string()
        }
    };
    let invite_phone = |call: String| {
        let h = &h;
        async move {
            let Reply { status, body, .. } = h
                .graph(
                    reqwest::Method::POST,
                    &format!("/v1.0/communications/calls/{call}/participants/invite"),
                    Some(
                        json!({"participants": [{"identity": {"phone": {"id": "+14255550166"}}}]}),
                    ),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let op = body["id"].as_str().unwrap().to_string();
            let received = h
                .hook
                .wait_until(Duration::from_secs(10), |r| {
                    r.iter().any(|n| {
                        n.body["value"][0]["resourceUrl"]
                            .as_str()
                            .is_some_and(|u| u.ends_with(&op))
                    })
                })
                .await;
            received
                .iter()
                .map(|n| n.body["value"][0].clone())
                .find(|v| v["resourceUrl"].as_str().is_some_and(|u| u.ends_with(&op)))
                .expect("the invite's completion")["resourceData"]
                .clone()
        }
    };
    // As the resource account (a number and a Calling Plan licence): the phone is invited.
    let as_instance = group(Some(
        json!({"identity": {"applicationInstance": {"id": instance}}}),
    ))
    .await;
    let done = invite_phone(as_instance.clone()).await;
    assert_eq!(done["status"], "completed", "{done}");
    // As itself: the invite fails with Graph's dial-out error, transfer and redirect are refused.
    let as_app = group(None).await;
    let done = invite_phone(as_app.clone()).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["resultInfo"]["subcode"], 10151, "{done}");
    let Reply { status, body, .. } = h
        .graph(
            reqwest::Method::POST,
            &format!("/v1.0/communications/calls/{as_app}/transfer"),
            Some(json!({"transferTarget": {"identity": {"phone": {"id": "+14255550166"}}}})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    h.server.shutdown().await;
}
