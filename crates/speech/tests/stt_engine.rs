//! pocketsphinx end to end: prompts spoken by espeak-ng recognised as choices and free speech,
//! silence timing out, transcription phrases with word timings. Skips (with the reason printed)
//! only when the engines are not installed; scripts/system-packages.sh installs them.

use ringside_speech::{
    Choice, End, Event, Mode, Outcome, Recognizer, SpeechError, SttConfig, SttEngine, Synthesis,
    Timeouts, Tts, TtsConfig, TtsRequest,
};
use std::sync::OnceLock;
use std::time::Duration;

fn engines() -> Option<&'static (Tts, SttEngine)> {
    static ENGINES: OnceLock<Result<(Tts, SttEngine), SpeechError>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        let tts = Tts::new(&TtsConfig::default())?;
        let stt = SttEngine::new(&SttConfig::default())?;
        Ok((tts, stt))
    });
    match engines {
        Ok(engines) => Some(engines),
        Err(SpeechError::Unavailable(why)) => {
            eprintln!(
                "SKIPPED: speech engines not installed ({why}); run scripts/system-packages.sh"
            );
            None
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

fn say(tts: &Tts, text: &str) -> Vec<i16> {
    let speech = tts
        .synthesize(&TtsRequest::text(text))
        .and_then(Synthesis::into_samples)
        .expect("synthesis");
    let mut audio = vec![0i16; 8_000];
    audio.extend_from_slice(&speech);
    audio.extend(vec![0i16; 32_000]);
    audio
}

/// Feeds `audio` in 20 ms frames and returns every event up to the end.
fn feed(recognizer: &mut Recognizer, audio: &[i16]) -> Vec<Event> {
    for frame in audio.chunks(320) {
        recognizer.push(frame);
    }
    let mut events = Vec::new();
    while let Some(event) = recognizer.wait_event(Duration::from_secs(20)) {
        let last = matches!(
            event,
            Event::Completed(_) | Event::Stopped | Event::Failed(_)
        );
        events.push(event);
        if last {
            break;
        }
    }
    events
}

fn menu() -> Mode {
    Mode::Choices(vec![
        Choice::new("Billing", &["billing", "bill"]),
        Choice::new("Support", &["support", "help"]),
        Choice::new("Sales", &["sales"]),
    ])
}

#[test]
fn billing_spoken_by_the_tts_is_recognised_as_the_billing_choice() {
    let Some((tts, stt)) = engines() else { return };
    let mut recognizer = stt
        .recognize(menu(), Timeouts::default())
        .expect("recognizer");
    let events = feed(&mut recognizer, &say(tts, "billing"));
    assert!(
        matches!(events[0], Event::SpeechStarted { offset_ms } if (400..700).contains(&offset_ms)),
        "{events:?}"
    );
    let Some(Event::Completed(done)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(done.ended_by, Some(End::EndSilence));
    let Outcome::Choice {
        label,
        phrase,
        confidence,
        ..
    } = &done.outcome
    else {
        panic!("{done:?}")
    };
    assert_eq!((label.as_str(), phrase.as_str()), ("Billing", "billing"));
    // pocketsphinx's own posterior said 1.0 for every choice; this one is the fitted estimate.
    assert!((0.5..1.0).contains(confidence), "{confidence}");
}

/// The confidence of what a recognition of `word` against the 14-word corpus menu reports
/// (`None` for a no match).
fn menu_confidence(tts: &Tts, stt: &SttEngine, word: &str) -> Option<f32> {
    let words = [
        "billing", "support", "sales", "yes", "no", "one", "two", "three", "four", "five", "six",
        "seven", "eight", "nine",
    ];
    let menu = words.iter().map(|w| Choice::new(w, &[w])).collect();
    let mut recognizer = stt
        .recognize(Mode::Choices(menu), Timeouts::default())
        .expect("recognizer");
    let events = feed(&mut recognizer, &say(tts, word));
    match events.last() {
        Some(Event::Completed(done)) => match &done.outcome {
            Outcome::Choice { confidence, .. } => Some(*confidence),
            Outcome::NoMatch { .. } => None,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_word_forced_onto_a_choice_gets_a_lower_confidence_than_a_choice_said() {
    let Some((tts, stt)) = engines() else { return };
    let right = menu_confidence(tts, stt, "billing").expect("billing is a choice");
    // "maybe" is none of the choices; the corpus shows the grammar taking it for "three"
    // (0.48 against 0.68 when this test was written; the old posterior was 1.0 for both).
    if let Some(forced) = menu_confidence(tts, stt, "maybe") {
        assert!(forced + 0.1 < right, "maybe {forced}, billing {right}");
    }
}

#[test]
fn silence_times_out_as_initial_silence() {
    let Some((_, stt)) = engines() else { return };
    let timeouts = Timeouts {
        initial_silence_ms: 1_000,
        ..Timeouts::default()
    };
    let mut recognizer = stt.recognize(menu(), timeouts).expect("recognizer");
    let events = feed(&mut recognizer, &vec![0i16; 16_000 * 2]);
    let Some(Event::Completed(done)) = events.last() else {
        panic!("{events:?}")
    };
    assert_eq!(done.outcome, Outcome::InitialSilence);
    assert_eq!(done.ended_by, Some(End::InitialSilence));
}

#[test]
fn free_speech_gives_text() {
    let Some((tts, stt)) = engines() else { return };
    let mut recognizer = stt
        .recognize(Mode::Speech, Timeouts::default())
        .expect("recognizer");
    // A sentence the corpus shows recognised nearly right (free speech is weak: see
    // corpus/RESULTS.md).
    let events = feed(
        &mut recognizer,
        &say(tts, "what is the balance on my account"),
    );
    let Some(Event::Completed(done)) = events.last() else {
        panic!("{events:?}")
    };
    let Outcome::Speech { text, .. } = &done.outcome else {
        panic!("{done:?}")
    };
    eprintln!("free speech heard: {text:?}");
    assert!(text.starts_with("what is"), "{text}");
}

#[test]
fn transcription_reports_final_phrases_with_word_timings() {
    let Some((tts, stt)) = engines() else { return };
    let mut transcriber = stt.transcribe(600, 30_000).expect("transcriber");
    let mut audio = say(tts, "hello world");
    audio.extend(say(tts, "thank you"));
    for frame in audio.chunks(320) {
        transcriber.push(frame);
    }
    transcriber.finish();
    let mut finals = Vec::new();
    while let Some(event) = transcriber.wait_event(Duration::from_secs(20)) {
        match event {
            Event::Phrase(p) if p.is_final => finals.push(p),
            Event::Stopped => break,
            Event::Failed(e) => panic!("{e}"),
            _ => {}
        }
    }
    assert_eq!(finals.len(), 2, "{finals:?}");
    assert!(finals[1].offset_ms > finals[0].offset_ms + finals[0].duration_ms);
    for phrase in &finals {
        assert!(!phrase.words.is_empty(), "{phrase:?}");
        let first = &phrase.words[0];
        assert!(first.start_ms >= phrase.offset_ms as u32, "{phrase:?}");
        assert!(first.end_ms > first.start_ms);
    }
}

#[test]
fn a_word_that_is_none_of_the_choices_is_no_match() {
    let Some((tts, stt)) = engines() else { return };
    let mut recognizer = stt
        .recognize(menu(), Timeouts::default())
        .expect("recognizer");
    let events = feed(&mut recognizer, &say(tts, "computer"));
    let Some(Event::Completed(done)) = events.last() else {
        panic!("{events:?}")
    };
    assert!(
        matches!(&done.outcome, Outcome::NoMatch { heard } if !heard.text.is_empty()),
        "{done:?}"
    );
}
