//! Integration tests of ACS speech (issue 17): `text` and `ssml` play sources are spoken by the
//! offline engine (espeak-ng) and played like files — PlayStarted when the audio starts,
//! PlayCompleted after it — and the caller hears speech; malformed SSML is 400 `8523`; a choice a
//! simulated caller says is recognized (pocketsphinx). Without the engines installed
//! (`scripts/system-packages.sh` installs them) text and speech are refused with 405 `8520`, which
//! is what these tests then check. The recognition test runs on the wall clock: the recognizer
//! works on its own threads, which tokio's paused clock would race past.

use reqwest::{Method, StatusCode};
use ringside_testkit::server::{Acs, Reply};
use serde_json::{json, Value};

use crate::acs_calls::{callback, start, CCAAS_NUMBER};
use crate::acs_fidelity::answer;
use crate::graph_media::{hang_up_and_get_recording, samples};

fn engine_installed() -> bool {
    match ringside_speech::Tts::new(&ringside_speech::TtsConfig::default()) {
        Ok(_) => true,
        Err(why) => {
            eprintln!("espeak-ng is not installed ({why}): checking the 405 refusal instead");
            false
        }
    }
}

/// 20 ms frames of the caller's recording loud enough to be speech.
fn spoken_frames(wav: &[u8]) -> usize {
    let (rate, samples) = samples(wav);
    samples
        .chunks_exact((rate / 50) as usize)
        .filter(|frame| frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32 > 1e-4)
        .count()
}

async fn play(acs: &Acs, id: &str, source: Value, context: &str) -> Reply {
    acs.call(
        Method::POST,
        &format!("/calling/callConnections/{id}:play"),
        Some(json!({"playSources": [source], "operationContext": context})),
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn text_and_ssml_sources_are_spoken_to_the_caller() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550171";
    let dial = h
        .admin(
            Method::POST,
            &format!("/phones/{}/calls", caller.replace('+', "%2B")),
            json!({"to": CCAAS_NUMBER, "record": true}),
        )
        .await;
    assert_eq!(dial.status, StatusCode::CREATED, "{}", dial.body);
    let dialled = dial.body;
    let id = answer(&h, &acs, &grid, caller).await;
    let text = json!({"kind": "text", "text": {"text": "Thank you for calling Contoso billing.",
                      "voiceName": "en-US-JennyNeural", "sourceLocale": "en-US"}});
    let reply = play(&acs, &id, text, "text").await;
    if !engine_installed() {
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
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    callback(&h.hook, &id, "PlayStarted", |d| {
        d["operationContext"] == "text"
    })
    .await;
    callback(&h.hook, &id, "PlayCompleted", |d| {
        d["operationContext"] == "text"
    })
    .await;

    let ssml = json!({"kind": "ssml", "ssml": {"ssmlText":
        "<speak version=\"1.0\" xml:lang=\"en-US\"><voice name=\"en-US-GuyNeural\">Press <say-as interpret-as=\"digits\">12</say-as><break time=\"200ms\"/>now.</voice></speak>"}});
    let reply = play(&acs, &id, ssml, "ssml").await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    callback(&h.hook, &id, "PlayCompleted", |d| {
        d["operationContext"] == "ssml"
    })
    .await;

    let broken = json!({"kind": "ssml", "ssml": {"ssmlText": "<speak><voice>unclosed"}});
    let reply = play(&acs, &id, broken, "broken").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(reply.code(), "8523");

    let call = dialled["callId"].as_str().unwrap_or("");
    let leg = dialled["legId"].as_str().unwrap_or("");
    let recording = hang_up_and_get_recording(&h, call, leg).await;
    let spoken = spoken_frames(&recording);
    // Two prompts of about 2.5 s and 1.5 s: well over a second of speech reached the caller.
    assert!(spoken > 50, "the caller heard {spoken} frames of speech");
    h.server.shutdown().await;
}

pub(crate) fn stt_installed() -> bool {
    match ringside_speech::SttEngine::new(&ringside_speech::SttConfig {
        workers: 1,
        ..Default::default()
    }) {
        Ok(_) => true,
        Err(why) => {
            eprintln!("pocketsphinx is not installed ({why}): checking the 405 refusal instead");
            false
        }
    }
}

fn menu(caller: &str, context: &str) -> Value {
    json!({
        "recognizeInputType": "choices",
        "recognizeOptions": {
            "targetParticipant": {"rawId": format!("4:{caller}"), "phoneNumber": {"value": caller}},
            "initialSilenceTimeoutInSeconds": 10,
            "choices": [
                {"label": "Billing", "phrases": ["billing"]},
                {"label": "Support", "phrases": ["support"]},
            ],
        },
        "operationContext": context,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoken_choice_is_recognized() {
    let (h, acs, grid) = start().await;
    let caller = "+14255550172";
    let dial = h
        .admin(
            Method::POST,
            &format!("/phones/{}/calls", caller.replace('+', "%2B")),
            json!({"to": CCAAS_NUMBER, "say": [{"at": "2s", "text": "support"}], "hangupAfter": "30s"}),
        )
        .await;
    if dial.status == StatusCode::BAD_REQUEST {
        assert!(!engine_installed(), "{}", dial.body);
        return;
    }
    let id = answer(&h, &acs, &grid, caller).await;
    let reply = acs
        .call(
            Method::POST,
            &format!("/calling/callConnections/{id}:recognize"),
            Some(menu(caller, "menu")),
        )
        .await;
    if !stt_installed() {
        assert_eq!(
            reply.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{}",
            reply.body
        );
        h.server.shutdown().await;
        return;
    }
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.body);
    let done = h
        .hook
        .wait_for(std::time::Duration::from_secs(20), |r| {
            let kind = r.body[0]["type"].as_str().unwrap_or("");
            kind.ends_with("RecognizeCompleted") || kind.ends_with("RecognizeFailed")
        })
        .await;
    let data = &done.body[0]["data"];
    assert_eq!(
        done.body[0]["type"], "Microsoft.Communication.RecognizeCompleted",
        "{data}"
    );
    assert_eq!(data["recognitionType"], "choices", "{data}");
    assert_eq!(data["choiceResult"]["label"], "Support", "{data}");
    assert_eq!(data["resultInformation"]["subCode"], 8545, "{data}");
    h.server.shutdown().await;
}
