//! The accuracy corpus, shared by the `accuracy` and `bench` examples: choice words and sentences
//! spoken by the TTS in two voices at two speeds, with seeded white or babble noise mixed in at a
//! stated signal-to-noise ratio. Everything is deterministic (espeak-ng is, the noise is seeded),
//! so the corpus is regenerated rather than stored; `corpus/manifest.tsv` lists it.

#![allow(dead_code)] // each example uses part of it

use ringside_audio::testsignal::{speech_like, white_noise};
use ringside_speech::{Synthesis, Tts, TtsRequest};

/// The spoken choices (one choice per word).
pub(crate) const CHOICE_WORDS: &[&str] = &[
    "billing", "support", "sales", "yes", "no", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine",
];

/// Words that are none of the choices, said to the same choices grammar: each should come out
/// as no match (RecognizeFailed).
pub(crate) const OTHER_WORDS: &[&str] = &[
    "hello", "operator", "cancel", "weather", "thanks", "maybe", "agent", "account", "repeat",
    "goodbye",
];

/// Free-speech sentences for the word error rate.
pub(crate) const SENTENCES: &[&str] = &[
    "I would like to pay my bill",
    "please transfer me to customer support",
    "what is the balance on my account",
    "I want to speak to a person",
    "my order has not arrived yet",
    "can you help me reset my password",
    "I need to change my address",
    "the internet is not working",
    "cancel my subscription please",
    "yes that is correct",
];

pub(crate) const VOICES: &[&str] = &["en-US-JennyNeural", "en-US-GuyNeural"];
pub(crate) const RATES: &[f32] = &[1.0, 1.4];
/// Speech-to-noise ratio of the noisy conditions, dB (speech RMS over its active part).
pub(crate) const SNR_DB: f32 = 15.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Noise {
    Clean,
    White,
    Babble,
}

impl Noise {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Noise::Clean => "clean",
            Noise::White => "white",
            Noise::Babble => "babble",
        }
    }
}

/// One utterance of the corpus.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) text: &'static str,
    pub(crate) voice: &'static str,
    pub(crate) rate: f32,
    pub(crate) noise: Noise,
    pub(crate) seed: u64,
}

impl Item {
    pub(crate) fn manifest_line(&self) -> String {
        let snr = if self.noise == Noise::Clean {
            "-".to_string()
        } else {
            format!("{SNR_DB}")
        };
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            self.text,
            self.voice,
            self.rate,
            self.noise.name(),
            snr,
            self.seed
        )
    }
}

/// Every combination of `texts` × voices × rates × `noises`.
pub(crate) fn items(texts: &[&'static str], noises: &[Noise]) -> Vec<Item> {
    let mut out = Vec::new();
    for text in texts {
        for voice in VOICES {
            for rate in RATES {
                for noise in noises {
                    let seed = out.len() as u64 + 1;
                    out.push(Item {
                        text,
                        voice,
                        rate: *rate,
                        noise: *noise,
                        seed,
                    });
                }
            }
        }
    }
    out
}

/// The item's audio: 0.5 s lead-in, the speech, 1.2 s tail, noise over all of it.
pub(crate) fn render(tts: &Tts, item: &Item) -> Vec<i16> {
    let request = TtsRequest {
        voice_name: Some(item.voice.to_string()),
        rate: item.rate,
        ..TtsRequest::text(item.text)
    };
    let speech = tts
        .synthesize(&request)
        .and_then(Synthesis::into_samples)
        .expect("synthesis");
    let speech_dbfs = active_dbfs(&speech);
    let mut audio = vec![0i16; 8_000];
    audio.extend_from_slice(&speech);
    audio.extend(vec![0i16; 19_200]);
    let noise_dbfs = speech_dbfs - SNR_DB;
    let noise = match item.noise {
        Noise::Clean => return audio,
        Noise::White => white_noise(item.seed, noise_dbfs, audio.len()),
        Noise::Babble => babble(item.seed, noise_dbfs, audio.len()),
    };
    audio
        .iter()
        .zip(&noise)
        .map(|(a, n)| a.saturating_add(*n))
        .collect()
}

/// Four overlapping speech-like talkers, normalised to `dbfs` together.
fn babble(seed: u64, dbfs: f32, len: usize) -> Vec<i16> {
    let talkers: Vec<Vec<i16>> = (0..4)
        .map(|k| speech_like(seed * 10 + k, len, dbfs - 6.0))
        .collect();
    (0..len)
        .map(|i| {
            talkers
                .iter()
                .map(|t| i32::from(t[i]))
                .sum::<i32>()
                .clamp(-32768, 32767) as i16
        })
        .collect()
}

/// RMS in dBFS of the 20 ms frames louder than -50 dBFS (the speech, not its pauses).
fn active_dbfs(samples: &[i16]) -> f32 {
    let loud: Vec<i16> = samples
        .chunks(320)
        .filter(|f| ringside_audio::rms_dbfs(f) > -50.0)
        .flatten()
        .copied()
        .collect();
    ringside_audio::rms_dbfs(&loud)
}
