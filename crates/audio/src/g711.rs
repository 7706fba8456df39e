//! Table-based G.711 μ-law and A-law codecs (ITU-T G.711, the classic reference algorithms).
//!
//! Encoding looks up a table indexed by the top 14 (μ-law) or 13 (A-law) bits of the sample; decoding
//! looks up a 256-entry table. All tables are built at compile time.

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 8159;
const SEG_UEND: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
const SEG_AEND: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

const fn segment(value: i32, table: &[i32; 8]) -> i32 {
    let mut i = 0;
    while i < 8 {
        if value <= table[i] {
            return i as i32;
        }
        i += 1;
    }
    8
}

/// Reference μ-law encoder on a 14-bit sample (`pcm >> 2`).
const fn ulaw_from_14bit(pcm14: i32) -> u8 {
    let (mut value, mask) = if pcm14 < 0 {
        (-pcm14, 0x7F)
    } else {
        (pcm14, 0xFF)
    };
    if value > ULAW_CLIP {
        value = ULAW_CLIP;
    }
    value += ULAW_BIAS >> 2;
    let seg = segment(value, &SEG_UEND);
    if seg >= 8 {
        (0x7F ^ mask) as u8
    } else {
        (((seg << 4) | ((value >> (seg + 1)) & 0xF)) ^ mask) as u8
    }
}

const fn ulaw_to_linear(byte: u8) -> i16 {
    let u = !byte as i32;
    let mut t = ((u & 0x0F) << 3) + ULAW_BIAS;
    t <<= (u & 0x70) >> 4;
    (if u & 0x80 != 0 {
        ULAW_BIAS - t
    } else {
        t - ULAW_BIAS
    }) as i16
}

/// Reference A-law encoder on a 13-bit sample (`pcm >> 3`).
const fn alaw_from_13bit(pcm13: i32) -> u8 {
    let (value, mask) = if pcm13 >= 0 {
        (pcm13, 0xD5)
    } else {
        (-pcm13 - 1, 0x55)
    };
    let seg = segment(value, &SEG_AEND);
    if seg >= 8 {
        (0x7F ^ mask) as u8
    } else {
        let mantissa = if seg < 2 {
            (value >> 1) & 0xF
        } else {
            (value >> seg) & 0xF
        };
        (((seg << 4) | mantissa) ^ mask) as u8
    }
}

const fn alaw_to_linear(byte: u8) -> i16 {
    let a = (byte ^ 0x55) as i32;
    let mut t = (a & 0x0F) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

static ULAW_ENCODE: [u8; 16384] = {
    let mut table = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        table[i] = ulaw_from_14bit(i as i32 - 8192);
        i += 1;
    }
    table
};

static ALAW_ENCODE: [u8; 8192] = {
    let mut table = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        table[i] = alaw_from_13bit(i as i32 - 4096);
        i += 1;
    }
    table
};

static ULAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = ulaw_to_linear(i as u8);
        i += 1;
    }
    table
};

static ALAW_DECODE: [i16; 256] = {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = alaw_to_linear(i as u8);
        i += 1;
    }
    table
};

/// Encodes one sample to μ-law.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    ULAW_ENCODE[((i32::from(sample) >> 2) + 8192) as usize]
}

/// Decodes one μ-law byte.
#[inline]
pub fn ulaw_decode(byte: u8) -> i16 {
    ULAW_DECODE[usize::from(byte)]
}

/// Encodes one sample to A-law.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    ALAW_ENCODE[((i32::from(sample) >> 3) + 4096) as usize]
}

/// Decodes one A-law byte.
#[inline]
pub fn alaw_decode(byte: u8) -> i16 {
    ALAW_DECODE[usize::from(byte)]
}

/// Encodes `samples` to μ-law into `out` (pairs up to the shorter of the two).
pub fn ulaw_encode_slice(samples: &[i16], out: &mut [u8]) {
    for (o, &s) in out.iter_mut().zip(samples) {
        *o = ulaw_encode(s);
    }
}

/// Decodes μ-law `bytes` into `out` (pairs up to the shorter of the two).
pub fn ulaw_decode_slice(bytes: &[u8], out: &mut [i16]) {
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = ulaw_decode(b);
    }
}

/// Encodes `samples` to A-law into `out` (pairs up to the shorter of the two).
pub fn alaw_encode_slice(samples: &[i16], out: &mut [u8]) {
    for (o, &s) in out.iter_mut().zip(samples) {
        *o = alaw_encode(s);
    }
}

/// Decodes A-law `bytes` into `out` (pairs up to the shorter of the two).
pub fn alaw_decode_slice(bytes: &[u8], out: &mut [i16]) {
    for (o, &b) in out.iter_mut().zip(bytes) {
        *o = alaw_decode(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(alaw_decode(0xD5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32256);
        assert_eq!(alaw_decode(0x2A), -32256);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
    }

    #[test]
    fn every_code_round_trips() {
        for byte in 0..=255u8 {
            let linear = ulaw_decode(byte);
            assert_eq!(ulaw_decode(ulaw_encode(linear)), linear, "ulaw {byte:#x}");
            let linear = alaw_decode(byte);
            assert_eq!(alaw_encode(linear), byte, "alaw {byte:#x}");
        }
    }

    #[test]
    fn quantisation_error_is_bounded_and_monotonic() {
        let mut previous_u = i16::MIN;
        let mut previous_a = i16::MIN;
        for sample in i16::MIN..=i16::MAX {
            let u = ulaw_decode(ulaw_encode(sample));
            let a = alaw_decode(alaw_encode(sample));
            // Step size grows with magnitude: the error stays within ~10 % (plus the clipped top).
            let magnitude = i32::from(sample).abs().min(32124);
            let bound_u =
                (magnitude / 10).max(12) + 256 * i32::from(i32::from(sample).abs() > 32124);
            let bound_a =
                (magnitude / 10).max(20) + 512 * i32::from(i32::from(sample).abs() > 32256);
            assert!(
                (i32::from(u) - i32::from(sample)).abs() <= bound_u,
                "ulaw {sample} -> {u}"
            );
            assert!(
                (i32::from(a) - i32::from(sample)).abs() <= bound_a,
                "alaw {sample} -> {a}"
            );
            assert!(u >= previous_u && a >= previous_a, "monotonic at {sample}");
            previous_u = u;
            previous_a = a;
        }
    }

    #[test]
    fn slices_round_trip_a_sine_with_good_snr() {
        let sine: Vec<i16> = (0..1600)
            .map(|n| {
                (16000.0 * (2.0 * std::f64::consts::PI * 1004.0 * n as f64 / 16000.0).sin()) as i16
            })
            .collect();
        for (encode, decode) in [
            (
                ulaw_encode_slice as fn(&[i16], &mut [u8]),
                ulaw_decode_slice as fn(&[u8], &mut [i16]),
            ),
            (alaw_encode_slice, alaw_decode_slice),
        ] {
            let mut bytes = vec![0u8; sine.len()];
            let mut back = vec![0i16; sine.len()];
            encode(&sine, &mut bytes);
            decode(&bytes, &mut back);
            let signal: f64 = sine.iter().map(|&s| f64::from(s).powi(2)).sum();
            let noise: f64 = sine
                .iter()
                .zip(&back)
                .map(|(&s, &b)| (f64::from(s) - f64::from(b)).powi(2))
                .sum();
            let snr = 10.0 * (signal / noise).log10();
            assert!(snr > 33.0, "snr {snr}");
        }
    }
}
