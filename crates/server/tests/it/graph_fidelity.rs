//! Graph fidelity (issue 13): what Ringside cannot honour is refused with Graph's error instead of
//! accepted and dropped (callOptions, screen sharing), only a bot acting as an application
//! instance with a number reaches the PSTN, toneInfo is reported once, and audio routing groups
//! are mixed.

use std::time::Duration;

use axum::http::StatusCode;
use reqwest::Method;
use ringside_testkit::server::{poll_until, MediaSink, Reply, TestServer};
use serde_json::{json, Value};

use crate::graph_calls::{bot_voice, incoming, service_hosted};
use crate::graph_media::{
    completion, frames_dominated_by, incoming_answered, notifications, op_id, press, start,
    wait_for,
};

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

#[tokio::test(start_paused = true)]
async fn tone_info_is_reported_after_subscribe_on_the_tone_notification_only() {
    let (h, prompts) = start().await;
    let (id, conversation, phone) = incoming_answered(&h, &prompts, false).await;
    // A key before subscribeToTone is reported to nobody (one second of the paused clock lets
    // the media plane hear it).
    press(&h, &conversation, &phone, "5").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let subscribed = h
        .graph(
            Method::POST,
            &format!("/v1.0/communications/calls/{id}/subscribeToTone"),
            json!({"clientContext": "tones"}),
        )
        .await;
    assert_eq!(subscribed.status, StatusCode::OK, "{}", subscribed.body);
    press(&h, &conversation, &phone, "1").await;
    let call_url = format!("/communications/calls/{id}");
    let tone = wait_for(&h, Duration::from_secs(5), |n| {
        n["resourceUrl"] == call_url.as_str() && !n["resourceData"]["toneInfo"].is_null()
    })
    .await;
    assert_eq!(tone["changeType"], "updated");
    assert_eq!(tone["resourceData"]["toneInfo"]["tone"], "tone1", "{tone}");
    assert_eq!(tone["resourceData"]["toneInfo"]["sequenceId"], 1, "{tone}");
    // The call as read afterwards, and every later notification, report no tone.
    let got = h
        .graph(Method::GET, &format!("/v1.0{call_url}"), None)
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert!(got.body["toneInfo"].is_null(), "{}", got.body);
    let hung_up = h
        .admin(
            Method::POST,
            &format!("/calls/{conversation}/legs/{phone}/hangup"),
            None,
        )
        .await;
    assert!(hung_up.status.is_success(), "{}", hung_up.body);
    wait_for(&h, Duration::from_secs(5), |n| {
        n["resourceUrl"] == call_url.as_str() && n["resourceData"]["state"] == "terminated"
    })
    .await;
    let with_tone: Vec<Value> = notifications(&h.hook.received())
        .into_iter()
        .filter(|n| !n["resourceData"]["toneInfo"].is_null())
        .collect();
    assert_eq!(with_tone.len(), 1, "{with_tone:#?}");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_bot_out_of_the_main_mix_is_heard_only_through_its_audio_routing_groups() {
    let (h, prompts) = start().await;
    let users = [h.dev.users[0].id.clone(), h.dev.users[1].id.clone()];
    for user in &users {
        let set = h
            .admin(
                Method::PUT,
                &format!("/phones/{user}/behaviour"),
                json!({"answerAfter": "100ms", "record": true, "hangupAfter": "8s"}),
            )
            .await;
        assert!(set.status.is_success(), "{}", set.body);
    }
    let created = h
        .graph(
            Method::POST,
            "/v1.0/communications/calls",
            json!({
                "callbackUri": h.hook.url("/private"),
                "targets": [
                    {"identity": {"user": {"id": users[0]}}},
                    {"identity": {"user": {"id": users[1]}}}
                ],
                "requestedModalities": ["audio"],
                "mediaConfig": {
                    "@odata.type": "#microsoft.graph.serviceHostedMediaConfig",
                    "removeFromDefaultAudioGroup": true
                },
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let conversation = created.body["callChainId"].as_str().unwrap().to_string();
    let call = format!("/v1.0/communications/calls/{id}");
    let participants = format!("{call}/participants");
    let roster = poll_until(
        Duration::from_secs(5),
        || h.graph(Method::GET, &participants, None),
        |r| r.body["value"].as_array().is_some_and(|v| v.len() == 3),
    )
    .await;
    let leg_of = |user: &str| {
        roster.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["info"]["identity"]["user"]["id"] == user)
            .and_then(|p| p["id"].as_str())
            .expect("participant")
            .to_string()
    };
    let (p0, p1) = (leg_of(&users[0]), leg_of(&users[1]));
    let play = |context: &'static str| {
        let h = &h;
        let (call, url) = (call.clone(), prompts.url("/beep.wav"));
        async move {
            let played = h
                .graph(
                    Method::POST,
                    &format!("{call}/playPrompt"),
                    json!({"clientContext": context, "prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt",
                        "mediaInfo": {"uri": url, "resourceId": context}}]}),
                )
                .await;
            assert_eq!(played.status, StatusCode::OK, "{}", played.body);
            let done = completion(h, &op_id(&played), Duration::from_secs(5)).await;
            assert_eq!(done["status"], "completed", "{done}");
        }
    };
    // Out of the main mix, nobody hears the bot's first prompt.
    play("nobody").await;
    // A one-to-one group: only the first user hears the second prompt.
    let group = h
        .graph(
            Method::POST,
            &format!("{call}/audioRoutingGroups"),
            json!({"id": "whisper", "routingMode": "oneToOne", "sources": [id], "receivers": [p0]}),
        )
        .await;
    assert_eq!(group.status, StatusCode::OK, "{}", group.body);
    play("whisper").await;
    let heard = |leg: String| {
        let (h, conversation) = (&h, conversation.clone());
        async move {
            let recording = h.recording(&conversation, &leg).await;
            assert_eq!(recording.status, reqwest::StatusCode::OK);
            frames_dominated_by(&recording.bytes, 1_000.0)
        }
    };
    let (first, second) = (heard(p0).await, heard(p1).await);
    assert!(
        (40..=50).contains(&first),
        "the first user heard {first} frames of 1 kHz"
    );
    assert_eq!(second, 0, "the second user heard the bot");
    h.server.shutdown().await;
}
