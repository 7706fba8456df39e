//! Writing a WAV file: the header for a [`WavSpec`] and the samples in its format.

use super::{sanitize, SampleFormat, WavError, KSDATAFORMAT_SUFFIX, WAVE_FORMAT_EXTENSIBLE};
use crate::g711;

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
