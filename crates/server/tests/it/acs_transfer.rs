//! Integration tests of Call Automation's transfer in a group call (issue 14, item 8): with a
//! `transferee`, only that participant leaves, to talk to the target, and the service stays in its
//! call with the others, as Microsoft's "Transfer a participant in call" documents.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{Reply, TestServer};
use serde_json::{json, Value};

use crate::acs_calls::{callback, start, CCAAS_NUMBER};
use crate::acs_fidelity::{answered, phone};

fn raw_ids(participants: &Value) -> Vec<String> {
    let mut ids: Vec<String> = participants
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["identifier"]["rawId"].as_str().unwrap_or("").to_string())
        .collect();
    ids.sort();
    ids
}

/// The numbers of the connected legs of every live call, one sorted list per call.
async fn calls_by_party(h: &TestServer) -> Vec<Vec<String>> {
    let Reply { body, .. } = h.admin(Method::GET, "/calls", Value::Null).await;
    let calls = body["value"].as_array().cloned();
    calls
        .unwrap_or_default()
        .iter()
        .map(|call| {
            let mut parties: Vec<String> = call["legs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| l["state"] == "established")
                .map(|l| l["party"]["number"].as_str().unwrap_or("").to_string())
                .collect();
            parties.sort();
            parties
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_transferee_in_a_group_call_leaves_and_the_service_stays() {
    let (h, acs, grid) = start().await;
    let (caller, other, target) = ("+14255550191", "+14255550192", "+14255550193");
    h.behaviour(other, json!({"answerAfter": "200ms"})).await;
    h.behaviour(target, json!({"answerAfter": "200ms"})).await;
    let (id, _) = answered(&h, &acs, &grid, caller).await;
    let path = format!("/calling/callConnections/{id}");
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({"participantToAdd": phone(other),
                        "sourceCallerIdNumber": {"value": CCAAS_NUMBER}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    callback(&h.hook, &id, "AddParticipantSucceeded", |_| true).await;

    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}:transferToParticipant"),
            Some(
                json!({"targetParticipant": phone(target), "transferee": phone(caller),
                        "operationContext": "xfer"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let accepted = callback(&h.hook, &id, "CallTransferAccepted", |d| {
        d["operationContext"] == "xfer"
    })
    .await;
    let data = &accepted.body[0]["data"];
    assert_eq!(data["transferee"]["rawId"], format!("4:{caller}").as_str());
    assert_eq!(
        data["transferTarget"]["rawId"],
        format!("4:{target}").as_str()
    );
    callback(&h.hook, &id, "ParticipantsUpdated", |d| {
        raw_ids(&d["participants"]) == vec![format!("4:{other}")]
    })
    .await;

    let Reply { status, body, .. } = acs.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["callConnectionState"], "connected", "{body}");
    let Reply { body, .. } = acs
        .call(Method::GET, &format!("{path}/participants"), None)
        .await;
    assert_eq!(raw_ids(&body["value"]), vec![format!("4:{other}")]);
    let calls = calls_by_party(&h).await;
    let pair = vec![caller.to_string(), target.to_string()];
    assert!(
        calls.contains(&pair),
        "caller and target not talking: {calls:?}"
    );
    assert!(
        calls.contains(&vec![other.to_string(), CCAAS_NUMBER.to_string()]),
        "the service lost the other participant: {calls:?}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let disconnected = h.hook.received().iter().any(|r| {
        r.body[0]["type"] == "Microsoft.Communication.CallDisconnected"
            && r.body[0]["data"]["callConnectionId"] == id.as_str()
    });
    assert!(!disconnected, "the service's connection ended");
    h.server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn custom_calling_context_reaches_the_invitee_and_the_transfer_target() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550194";
    let (id, _) = answered(&h, &acs, &grid, caller).await;
    let path = format!("/calling/callConnections/{id}");
    // The invitee is a Call Automation service itself (the CCaaS number): its IncomingCall
    // carries what the inviting service sent.
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}/participants:add"),
            Some(json!({"participantToAdd": phone(CCAAS_NUMBER),
                        "sourceCallerIdNumber": {"value": CCAAS_NUMBER},
                        "customCallingContext": {"voipHeaders": {"x-agent": "a1"},
                                                 "sipHeaders": {"X-MS-Custom-queue": "7"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let invited = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
                && r.body[0]["data"]["customContext"]["voipHeaders"]["x-agent"] == "a1"
        })
        .await;
    let custom = &invited.body[0]["data"]["customContext"];
    assert_eq!(custom["sipHeaders"]["X-MS-Custom-queue"], "7", "{custom}");

    // A malformed context is refused, and nothing is placed.
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("{path}:transferToParticipant"),
            Some(json!({"targetParticipant": phone(CCAAS_NUMBER),
                        "customCallingContext": {"voipHeaders": {"bad name": "x"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "8523", "{body}");

    // A transfer target that is a service gets the transferring service's context.
    let (other, _) = answered(&h, &acs, &grid, "+14255550195").await;
    let Reply { status, body, .. } = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{other}:transferToParticipant"),
            Some(json!({"targetParticipant": phone(CCAAS_NUMBER),
                        "customCallingContext": {"voipHeaders": {"x-agent": "t1"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let offered = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["eventType"] == "Microsoft.Communication.IncomingCall"
                && r.body[0]["data"]["customContext"]["voipHeaders"]["x-agent"] == "t1"
        })
        .await;
    assert_eq!(
        offered.body[0]["data"]["from"]["rawId"], "4:+14255550195",
        "the target sees the transferee calling"
    );
    h.server.shutdown().await;
}
