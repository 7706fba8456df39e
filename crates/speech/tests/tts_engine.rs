//! espeak-ng end to end through [`Tts`]: streaming, caching, SSML breaks and voices. Skips (with
//! the reason printed) only when libespeak-ng is not installed; scripts/system-packages.sh
//! installs it.

use ringside_speech::{Content, SpeechError, Synthesis, Tts, TtsConfig, TtsRequest};

fn tts() -> Option<Tts> {
    match Tts::new(&TtsConfig::default()) {
        Ok(tts) => Some(tts),
        Err(SpeechError::Unavailable(why)) => {
            eprintln!(
                "SKIPPED: espeak-ng is not installed ({why}); run scripts/system-packages.sh"
            );
            None
        }
        Err(other) => panic!("unexpected error: {other}"),
    }
}

fn seconds(samples: &[i16]) -> f64 {
    samples.len() as f64 / 16_000.0
}

fn loud(samples: &[i16]) -> bool {
    ringside_audio::rms_dbfs(samples) > -40.0
}

#[test]
fn a_prompt_streams_in_chunks_then_comes_from_the_cache() {
    let Some(tts) = tts() else { return };
    let request = TtsRequest::text("Press one or say billing for questions about your bill");
    let Ok(Synthesis::Streaming(stream)) = tts.synthesize(&request) else {
        panic!("the first synthesis is not cached");
    };
    let chunks: Vec<Vec<i16>> = stream.map(|c| c.expect("chunk")).collect();
    assert!(chunks.len() > 10, "{} chunks", chunks.len());
    let all: Vec<i16> = chunks.concat();
    assert!((1.5..8.0).contains(&seconds(&all)), "{} s", seconds(&all));
    assert!(loud(&all));
    let Ok(Synthesis::Cached(cached)) = tts.synthesize(&request) else {
        panic!("the second synthesis is not a cache hit");
    };
    assert_eq!(&cached[..], &all[..]);
}

#[test]
fn voices_rates_and_breaks_shape_the_audio() {
    let Some(tts) = tts() else { return };
    let say = |request: TtsRequest| {
        tts.synthesize(&request)
            .and_then(Synthesis::into_samples)
            .expect("synthesis")
    };
    let normal = say(TtsRequest::text("support and sales"));
    let fast = say(TtsRequest {
        rate: 2.0,
        ..TtsRequest::text("support and sales")
    });
    assert!(
        seconds(&fast) < seconds(&normal) * 0.8,
        "{} vs {}",
        seconds(&fast),
        seconds(&normal)
    );
    let guy = say(TtsRequest {
        voice_name: Some("en-US-GuyNeural".into()),
        ..TtsRequest::text("support and sales")
    });
    assert_ne!(guy, normal);
    let pause = say(TtsRequest {
        content: Content::Ssml("<speak>yes<break time='1500ms'/>no</speak>".into()),
        ..TtsRequest::text("")
    });
    let longest_silence = pause
        .chunks(160)
        .fold((0usize, 0usize), |(best, run), c| {
            let run = if loud(c) { 0 } else { run + 1 };
            (best.max(run), run)
        })
        .0;
    assert!(
        longest_silence * 10 >= 1500,
        "longest silence {} ms",
        longest_silence * 10
    );
}

#[test]
fn invalid_ssml_fails_at_once_and_the_worker_survives() {
    let Some(tts) = tts() else { return };
    let bad = TtsRequest {
        content: Content::Ssml("<speak>unclosed".into()),
        ..TtsRequest::text("")
    };
    assert!(matches!(
        tts.synthesize(&bad),
        Err(SpeechError::InvalidSsml(_))
    ));
    let Ok(Synthesis::Streaming(mut stream)) =
        tts.synthesize(&TtsRequest::text("cancel me please, this is long"))
    else {
        panic!("not streaming");
    };
    assert!(stream.next().is_some());
    drop(stream);
    let after = tts
        .synthesize(&TtsRequest::text("still working"))
        .and_then(Synthesis::into_samples);
    assert!(loud(&after.expect("synthesis after a cancel")));
}
