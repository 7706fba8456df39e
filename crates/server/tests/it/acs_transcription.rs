//! Integration tests of ACS live transcription (issue 17): a simulated caller says a sentence, the
//! app's WebSocket gets `TranscriptionMetadata` then a Final `TranscriptionData` with the words
//! (pocketsphinx, offline); the Transcription* callbacks and `transcriptionSubscription` follow
//! the requests. Without the recognition engine transcription is refused with 405 `8520`, which
//! is what the test then checks. Runs on the wall clock, like the recognition test: the recognizers
//! work on their own threads.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{Acs, MediaSink, Reply};
use serde_json::{json, Value};

use crate::acs_calls::{callback, start, CALLBACKS, CCAAS_NUMBER};
use crate::acs_speech::stt_installed;

/// What the caller says, and the word of it the transcript must have (pocketsphinx's free speech
/// on espeak-ng's voice hears "I need support" as "i need to pull out": the accuracy the docs
/// state).
const SENTENCE: &str = "I need support";
const KEY_WORD: &str = "need";

async fn action(acs: &Acs, id: &str, action: &str, body: Value) -> Reply {
    acs.call(
        Method::POST,
        &format!("/calling/callConnections/{id}:{action}"),
        Some(body),
    )
    .await
}

/// The phrases of connection 0 of `media` so far (messages after the metadata).
fn final_phrases(media: &MediaSink) -> Vec<Value> {
    media
        .connections()
        .first()
        .map(|c| {
            c.json()
                .into_iter()
                .filter(|m| m["kind"] == "TranscriptionData")
                .filter(|m| m["transcriptionData"]["resultStatus"] == "Final")
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_is_transcribed_onto_the_apps_websocket() {
    let (h, acs, grid) = start().await;
    let media = MediaSink::start().await;
    let caller = "+14255550177";
    let dial = h
        .admin(
            Method::POST,
            &format!("/phones/{}/calls", caller.replace('+', "%2B")),
            json!({"to": CCAAS_NUMBER, "say": [{"at": "2s", "text": SENTENCE}], "hangupAfter": "40s"}),
        )
        .await;
    if dial.status == StatusCode::BAD_REQUEST {
        assert!(!stt_installed(), "{}", dial.body);
        return;
    }
    let incoming = grid
        .wait_for(Duration::from_secs(10), |r| {
            r.body[0]["data"]["from"]["rawId"] == format!("4:{caller}").as_str()
        })
        .await;
    let options = json!({"transportType": "websocket", "transportUrl": media.url("/transcripts"),
                         "locale": "en-US", "startTranscription": true});
    let reply = acs
        .call(
            Method::POST,
            "/calling/callConnections:answer",
            Some(json!({
                "incomingCallContext": incoming.body[0]["data"]["incomingCallContext"],
                "callbackUri": h.hook.url(CALLBACKS),
                "transcriptionOptions": options,
            })),
        )
        .await;
    if !stt_installed() {
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{}",
            reply.body
        );
        assert_eq!(reply.code(), "8520");
        h.server.shutdown().await;
        return;
    }
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id = reply.body["callConnectionId"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let subscription = &reply.body["transcriptionSubscription"];
    assert_eq!(subscription["state"], "inactive", "{subscription}");
    assert_eq!(subscription["locale"], "en-US", "{subscription}");
    let started = callback(&h.hook, &id, "TranscriptionStarted", |_| true).await;
    let update = &started.body[0]["data"]["transcriptionUpdate"];
    assert_eq!(
        update["transcriptionStatus"], "transcriptionStarted",
        "{update}"
    );
    assert_eq!(
        update["transcriptionStatusDetails"], "subscriptionStarted",
        "{update}"
    );

    // One socket; metadata first, then the caller's sentence as a Final phrase.
    let connections = media
        .wait_until(Duration::from_secs(30), |c| {
            c.first().is_some_and(|c| {
                c.json().iter().any(|m| {
                    m["transcriptionData"]["resultStatus"] == "Final"
                        && m["transcriptionData"]["text"]
                            .as_str()
                            .is_some_and(|t| t.contains(KEY_WORD))
                })
            })
        })
        .await;
    assert_eq!(connections.len(), 1, "one socket per call");
    let messages = connections[0].json();
    assert_eq!(connections[0].path, "/transcripts");
    let meta = &messages[0]["transcriptionMetadata"];
    assert_eq!(
        messages[0]["kind"], "TranscriptionMetadata",
        "{}",
        messages[0]
    );
    assert_eq!(meta["callConnectionId"], id.as_str(), "{meta}");
    assert_eq!(meta["locale"], "en-US", "{meta}");
    assert!(
        meta["subscriptionId"].is_string() && meta["correlationId"].is_string(),
        "{meta}"
    );
    let phrases = final_phrases(&media);
    let phrase = phrases
        .iter()
        .map(|m| &m["transcriptionData"])
        .find(|d| d["text"].as_str().is_some_and(|t| t.contains(KEY_WORD)))
        .unwrap_or_else(|| panic!("no phrase with '{KEY_WORD}': {phrases:?}"));
    assert_eq!(
        phrase["participantRawID"],
        format!("4:{caller}").as_str(),
        "{phrase}"
    );
    assert_eq!(phrase["format"], "display", "{phrase}");
    assert!(phrase["offset"].as_u64().is_some_and(|o| o > 0), "{phrase}");
    assert!(
        phrase["duration"].as_u64().is_some_and(|d| d > 0),
        "{phrase}"
    );
    let words = phrase["words"].as_array().cloned().unwrap_or_default();
    assert!(
        words
            .iter()
            .any(|w| w["text"] == KEY_WORD && w["duration"].as_u64() > Some(0)),
        "{phrase}"
    );
    // Intermediate results were not asked for.
    assert!(messages
        .iter()
        .all(|m| m["transcriptionData"]["resultStatus"] != "Intermediate"));

    // Update (en-US only), stop, and the subscription state.
    let reply = action(&acs, &id, "updateTranscription", json!({"locale": "de-DE"})).await;
    assert_eq!(
        reply.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        reply.body
    );
    assert_eq!(reply.code(), "8520");
    let reply = action(
        &acs,
        &id,
        "updateTranscription",
        json!({"locale": "en-US", "operationContext": "up"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    callback(&h.hook, &id, "TranscriptionUpdated", |d| {
        d["operationContext"] == "up"
    })
    .await;
    let reply = action(&acs, &id, "startTranscription", json!({"locale": "en-US"})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.code(), "8583");
    let reply = action(
        &acs,
        &id,
        "stopTranscription",
        json!({"operationContext": "bye"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let stopped = callback(&h.hook, &id, "TranscriptionStopped", |d| {
        d["operationContext"] == "bye"
    })
    .await;
    assert_eq!(
        stopped.body[0]["data"]["transcriptionUpdate"]["transcriptionStatus"],
        "transcriptionStopped"
    );
    let Reply { status, body, .. } = acs
        .call(Method::GET, &format!("/calling/callConnections/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["transcriptionSubscription"]["state"], "inactive",
        "{body}"
    );
    let reply = action(&acs, &id, "stopTranscription", json!({})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    h.server.shutdown().await;
}
