//! WAV (RIFF/WAVE) reading and writing.
//!
//! The reader walks the RIFF chunks itself with limits (chunk count, duration) so that corrupt,
//! truncated, huge or unsupported input yields a precise [`WavError`] and never a panic or an
//! allocation sized by an unverified header field. Supported: PCM 8 (unsigned), 16, 24 and 32-bit
//! integer, 32 and 64-bit IEEE float, 8-bit A-law and μ-law, each plain or `WAVE_FORMAT_EXTENSIBLE`,
//! 1 to 8 channels (averaged to mono). The writer produces canonical 44-byte-header files (or the
//! extensible layout) in any of those sample formats; the engine itself records 16 kHz s16.

use std::fmt;

use crate::g711;

mod read;
mod write;

pub use read::{decode, decode_with_limits, DecodedWav};
pub use write::{encode, encode_pcm16, WavSpec};

const WAVE_FORMAT_PCM: u16 = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT: u16 = 0x0003;
const WAVE_FORMAT_ALAW: u16 = 0x0006;
const WAVE_FORMAT_MULAW: u16 = 0x0007;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes 2..16 of every KSDATAFORMAT_SUBTYPE_* GUID derived from a WAVE format tag.
const KSDATAFORMAT_SUFFIX: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];
/// Highest channel count the reader accepts.
pub const MAX_CHANNELS: u16 = 8;

/// Why a WAV file could not be read (or written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WavError {
    /// Shorter than the 12-byte RIFF header.
    TooShort {
        /// Input length in bytes.
        len: usize,
    },
    /// Does not start with `RIFF` (RF64 and other containers are not supported).
    NotRiff {
        /// The first four bytes.
        found: [u8; 4],
    },
    /// A RIFF file whose form type is not `WAVE`.
    NotWave {
        /// The form type found.
        found: [u8; 4],
    },
    /// A chunk (`fmt ` or `data`) declares more bytes than the file holds.
    Truncated {
        /// The chunk id.
        chunk: [u8; 4],
        /// Bytes the chunk header declares.
        declared: u64,
        /// Bytes actually present.
        available: u64,
    },
    /// No chunk with this id before the end of the file.
    MissingChunk {
        /// The chunk id (`fmt ` or `data`).
        chunk: [u8; 4],
    },
    /// More than [`WavLimits::max_chunks`] chunks before the audio.
    TooManyChunks {
        /// The limit.
        limit: u32,
    },
    /// The `fmt ` chunk is malformed.
    BadFormatChunk {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A format tag (or extensible sub-format) this reader does not decode.
    UnsupportedFormat {
        /// The WAVE format tag.
        tag: u16,
    },
    /// A sample size not supported for the format.
    UnsupportedBitsPerSample {
        /// The format's name.
        format: &'static str,
        /// The bits per sample declared.
        bits: u16,
    },
    /// Zero or more than [`MAX_CHANNELS`] channels.
    UnsupportedChannels {
        /// The channel count declared.
        channels: u16,
    },
    /// A sample rate outside the supported range or one the resampler cannot convert exactly.
    UnsupportedSampleRate {
        /// The rate in Hz.
        rate: u32,
    },
    /// `block_align` is not `channels * bytes_per_sample`.
    BadBlockAlign {
        /// The value the format implies.
        expected: u32,
        /// The value declared.
        found: u16,
    },
    /// The data chunk ends in the middle of a sample frame.
    PartialFrame {
        /// Data length in bytes.
        data_len: u64,
        /// Bytes per sample frame.
        block_align: u16,
    },
    /// Longer than [`WavLimits::max_seconds`].
    TooLong {
        /// Duration in milliseconds.
        duration_ms: u64,
        /// The limit in seconds.
        limit_seconds: u32,
    },
    /// (Writer) the audio does not fit in a RIFF file, or the spec is invalid.
    CannotWrite {
        /// What is wrong.
        reason: &'static str,
    },
}

fn fourcc(id: &[u8; 4]) -> String {
    id.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::TooShort { len } => write!(f, "not a WAV file: only {len} bytes, a RIFF header needs 12"),
            WavError::NotRiff { found } => {
                write!(f, "not a WAV file: starts with '{}', expected 'RIFF'", fourcc(found))
            }
            WavError::NotWave { found } => {
                write!(f, "not a WAV file: RIFF form type '{}', expected 'WAVE'", fourcc(found))
            }
            WavError::Truncated { chunk, declared, available } => write!(
                f,
                "truncated WAV file: chunk '{}' declares {declared} bytes but only {available} are present",
                fourcc(chunk)
            ),
            WavError::MissingChunk { chunk } => write!(f, "invalid WAV file: no '{}' chunk", fourcc(chunk)),
            WavError::TooManyChunks { limit } => {
                write!(f, "invalid WAV file: more than {limit} chunks before the audio data")
            }
            WavError::BadFormatChunk { reason } => write!(f, "invalid WAV 'fmt ' chunk: {reason}"),
            WavError::UnsupportedFormat { tag } => write!(
                f,
                "unsupported WAV encoding (format tag {tag:#06x}); supported: PCM, IEEE float, A-law, mu-law"
            ),
            WavError::UnsupportedBitsPerSample { format, bits } => {
                write!(f, "unsupported WAV sample size: {bits}-bit {format}")
            }
            WavError::UnsupportedChannels { channels } => {
                write!(f, "unsupported WAV channel count {channels} (1 to {MAX_CHANNELS})")
            }
            WavError::UnsupportedSampleRate { rate } => write!(
                f,
                "unsupported WAV sample rate {rate} Hz (supported: 4000 to 192000 Hz, e.g. 8, 11.025, 16, 22.05, 24, 32, 44.1, 48 kHz)"
            ),
            WavError::BadBlockAlign { expected, found } => {
                write!(f, "invalid WAV file: block align {found}, the format implies {expected}")
            }
            WavError::PartialFrame { data_len, block_align } => write!(
                f,
                "truncated WAV file: {data_len} data bytes is not a whole number of {block_align}-byte sample frames"
            ),
            WavError::TooLong { duration_ms, limit_seconds } => write!(
                f,
                "WAV file too long: {}.{:03} s, the limit is {limit_seconds} s",
                duration_ms / 1000,
                duration_ms % 1000
            ),
            WavError::CannotWrite { reason } => write!(f, "cannot write WAV: {reason}"),
        }
    }
}

impl std::error::Error for WavError {}

/// Limits applied while reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavLimits {
    /// Longest accepted duration in seconds.
    pub max_seconds: u32,
    /// Most chunks walked before the `data` chunk is found.
    pub max_chunks: u32,
}

impl Default for WavLimits {
    /// 10 minutes, 64 chunks.
    fn default() -> Self {
        WavLimits {
            max_seconds: 600,
            max_chunks: 64,
        }
    }
}

/// A sample encoding, for reading and writing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleFormat {
    /// 8-bit unsigned PCM (128 = silence).
    U8,
    /// 16-bit signed PCM.
    I16,
    /// 24-bit signed PCM (3 bytes).
    I24,
    /// 32-bit signed PCM.
    I32,
    /// 32-bit IEEE float in [-1, 1].
    F32,
    /// 64-bit IEEE float in [-1, 1].
    F64,
    /// 8-bit G.711 A-law.
    ALaw,
    /// 8-bit G.711 μ-law.
    MuLaw,
}

impl SampleFormat {
    /// Bytes per sample.
    pub fn bytes(self) -> u16 {
        match self {
            SampleFormat::U8 | SampleFormat::ALaw | SampleFormat::MuLaw => 1,
            SampleFormat::I16 => 2,
            SampleFormat::I24 => 3,
            SampleFormat::I32 | SampleFormat::F32 => 4,
            SampleFormat::F64 => 8,
        }
    }

    fn tag(self) -> u16 {
        match self {
            SampleFormat::U8 | SampleFormat::I16 | SampleFormat::I24 | SampleFormat::I32 => {
                WAVE_FORMAT_PCM
            }
            SampleFormat::F32 | SampleFormat::F64 => WAVE_FORMAT_IEEE_FLOAT,
            SampleFormat::ALaw => WAVE_FORMAT_ALAW,
            SampleFormat::MuLaw => WAVE_FORMAT_MULAW,
        }
    }

    fn from_tag(tag: u16, bits: u16) -> Result<SampleFormat, WavError> {
        match tag {
            WAVE_FORMAT_PCM => match bits {
                8 => Ok(SampleFormat::U8),
                16 => Ok(SampleFormat::I16),
                24 => Ok(SampleFormat::I24),
                32 => Ok(SampleFormat::I32),
                _ => Err(WavError::UnsupportedBitsPerSample {
                    format: "PCM",
                    bits,
                }),
            },
            WAVE_FORMAT_IEEE_FLOAT => match bits {
                32 => Ok(SampleFormat::F32),
                64 => Ok(SampleFormat::F64),
                _ => Err(WavError::UnsupportedBitsPerSample {
                    format: "IEEE float",
                    bits,
                }),
            },
            WAVE_FORMAT_ALAW | WAVE_FORMAT_MULAW => match bits {
                8 => Ok(if tag == WAVE_FORMAT_ALAW {
                    SampleFormat::ALaw
                } else {
                    SampleFormat::MuLaw
                }),
                _ => Err(WavError::UnsupportedBitsPerSample {
                    format: "G.711",
                    bits,
                }),
            },
            _ => Err(WavError::UnsupportedFormat { tag }),
        }
    }

    /// Decodes one sample (exactly `self.bytes()` bytes) to [-1, 1].
    #[inline]
    fn decode(self, b: &[u8]) -> f32 {
        match (self, b) {
            (SampleFormat::U8, [x, ..]) => (f32::from(*x) - 128.0) / 128.0,
            (SampleFormat::I16, [a, b, ..]) => f32::from(i16::from_le_bytes([*a, *b])) / 32768.0,
            (SampleFormat::I24, [a, b, c, ..]) => {
                (i32::from_le_bytes([0, *a, *b, *c]) >> 8) as f32 / 8_388_608.0
            }
            (SampleFormat::I32, [a, b, c, d, ..]) => {
                i32::from_le_bytes([*a, *b, *c, *d]) as f32 / 2_147_483_648.0
            }
            (SampleFormat::F32, [a, b, c, d, ..]) => sanitize(f32::from_le_bytes([*a, *b, *c, *d])),
            (SampleFormat::F64, [a, b, c, d, e, f, g, h, ..]) => {
                sanitize(f64::from_le_bytes([*a, *b, *c, *d, *e, *f, *g, *h]) as f32)
            }
            (SampleFormat::ALaw, [x, ..]) => f32::from(g711::alaw_decode(*x)) / 32768.0,
            (SampleFormat::MuLaw, [x, ..]) => f32::from(g711::ulaw_decode(*x)) / 32768.0,
            _ => 0.0,
        }
    }
}

fn sanitize(x: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(-1.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(format: SampleFormat, channels: u16, extensible: bool) -> WavSpec {
        WavSpec {
            sample_rate: 16_000,
            channels,
            format,
            extensible,
        }
    }

    #[test]
    fn every_format_round_trips() {
        let ramp: Vec<f32> = (0..200).map(|i| (i as f32 - 100.0) / 101.0).collect();
        for format in [
            SampleFormat::U8,
            SampleFormat::I16,
            SampleFormat::I24,
            SampleFormat::I32,
            SampleFormat::F32,
            SampleFormat::F64,
            SampleFormat::ALaw,
            SampleFormat::MuLaw,
        ] {
            for extensible in [false, true] {
                let bytes = encode(spec(format, 1, extensible), &ramp).unwrap();
                let wav = decode(&bytes).unwrap();
                assert_eq!(wav.format, format);
                assert_eq!(wav.extensible, extensible);
                assert_eq!(wav.samples.len(), ramp.len());
                let tolerance = match format {
                    SampleFormat::U8 => 0.01,
                    SampleFormat::ALaw | SampleFormat::MuLaw => 0.04,
                    _ => 1e-4,
                };
                for (a, b) in ramp.iter().zip(&wav.samples) {
                    assert!((a - b).abs() <= tolerance, "{format:?}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn stereo_is_averaged_and_pcm16_writer_is_canonical() {
        let bytes = encode_pcm16(8000, 2, &[1000, 3000, -2000, -4000]).unwrap();
        assert_eq!(bytes.len(), 44 + 8);
        assert_eq!(&bytes[36..40], b"data");
        let wav = decode(&bytes).unwrap();
        assert_eq!(wav.channels, 2);
        assert_eq!(wav.sample_rate, 8000);
        assert_eq!(wav.samples, vec![2000.0 / 32768.0, -3000.0 / 32768.0]);
    }

    #[test]
    fn precise_errors() {
        let good = encode_pcm16(16_000, 1, &[1, 2, 3, 4]).unwrap();
        assert_eq!(decode(&good[..5]), Err(WavError::TooShort { len: 5 }));
        let mut not_riff = good.clone();
        not_riff[..4].copy_from_slice(b"RIFX");
        assert_eq!(
            decode(&not_riff),
            Err(WavError::NotRiff { found: *b"RIFX" })
        );
        let mut not_wave = good.clone();
        not_wave[8..12].copy_from_slice(b"AVI ");
        assert_eq!(
            decode(&not_wave),
            Err(WavError::NotWave { found: *b"AVI " })
        );
        assert_eq!(
            decode(&good[..good.len() - 2]),
            Err(WavError::Truncated {
                chunk: *b"data",
                declared: 8,
                available: 6
            })
        );
        assert_eq!(
            decode(&good[..36]),
            Err(WavError::MissingChunk { chunk: *b"data" })
        );
        let mut odd = good.clone();
        odd[40] = 7; // data length 7 with 2-byte frames
        assert_eq!(
            decode(&odd),
            Err(WavError::PartialFrame {
                data_len: 7,
                block_align: 2
            })
        );
        let mut adpcm = good.clone();
        adpcm[20] = 2;
        assert_eq!(decode(&adpcm), Err(WavError::UnsupportedFormat { tag: 2 }));
        let mut bits = good.clone();
        bits[34] = 12;
        assert_eq!(
            decode(&bits),
            Err(WavError::UnsupportedBitsPerSample {
                format: "PCM",
                bits: 12
            })
        );
        let mut channels = good.clone();
        channels[22] = 9;
        assert_eq!(
            decode(&channels),
            Err(WavError::UnsupportedChannels { channels: 9 })
        );
        let mut rate = good.clone();
        rate[24..28].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(
            decode(&rate),
            Err(WavError::UnsupportedSampleRate { rate: 1000 })
        );
        let mut align = good.clone();
        align[32] = 4;
        assert_eq!(
            decode(&align),
            Err(WavError::BadBlockAlign {
                expected: 2,
                found: 4
            })
        );
        let long = encode_pcm16(16_000, 1, &vec![0; 32_001]).unwrap();
        assert_eq!(
            decode_with_limits(
                &long,
                WavLimits {
                    max_seconds: 2,
                    max_chunks: 8
                }
            ),
            Err(WavError::TooLong {
                duration_ms: 2000,
                limit_seconds: 2
            })
        );
        let message = decode(&good[..good.len() - 2]).unwrap_err().to_string();
        assert!(
            message.contains("truncated") && message.contains("'data'"),
            "{message}"
        );
    }

    #[test]
    fn skips_unknown_and_odd_sized_chunks_and_honours_chunk_limit() {
        let good = encode_pcm16(16_000, 1, &[5, 6]).unwrap();
        let mut with_junk = good[..12].to_vec();
        with_junk.extend_from_slice(b"LIST");
        with_junk.extend_from_slice(&3u32.to_le_bytes());
        with_junk.extend_from_slice(&[1, 2, 3, 0]); // odd body + pad
        with_junk.extend_from_slice(&good[12..]);
        let wav = decode(&with_junk).unwrap();
        assert_eq!(wav.samples.len(), 2);
        assert_eq!(
            decode_with_limits(
                &with_junk,
                WavLimits {
                    max_seconds: 10,
                    max_chunks: 2
                }
            ),
            Err(WavError::TooManyChunks { limit: 2 })
        );
    }
}
