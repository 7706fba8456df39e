//! The negotiated audio codecs and their per-leg encoder/decoder state, between RTP payloads and
//! the media plane's 16 kHz frames.
//!
//! - PCMU/PCMA (G.711, 8 kHz): the audio crate's tables ([`ringside_audio::g711`]) with its
//!   band-limited [`StreamResampler`] for 16 ↔ 8 kHz (one pair per leg, cloned from filters built
//!   once).
//! - G.722 (64 kbit/s, 16 kHz native, RTP clock 8000 per RFC 3551): the `audio-codec` crate
//!   (MIT, pure Rust, the spandsp/CMU implementation, slice in / slice out, no allocation). The
//!   ITU-T Appendix II test sequences exercise the ADPCM bands with the QMF filters bypassed, which
//!   that crate's API does not expose, so they are not run here; the tests check a 1 kHz tone's SNR
//!   through encoder and decoder instead (and the crate pins its own bitstream).

use std::sync::OnceLock;

use audio_codec::g722::{G722Decoder, G722Encoder};
use audio_codec::{Decoder as _, Encoder as _};
use ringside_audio::{g711, Frame, StreamResampler, FRAME_SAMPLES};

/// RTP timestamp units in one 20 ms frame (every supported codec has an 8 kHz RTP clock).
pub const FRAME_TICKS: u32 = 160;

/// Largest payload one 20 ms frame encodes to.
pub const MAX_FRAME_PAYLOAD: usize = 160;

/// A negotiated audio codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// G.711 μ-law, static payload type 0.
    Pcmu,
    /// G.711 A-law, static payload type 8.
    Pcma,
    /// G.722 at 64 kbit/s, static payload type 9.
    G722,
}

impl Codec {
    /// The static payload type (RFC 3551).
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::G722 => 9,
        }
    }

    /// The codec of a static payload type.
    pub const fn from_payload_type(pt: u8) -> Option<Codec> {
        match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            9 => Some(Codec::G722),
            _ => None,
        }
    }

    /// The SDP encoding name.
    pub const fn name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
        }
    }

    /// The RTP clock rate (8000 for all three; G.722's by RFC 3551's historical rule).
    pub const fn clock_rate(self) -> u32 {
        8000
    }

    /// 16 kHz samples a payload of `bytes` decodes to (2 per byte for all three codecs at 64 kbit/s).
    pub const fn samples_in(self, bytes: usize) -> usize {
        bytes * 2
    }
}

/// Clones a 16 → 8 kHz (`down`) or 8 → 16 kHz resampler from one designed once.
fn resampler(down: bool) -> Option<StreamResampler> {
    static DOWN: OnceLock<Option<StreamResampler>> = OnceLock::new();
    static UP: OnceLock<Option<StreamResampler>> = OnceLock::new();
    let (cell, from, to) = if down {
        (&DOWN, 16_000, 8_000)
    } else {
        (&UP, 8_000, 16_000)
    };
    cell.get_or_init(|| StreamResampler::new(from, to).ok())
        .clone()
}

/// G.711 law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Law {
    Mu,
    A,
}

/// One leg's encoder: a 16 kHz frame in, one payload out.
pub struct Encoder {
    codec: Codec,
    kind: EncoderKind,
}

enum EncoderKind {
    G711 {
        law: Law,
        down: Option<StreamResampler>,
        narrow: [i16; FRAME_SAMPLES / 2],
    },
    G722(G722Encoder),
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("codec", &self.codec)
            .finish()
    }
}

impl Encoder {
    /// A fresh encoder for `codec`.
    pub fn new(codec: Codec) -> Encoder {
        let kind = match codec {
            Codec::Pcmu | Codec::Pcma => EncoderKind::G711 {
                law: if codec == Codec::Pcmu {
                    Law::Mu
                } else {
                    Law::A
                },
                down: resampler(true),
                narrow: [0; FRAME_SAMPLES / 2],
            },
            Codec::G722 => EncoderKind::G722(G722Encoder::default()),
        };
        Encoder { codec, kind }
    }

    /// The codec.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Bytes held on the heap (the resampler's filter and history).
    pub fn heap_bytes(&self) -> usize {
        match &self.kind {
            EncoderKind::G711 { down, .. } => down.as_ref().map_or(0, StreamResampler::heap_bytes),
            EncoderKind::G722(_) => 0,
        }
    }

    /// Encodes one 20 ms frame into `out` (at least [`MAX_FRAME_PAYLOAD`] bytes); returns the
    /// payload length (0 if `out` is too small).
    pub fn encode(&mut self, frame: &Frame, out: &mut [u8]) -> usize {
        let Some(out) = out.get_mut(..MAX_FRAME_PAYLOAD) else {
            return 0;
        };
        match &mut self.kind {
            EncoderKind::G711 { law, down, narrow } => {
                match down {
                    Some(down) => {
                        down.process(frame, narrow);
                    }
                    // No filter (cannot happen for 16/8 kHz): plain decimation.
                    None => narrow
                        .iter_mut()
                        .zip(frame.iter().step_by(2))
                        .for_each(|(n, s)| *n = *s),
                }
                match law {
                    Law::Mu => g711::ulaw_encode_slice(narrow, out),
                    Law::A => g711::alaw_encode_slice(narrow, out),
                }
                MAX_FRAME_PAYLOAD
            }
            EncoderKind::G722(encoder) => encoder.encode_into(frame, out).unwrap_or(0),
        }
    }
}

/// One leg's decoder: a payload in, 16 kHz samples out.
pub struct Decoder {
    codec: Codec,
    kind: DecoderKind,
}

enum DecoderKind {
    G711 {
        law: Law,
        up: Option<StreamResampler>,
        narrow: [i16; FRAME_SAMPLES / 2],
    },
    G722(G722Decoder),
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("codec", &self.codec)
            .finish()
    }
}

impl Decoder {
    /// A fresh decoder for `codec`.
    pub fn new(codec: Codec) -> Decoder {
        let kind = match codec {
            Codec::Pcmu | Codec::Pcma => DecoderKind::G711 {
                law: if codec == Codec::Pcmu {
                    Law::Mu
                } else {
                    Law::A
                },
                up: resampler(false),
                narrow: [0; FRAME_SAMPLES / 2],
            },
            Codec::G722 => DecoderKind::G722(G722Decoder::default()),
        };
        Decoder { codec, kind }
    }

    /// The codec.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// Bytes held on the heap (the resampler's filter and history).
    pub fn heap_bytes(&self) -> usize {
        match &self.kind {
            DecoderKind::G711 { up, .. } => up.as_ref().map_or(0, StreamResampler::heap_bytes),
            DecoderKind::G722(_) => 0,
        }
    }

    /// Decodes `payload` into `out` as 16 kHz samples; returns how many were written (the payload
    /// is cut to what fits).
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> usize {
        let fits = payload.len().min(out.len() / 2);
        let payload = &payload[..fits];
        match &mut self.kind {
            DecoderKind::G711 { law, up, narrow } => {
                let mut written = 0;
                for chunk in payload.chunks(narrow.len()) {
                    let narrow = &mut narrow[..chunk.len()];
                    match law {
                        Law::Mu => g711::ulaw_decode_slice(chunk, narrow),
                        Law::A => g711::alaw_decode_slice(chunk, narrow),
                    }
                    written += upsample(up.as_mut(), narrow, &mut out[written..]);
                }
                written
            }
            DecoderKind::G722(decoder) => decoder.decode_into(payload, out).unwrap_or(0),
        }
    }
}

fn upsample(up: Option<&mut StreamResampler>, narrow: &[i16], out: &mut [i16]) -> usize {
    match up {
        Some(up) => up.process(narrow, out),
        None => {
            // Sample doubling (cannot happen for 8/16 kHz).
            for (pair, s) in out.chunks_exact_mut(2).zip(narrow) {
                pair.fill(*s);
            }
            (narrow.len() * 2).min(out.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ringside_audio::SILENT_FRAME;

    fn tone_frames(n: usize, hz: f64, amplitude: f64) -> Vec<Frame> {
        (0..n)
            .map(|f| {
                let mut frame = SILENT_FRAME;
                for (i, s) in frame.iter_mut().enumerate() {
                    let t = (f * FRAME_SAMPLES + i) as f64 / 16_000.0;
                    *s = (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16;
                }
                frame
            })
            .collect()
    }

    /// SNR of `out` against `input` after aligning by the best delay (the filters delay the signal)
    /// and the best gain.
    fn snr_db(input: &[i16], out: &[i16]) -> f64 {
        let skip = 640; // filter start-up
        (0..64)
            .map(|delay| {
                let pairs = input[skip..input.len() - 64]
                    .iter()
                    .zip(&out[skip + delay..])
                    .map(|(&a, &b)| (f64::from(a), f64::from(b)));
                let (mut ab, mut bb, mut aa) = (0.0, 0.0, 0.0);
                for (a, b) in pairs.clone() {
                    ab += a * b;
                    bb += b * b;
                    aa += a * a;
                }
                let gain = if bb > 0.0 { ab / bb } else { 0.0 };
                let noise: f64 = pairs.map(|(a, b)| (a - gain * b).powi(2)).sum();
                10.0 * (aa / noise.max(1e-9)).log10()
            })
            .fold(f64::MIN, f64::max)
    }

    fn round_trip(codec: Codec) -> f64 {
        let frames = tone_frames(50, 1000.0, 12_000.0);
        let (mut enc, mut dec) = (Encoder::new(codec), Decoder::new(codec));
        let (mut input, mut output) = (Vec::new(), Vec::new());
        for frame in &frames {
            let mut payload = [0u8; MAX_FRAME_PAYLOAD];
            let n = enc.encode(frame, &mut payload);
            assert_eq!(n, 160, "{codec:?} payload length");
            let mut pcm = [0i16; FRAME_SAMPLES];
            assert_eq!(dec.decode(&payload[..n], &mut pcm), FRAME_SAMPLES);
            input.extend_from_slice(frame);
            output.extend_from_slice(&pcm);
        }
        snr_db(&input, &output)
    }

    #[test]
    fn g711_keeps_a_1khz_tone_above_30_db_snr() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let snr = round_trip(codec);
            assert!(snr > 30.0, "{codec:?} snr {snr:.1} dB");
        }
    }

    #[test]
    fn g722_keeps_a_1khz_tone_above_30_db_snr() {
        let snr = round_trip(Codec::G722);
        assert!(snr > 30.0, "G722 snr {snr:.1} dB");
    }

    #[test]
    fn payload_types_map_both_ways() {
        for codec in [Codec::Pcmu, Codec::Pcma, Codec::G722] {
            assert_eq!(Codec::from_payload_type(codec.payload_type()), Some(codec));
        }
        assert_eq!(Codec::from_payload_type(101), None);
        assert_eq!(Codec::G722.clock_rate(), 8000);
    }

    #[test]
    fn odd_sizes_never_panic() {
        for codec in [Codec::Pcmu, Codec::Pcma, Codec::G722] {
            let mut dec = Decoder::new(codec);
            let mut small = [0i16; 7];
            assert!(dec.decode(&[0xFF; 500], &mut small) <= 7);
            assert_eq!(dec.decode(&[], &mut small), 0);
            let mut enc = Encoder::new(codec);
            assert_eq!(enc.encode(&SILENT_FRAME, &mut [0u8; 10]), 0);
        }
    }
}
