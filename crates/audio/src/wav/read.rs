//! Reading a WAV file: the RIFF header, the chunk walk to `fmt ` and `data` (with limits), the
//! format checks, and the downmix to mono.

use super::{
    SampleFormat, WavError, WavLimits, KSDATAFORMAT_SUFFIX, MAX_CHANNELS, WAVE_FORMAT_EXTENSIBLE,
};

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
    check_riff_header(bytes)?;
    let (format, data) = find_format_and_data(bytes, limits)?;
    check_data_size(&format, data, limits)?;
    Ok(DecodedWav {
        sample_rate: format.sample_rate,
        channels: format.channels,
        format: format.format,
        extensible: format.extensible,
        samples: downmix(&format, data),
    })
}

/// The four bytes at `at` (zeros past the end).
fn fourcc_at(bytes: &[u8], at: usize) -> [u8; 4] {
    let mut out = [0u8; 4];
    if let Some(src) = bytes.get(at..at + 4) {
        out.copy_from_slice(src);
    }
    out
}

/// The 12-byte `RIFF` … `WAVE` header.
fn check_riff_header(bytes: &[u8]) -> Result<(), WavError> {
    if bytes.len() < 12 {
        return Err(WavError::TooShort { len: bytes.len() });
    }
    if &fourcc_at(bytes, 0) != b"RIFF" {
        return Err(WavError::NotRiff {
            found: fourcc_at(bytes, 0),
        });
    }
    if &fourcc_at(bytes, 8) != b"WAVE" {
        return Err(WavError::NotWave {
            found: fourcc_at(bytes, 8),
        });
    }
    Ok(())
}

/// Walks the chunks after the RIFF header to the first `fmt ` (parsed) and the first `data`.
fn find_format_and_data(bytes: &[u8], limits: WavLimits) -> Result<(Format, &[u8]), WavError> {
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
        let chunk = fourcc_at(bytes, at);
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
    Ok((format, data))
}

/// The audio is whole frames and no longer than the limit.
fn check_data_size(format: &Format, data: &[u8], limits: WavLimits) -> Result<(), WavError> {
    let block_align = format.channels * format.format.bytes();
    if !data.len().is_multiple_of(usize::from(block_align)) {
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
    Ok(())
}

/// Each frame's samples averaged to one mono sample.
fn downmix(format: &Format, data: &[u8]) -> Vec<f32> {
    let block_align = format.channels * format.format.bytes();
    let sample_bytes = usize::from(format.format.bytes());
    let scale = 1.0 / f32::from(format.channels);
    data.chunks_exact(usize::from(block_align))
        .map(|frame| {
            let sum: f32 = frame
                .chunks_exact(sample_bytes)
                .map(|s| format.format.decode(s))
                .sum();
            sum * scale
        })
        .collect()
}
