//! Integration tests of how the ACS door reads request bodies: a member of the wrong type is 400
//! `8523` naming it, not dropped for its default (issue 14: accepted-and-ignored values).

use reqwest::{Method, StatusCode};
use ringside_testkit::server::Reply;
use serde_json::{json, Value};

use crate::acs_calls::{start, CCAAS_NUMBER};
use crate::acs_fidelity::{answered, phone};

#[tokio::test(start_paused = true)]
async fn mistyped_members_are_refused_with_8523() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550197";
    let (id, _) = answered(&h, &acs, &grid, caller).await;
    let path = format!("/calling/callConnections/{id}");
    let tone_prompt = json!({"kind": "file", "file": {"uri": "https://example.test/a.wav"}});
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            ":play",
            "playOptions",
            json!({"playSources": [tone_prompt], "playOptions": "x"}),
        ),
        (
            ":play",
            "playTo",
            json!({"playSources": [tone_prompt], "playTo": "x"}),
        ),
        (
            ":play",
            "interruptCallMediaOperation",
            json!({"playSources": [tone_prompt], "interruptCallMediaOperation": "yes"}),
        ),
        (
            ":recognize",
            "maxTonesToCollect",
            json!({"recognizeInputType": "dtmf",
                   "recognizeOptions": {"targetParticipant": phone(caller),
                                        "dtmfOptions": {"maxTonesToCollect": "3"}}}),
        ),
        (
            ":recognize",
            "recognizeInputType",
            json!({"recognizeOptions": {"targetParticipant": phone(caller)}}),
        ),
        (
            "/participants:add",
            "invitationTimeoutInSeconds",
            json!({"participantToAdd": phone("+14255550198"), "invitationTimeoutInSeconds": "30",
                   "sourceCallerIdNumber": {"value": CCAAS_NUMBER}}),
        ),
        (
            "/participants:add",
            "invitationTimeoutInSeconds",
            json!({"participantToAdd": phone("+14255550198"), "invitationTimeoutInSeconds": -1,
                   "sourceCallerIdNumber": {"value": CCAAS_NUMBER}}),
        ),
    ];
    for (operation, member, body) in cases {
        let Reply { status, body, .. } = acs
            .call(
                Method::POST,
                &format!("{path}{operation}"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{operation} {member}: {body}"
        );
        assert_eq!(body["error"]["code"], "8523", "{operation}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(member), "{operation}: {message}");
    }
    // The connection is still usable after every refusal.
    let Reply { status, body, .. } = acs.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["callConnectionState"], "connected");
    h.server.shutdown().await;
}
