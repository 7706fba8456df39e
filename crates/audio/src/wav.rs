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

/// A decoded WAV file, downmixed to mono at its original rate.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedWav {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels in the file (the samples below are their average).
    pub channels: u16,
    /// The sample encoding found.
    pub format: SampleFormat,
    /// Whether the file used `WAVE_FORMAT_EXTENSIBLE`.
    pub extensible: bool,
    /// Mono samples in [-1, 1].
    pub samples: Vec<f32>,
}

struct Format {
    format: SampleFormat,
    channels: u16,
    sample_rate: u32,
    extensible: bool,
}

#[inline]
fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

#[inline]
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn parse_format(body: &[u8]) -> Result<Format, WavError> {
    let bad = |reason| WavError::BadFormatChunk { reason };
    if body.len() < 16 {
        return Err(bad("shorter than 16 bytes"));
    }
    let tag = u16_at(body, 0).ok_or(bad("shorter than 16 bytes"))?;
    let channels = u16_at(body, 2).ok_or(bad("shorter than 16 bytes"))?;
    let sample_rate = u32_at(body, 4).ok_or(bad("shorter than 16 bytes"))?;
    let block_align = u16_at(body, 12).ok_or(bad("shorter than 16 bytes"))?;
    let bits = u16_at(body, 14).ok_or(bad("shorter than 16 bytes"))?;
    let (tag, extensible) = if tag == WAVE_FORMAT_EXTENSIBLE {
        let cb_size = u16_at(body, 16).ok_or(bad("extensible format without its extension"))?;
        if cb_size < 22 || body.len() < 40 {
            return Err(bad("extensible format extension shorter than 22 bytes"));
        }
        let guid = body
            .get(24..40)
            .ok_or(bad("extensible format extension shorter than 22 bytes"))?;
        let sub_tag =
            u16_at(guid, 0).ok_or(bad("extensible format extension shorter than 22 bytes"))?;
        if guid[2..] != KSDATAFORMAT_SUFFIX {
            return Err(WavError::UnsupportedFormat {
                tag: WAVE_FORMAT_EXTENSIBLE,
            });
        }
        (sub_tag, true)
    } else {
        (tag, false)
    };
    let format = SampleFormat::from_tag(tag, bits)?;
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(WavError::UnsupportedChannels { channels });
    }
    if !crate::resample::is_supported_rate(sample_rate) {
        return Err(WavError::UnsupportedSampleRate { rate: sample_rate });
    }
    let expected = u32::from(channels) * u32::from(format.bytes());
    if u32::from(block_align) != expected {
        return Err(WavError::BadBlockAlign {
            expected,
            found: block_align,
        });
    }
    Ok(Format {
        format,
        channels,
        sample_rate,
        extensible,
    })
}

/// Reads a WAV file with the default [`WavLimits`].
pub fn decode(bytes: &[u8]) -> Result<DecodedWav, WavError> {
    decode_with_limits(bytes, WavLimits::default())
}

/// Reads a WAV file, downmixing to mono at the file's own rate.
pub fn decode_with_limits(bytes: &[u8], limits: WavLimits) -> Result<DecodedWav, WavError> {
    if bytes.len() < 12 {
        return Err(WavError::TooShort { len: bytes.len() });
    }
    let id = |at: usize| -> [u8; 4] {
        let mut out = [0u8; 4];
        if let Some(src) = bytes.get(at..at + 4) {
            out.copy_from_slice(src);
        }
        out
    };
    if &id(0) != b"RIFF" {
        return Err(WavError::NotRiff { found: id(0) });
    }
    if &id(8) != b"WAVE" {
        return Err(WavError::NotWave { found: id(8) });
    }
    // The RIFF size field is often wrong (0, 0xFFFFFFFF, or stale after editing), so it is ignored:
    // chunks are walked to the end of the input and the walk stops once `fmt ` and `data` are found.
    let end = bytes.len();
    let mut format: Option<Format> = None;
    let mut data: Option<&[u8]> = None;
    let mut at = 12usize;
    let mut chunks = 0u32;
    while at + 8 <= end {
        chunks += 1;
        if chunks > limits.max_chunks {
            return Err(WavError::TooManyChunks {
                limit: limits.max_chunks,
            });
        }
        let chunk = id(at);
        let declared = u64::from(u32_at(bytes, at + 4).unwrap_or(0));
        let body_start = at + 8;
        let available = (end - body_start) as u64;
        if declared > available {
            // Before the audio, any chunk running past the end means the file is cut short.
            if data.is_none() {
                return Err(WavError::Truncated {
                    chunk,
                    declared,
                    available,
                });
            }
            // A truncated chunk after the audio (LIST, id3 ...) is not needed: stop walking.
            break;
        }
        let body_end = body_start + declared as usize;
        let body = bytes.get(body_start..body_end).unwrap_or(&[]);
        if &chunk == b"fmt " && format.is_none() {
            format = Some(parse_format(body)?);
        } else if &chunk == b"data" && data.is_none() {
            data = Some(body);
        }
        if format.is_some() && data.is_some() {
            break;
        }
        // Chunks are padded to an even length.
        at = body_end + (body_end & 1);
    }
    let format = format.ok_or(WavError::MissingChunk { chunk: *b"fmt " })?;
    let data = data.ok_or(WavError::MissingChunk { chunk: *b"data" })?;

    let block_align = format.channels * format.format.bytes();
    if data.len() % usize::from(block_align) != 0 {
        return Err(WavError::PartialFrame {
            data_len: data.len() as u64,
            block_align,
        });
    }
    let frames = data.len() / usize::from(block_align);
    let duration_ms = frames as u64 * 1000 / u64::from(format.sample_rate);
    if frames as u64 > u64::from(limits.max_seconds) * u64::from(format.sample_rate) {
        return Err(WavError::TooLong {
            duration_ms,
            limit_seconds: limits.max_seconds,
        });
    }

    let sample_bytes = usize::from(format.format.bytes());
    let scale = 1.0 / f32::from(format.channels);
    let samples = data
        .chunks_exact(usize::from(block_align))
        .map(|frame| {
            let sum: f32 = frame
                .chunks_exact(sample_bytes)
                .map(|s| format.format.decode(s))
                .sum();
            sum * scale
        })
        .collect();
    Ok(DecodedWav {
        sample_rate: format.sample_rate,
        channels: format.channels,
        format: format.format,
        extensible: format.extensible,
        samples,
    })
}

/// What to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavSpec {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels (samples are interleaved).
    pub channels: u16,
    /// Sample encoding.
    pub format: SampleFormat,
    /// Use `WAVE_FORMAT_EXTENSIBLE` (40-byte `fmt ` chunk).
    pub extensible: bool,
}

impl WavSpec {
    /// The engine's recording format: 16 kHz s16 with `channels` channels.
    pub fn engine(channels: u16) -> WavSpec {
        WavSpec {
            sample_rate: crate::SAMPLE_RATE,
            channels,
            format: SampleFormat::I16,
            extensible: false,
        }
    }

    /// The file header for `frames` sample frames: everything up to the first data byte.
    pub fn header(&self, frames: u64) -> Result<Vec<u8>, WavError> {
        if self.channels == 0 || self.sample_rate == 0 {
            return Err(WavError::CannotWrite {
                reason: "zero channels or zero sample rate",
            });
        }
        let block_align = u32::from(self.channels) * u32::from(self.format.bytes());
        let block_align16 = u16::try_from(block_align).map_err(|_| WavError::CannotWrite {
            reason: "too many channels",
        })?;
        let data_len = frames
            .checked_mul(u64::from(block_align))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(WavError::CannotWrite {
                reason: "more than 4 GiB of audio",
            })?;
        let fmt_len: u32 = if self.extensible { 40 } else { 16 };
        let riff_len =
            (4u64 + 8 + u64::from(fmt_len) + 8 + u64::from(data_len) + u64::from(data_len & 1))
                .try_into()
                .map_err(|_| WavError::CannotWrite {
                    reason: "more than 4 GiB of audio",
                })?;
        let bits = self.format.bytes() * 8;
        let mut out = Vec::with_capacity(68);
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&u32::to_le_bytes(riff_len));
        out.extend_from_slice(b"WAVE");
        out.extend_from_slice(b"fmt ");
        out.extend_from_slice(&fmt_len.to_le_bytes());
        let tag = if self.extensible {
            WAVE_FORMAT_EXTENSIBLE
        } else {
            self.format.tag()
        };
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&self.channels.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.to_le_bytes());
        out.extend_from_slice(&self.sample_rate.saturating_mul(block_align).to_le_bytes());
        out.extend_from_slice(&block_align16.to_le_bytes());
        out.extend_from_slice(&bits.to_le_bytes());
        if self.extensible {
            out.extend_from_slice(&22u16.to_le_bytes());
            out.extend_from_slice(&bits.to_le_bytes()); // valid bits
            let mask: u32 = if self.channels >= 32 {
                u32::MAX
            } else {
                (1u32 << self.channels) - 1
            };
            out.extend_from_slice(&mask.to_le_bytes());
            out.extend_from_slice(&self.format.tag().to_le_bytes());
            out.extend_from_slice(&KSDATAFORMAT_SUFFIX);
        }
        out.extend_from_slice(b"data");
        out.extend_from_slice(&data_len.to_le_bytes());
        Ok(out)
    }
}

/// Writes interleaved samples in [-1, 1] (clamped) as a complete WAV file.
pub fn encode(spec: WavSpec, interleaved: &[f32]) -> Result<Vec<u8>, WavError> {
    let channels = usize::from(spec.channels.max(1));
    if !interleaved.len().is_multiple_of(channels) {
        return Err(WavError::CannotWrite {
            reason: "sample count is not a multiple of the channel count",
        });
    }
    let mut out = spec.header((interleaved.len() / channels) as u64)?;
    out.reserve(interleaved.len() * usize::from(spec.format.bytes()) + 1);
    for &x in interleaved {
        let x = sanitize(x);
        match spec.format {
            SampleFormat::U8 => out.push((x * 128.0 + 128.0).round().clamp(0.0, 255.0) as u8),
            SampleFormat::I16 => {
                out.extend_from_slice(&((x * 32767.0).round() as i16).to_le_bytes())
            }
            SampleFormat::I24 => {
                let v = (f64::from(x) * 8_388_607.0).round() as i32;
                out.extend_from_slice(&v.to_le_bytes()[..3]);
            }
            SampleFormat::I32 => out.extend_from_slice(
                &((f64::from(x) * 2_147_483_647.0).round() as i32).to_le_bytes(),
            ),
            SampleFormat::F32 => out.extend_from_slice(&x.to_le_bytes()),
            SampleFormat::F64 => out.extend_from_slice(&f64::from(x).to_le_bytes()),
            SampleFormat::ALaw => out.push(g711::alaw_encode((x * 32767.0).round() as i16)),
            SampleFormat::MuLaw => out.push(g711::ulaw_encode((x * 32767.0).round() as i16)),
        }
    }
    if out.len() % 2 == 1 {
        out.push(0);
    }
    Ok(out)
}

/// Writes interleaved 16-bit samples as a canonical PCM WAV file.
pub fn encode_pcm16(
    sample_rate: u32,
    channels: u16,
    interleaved: &[i16],
) -> Result<Vec<u8>, WavError> {
    let spec = WavSpec {
        sample_rate,
        channels,
        format: SampleFormat::I16,
        extensible: false,
    };
    let channel_count = usize::from(channels.max(1));
    if !interleaved.len().is_multiple_of(channel_count) {
        return Err(WavError::CannotWrite {
            reason: "sample count is not a multiple of the channel count",
        });
    }
    let mut out = spec.header((interleaved.len() / channel_count) as u64)?;
    out.reserve(interleaved.len() * 2);
    for s in interleaved {
        out.extend_from_slice(&s.to_le_bytes());
    }
    Ok(out)
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
