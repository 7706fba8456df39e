//! Tests of the exact small-ratio path against the general kernel: same output within one LSB,
//! the same output whatever the block sizes (no clicks at 20 ms frame boundaries), and the same
//! pass-band ripple, stop-band attenuation and tone SNR.

use proptest::prelude::*;

use super::StreamResampler;

/// The exact ratios the media paths use, plus two more the path covers (8 ↔ 24 kHz, 48 → 16 kHz).
const RATIOS: [(u32, u32); 7] = [
    (8_000, 16_000),
    (16_000, 8_000),
    (16_000, 24_000),
    (24_000, 16_000),
    (8_000, 24_000),
    (24_000, 8_000),
    (48_000, 16_000),
];

fn stream(from: u32, to: u32) -> StreamResampler {
    StreamResampler::new(from, to).unwrap()
}

/// Streams `input` in blocks of the given sizes (cycled), collecting what comes out.
fn run(stream: &mut StreamResampler, input: &[i16], blocks: &[usize]) -> Vec<i16> {
    let mut out = Vec::new();
    let mut buf = vec![0i16; 8 * blocks.iter().max().copied().unwrap_or(1) + 8];
    let mut rest = input;
    for &block in blocks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(block.clamp(1, rest.len()));
        rest = tail;
        let expected = stream.output_len(chunk.len());
        let n = stream.process(chunk, &mut buf);
        assert_eq!(n, expected);
        out.extend_from_slice(&buf[..n]);
    }
    out
}

fn frame(rate: u32) -> usize {
    rate as usize / 50
}

fn sine(freq: f64, rate: u32, len: usize, amplitude: f64) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let t = n as f64 / f64::from(rate);
            (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

#[test]
fn the_media_ratios_take_the_exact_path_and_others_do_not() {
    for (from, to) in RATIOS {
        assert!(stream(from, to).exact, "{from} → {to}");
    }
    for (from, to) in [
        (22_050, 16_000),
        (44_100, 16_000),
        (16_000, 16_000),
        (32_000, 24_000),
    ] {
        assert!(!stream(from, to).exact, "{from} → {to}");
    }
    // Much longer filters than the stack scratch holds stay on the general kernel.
    let long = super::Design {
        attenuation_db: 140.0,
        passband: 0.98,
    };
    assert!(
        !StreamResampler::with_design(8_000, 16_000, long)
            .unwrap()
            .exact
    );
}

#[test]
fn output_does_not_depend_on_block_sizes_on_any_exact_ratio() {
    for (from, to) in RATIOS {
        let input = crate::testsignal::white_noise(11, -6.0, from as usize / 2);
        let whole = run(&mut stream(from, to), &input, &[input.len()]);
        assert_eq!(whole.len(), to as usize / 2, "{from} → {to}");
        for blocks in [
            vec![frame(from)],
            vec![1],
            vec![7],
            vec![1000],
            vec![3, 160, 5, 999],
        ] {
            let out = run(&mut stream(from, to), &input, &blocks);
            assert_eq!(out, whole, "{from} → {to} in blocks {blocks:?}");
        }
    }
}

#[test]
fn a_tone_streamed_in_20_ms_frames_has_no_clicks_at_the_boundaries() {
    for (from, to) in RATIOS {
        let tone = sine(700.0, from, from as usize, 20_000.0);
        let out = run(&mut stream(from, to), &tone, &[frame(from)]);
        // The second difference of a sine of amplitude A is at most A·ω²; a click would be far
        // above it. Skip the filter's start-up (first 50 ms).
        let w = 2.0 * std::f64::consts::PI * 700.0 / f64::from(to);
        let bound = 20_000.0 * w * w * 1.02 + 3.0;
        let step = frame(to);
        for n in (step..out.len() - 1).filter(|n| n % step == 0 || n % step == step - 1) {
            if n < out.len() / 20 {
                continue;
            }
            let d2 = f64::from(out[n + 1]) - 2.0 * f64::from(out[n]) + f64::from(out[n - 1]);
            assert!(
                d2.abs() <= bound,
                "{from} → {to}: {d2} at {n} (bound {bound})"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_exact_path_matches_the_general_kernel_within_one_lsb(
        ratio in 0..RATIOS.len(),
        input in proptest::collection::vec(any::<i16>(), 0..2_000),
        blocks in proptest::collection::vec(1usize..700, 1..6),
    ) {
        let (from, to) = RATIOS[ratio];
        let fast = run(&mut stream(from, to), &input, &blocks);
        let general = run(&mut stream(from, to).general(), &input, &blocks);
        prop_assert_eq!(fast.len(), general.len());
        for (i, (a, b)) in fast.iter().zip(&general).enumerate() {
            prop_assert!((i32::from(*a) - i32::from(*b)).abs() <= 1, "{} → {}: {} vs {} at {}", from, to, a, b, i);
        }
    }
}

/// Power of `freq` in `x` (Goertzel), normalised so a unit sine gives 0.5.
fn tone_power(x: &[i16], freq: f64, rate: u32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = f64::from(v) + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.len() as f64).powi(2)
}

fn mean_square(x: &[i16]) -> f64 {
    x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64
}

/// Quality figures of one direction and its way back.
#[derive(Debug)]
struct Quality {
    /// Max − min gain in dB over tones up to the pass-band edge (one way).
    ripple_db: f64,
    /// Smallest attenuation in dB of a tone in the stop band (everything it leaves behind).
    stopband_db: f64,
    /// A 1 kHz tone through there and back: tone to everything else, in dB.
    snr_db: f64,
}

/// Measures `from → to` (the lower rate's Nyquist is the stop-band edge) and back.
fn quality(from: u32, to: u32, general: bool) -> Quality {
    let make = |a: u32, b: u32| {
        let s = stream(a, b);
        if general {
            s.general()
        } else {
            s
        }
    };
    let low = from.min(to);
    let settled = |x: &[i16]| x[x.len() / 4..].to_vec();
    let amplitude = 29_000.0;
    let gains: Vec<f64> = (1..)
        .map(|k| f64::from(k) * 100.0)
        .take_while(|&f| f <= 0.8 * f64::from(low) / 2.0)
        .map(|f| {
            let out = settled(&run(
                &mut make(from, to),
                &sine(f, from, from as usize / 2, amplitude),
                &[frame(from)],
            ));
            10.0 * (tone_power(&out, f, to) / (amplitude * amplitude / 2.0)).log10()
        })
        .collect();
    let ripple_db = gains.iter().cloned().fold(f64::MIN, f64::max)
        - gains.iter().cloned().fold(f64::MAX, f64::min);
    // Stop band: tones above the lower Nyquist at the higher rate, downsampled (whatever the
    // direction measured, its filter is the same design).
    let (hi, lo) = (from.max(to), low);
    let stopband_db = (0..)
        .map(|k| f64::from(lo) / 2.0 + 50.0 * f64::from(k))
        .take_while(|&f| f < f64::from(hi) / 2.0)
        .map(|f| {
            let out = settled(&run(
                &mut make(hi, lo),
                &sine(f, hi, hi as usize / 2, amplitude),
                &[frame(hi)],
            ));
            10.0 * ((amplitude * amplitude / 2.0) / mean_square(&out).max(1e-3)).log10()
        })
        .fold(f64::MAX, f64::min);
    let tone = sine(1000.0, from, from as usize, amplitude / 2.0);
    let there = run(&mut make(from, to), &tone, &[frame(from)]);
    let back = settled(&run(&mut make(to, from), &there, &[frame(to)]));
    let p = tone_power(&back, 1000.0, from);
    let snr_db = 10.0 * (p / (mean_square(&back) - p).max(1e-9)).log10();
    Quality {
        ripple_db,
        stopband_db,
        snr_db,
    }
}

#[test]
fn the_exact_path_is_as_good_as_the_general_kernel() {
    for (from, to) in [
        (8_000, 16_000),
        (16_000, 8_000),
        (16_000, 24_000),
        (24_000, 16_000),
    ] {
        let fast = quality(from, to, false);
        let general = quality(from, to, true);
        eprintln!("{from} → {to}: exact {fast:?}, general {general:?}");
        assert!(
            fast.ripple_db <= general.ripple_db + 0.01,
            "{from} → {to}: {fast:?} vs {general:?}"
        );
        assert!(
            fast.stopband_db >= general.stopband_db - 0.5,
            "{from} → {to}: {fast:?} vs {general:?}"
        );
        assert!(
            fast.snr_db >= general.snr_db - 0.5,
            "{from} → {to}: {fast:?} vs {general:?}"
        );
        // The design's own promises (70 dB stop band) hold on both.
        assert!(
            fast.stopband_db > 65.0 && fast.ripple_db < 0.1 && fast.snr_db > 70.0,
            "{fast:?}"
        );
    }
}
