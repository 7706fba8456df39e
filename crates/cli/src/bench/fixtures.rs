//! What the Graph and media scenarios share: the test audio the bench uploads (a beep, a
//! speech-like prompt, as 16 kHz WAV), the upload itself, and the dev users' behaviour (answer at
//! once, or back to the default).

use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::{json, Value};

use super::target::Server;

/// 16 kHz mono samples of a 440 Hz beep.
pub(crate) fn beep(length: Duration) -> Vec<i16> {
    let n = (length.as_secs_f64() * 16_000.0) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / 16_000.0;
            (8_000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
        })
        .collect()
}

/// 16 kHz mono speech-like audio: 150–190 Hz voiced syllables (four harmonics, all below the
/// DTMF band) shaped by a 4 Hz syllable envelope with short pauses.
pub(crate) fn speech_like(length: Duration) -> Vec<i16> {
    let n = (length.as_secs_f64() * 16_000.0) as usize;
    let mut phase = 0.0f64;
    (0..n)
        .map(|i| {
            let t = i as f64 / 16_000.0;
            let pitch = 170.0 + 20.0 * (2.0 * std::f64::consts::PI * 0.7 * t).sin();
            phase += 2.0 * std::f64::consts::PI * pitch / 16_000.0;
            let voice: f64 = [1.0, 0.6, 0.35, 0.2]
                .iter()
                .enumerate()
                .map(|(h, a)| a * (phase * (h + 1) as f64).sin())
                .sum();
            let syllable = (t * 4.0).fract();
            let envelope = if syllable < 0.8 {
                (std::f64::consts::PI * syllable / 0.8).sin()
            } else {
                0.0
            };
            (voice * envelope * 5_000.0) as i16
        })
        .collect()
}

/// A canonical 16-bit PCM mono 16 kHz WAV file.
pub(crate) fn wav_16k(samples: &[i16]) -> Vec<u8> {
    let data = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + samples.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&16_000u32.to_le_bytes());
    out.extend_from_slice(&32_000u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

/// Uploads WAV bytes (`POST /ringside/v1/media`); returns the server's answer.
pub(crate) async fn upload_wav(server: &Server, wav: Vec<u8>) -> Result<Value> {
    let response = server
        .http
        .post(format!("{}/ringside/v1/media", server.base))
        .bearer_auth(&server.dev.admin_token)
        .header(reqwest::header::CONTENT_TYPE, "audio/wav")
        .body(wav)
        .send()
        .await
        .context("uploading the prompt")?;
    super::replies::json_or_error(&Method::POST, "/ringside/v1/media", response).await
}

/// Makes every directory user answer at once, so create → established measures the platform (on
/// every node: each simulates the phones of the calls it carries).
pub(crate) async fn users_answer_at_once(server: &Server) -> Result<()> {
    for node in &server.nodes {
        for user in &server.dev.users {
            server
                .admin_at(
                    node,
                    Method::PUT,
                    &format!("/phones/{}/behaviour", user.id),
                    Some(&json!({"answerAfter": "0ms"})),
                )
                .await
                .with_context(|| format!("setting a user's behaviour on {}", node.name))?;
        }
    }
    Ok(())
}

/// Puts the users' behaviour back to the default.
pub(crate) async fn users_default(server: &Server) {
    for node in &server.nodes {
        for user in &server.dev.users {
            let _ = server
                .admin_at(
                    node,
                    Method::DELETE,
                    &format!("/phones/{}/behaviour", user.id),
                    None,
                )
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wav_header_describes_16k_mono_pcm() {
        let wav = wav_16k(&beep(Duration::from_millis(100)));
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(
            u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]),
            16_000
        );
        assert_eq!(
            u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]),
            3_200
        );
        assert_eq!(wav.len(), 44 + 3_200);
    }

    #[test]
    fn the_speech_like_prompt_is_audible_and_pauses() {
        let samples = speech_like(Duration::from_secs(1));
        assert_eq!(samples.len(), 16_000);
        let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
        assert!(peak > 3_000, "peak {peak}");
        // The last 20 % of each 250 ms syllable is silent.
        assert!(samples[3_300..3_900].iter().all(|&s| s == 0));
    }
}
