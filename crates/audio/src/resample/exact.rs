//! The exact small-ratio path of [`super::StreamResampler`] (8 ↔ 16 kHz, 16 ↔ 24 kHz and any
//! other `up:down` with both at most 3): the same polyphase filter bank, vectorised across
//! outputs instead of across taps.
//!
//! Outputs come in periods of `up` (one per output class `r`), and a period consumes `down`
//! inputs, so output `r` of period `P` is a plain FIR over the input taken with stride `down`.
//! A chunk of periods is de-interleaved into `down` contiguous streams on the stack; each class
//! then accumulates [`LANES`] periods at once, one broadcast coefficient per tap: no horizontal
//! sums, no division or bounds arithmetic per output. Partial periods (block sizes that are not
//! whole periods) take the scalar route, which adds the products in the same order as a lane, so
//! the output is bit for bit the same whatever the block sizes.

/// Largest interpolation or decimation factor the path handles.
pub(super) const MAX_FACTOR: u64 = 3;
/// Largest filter (taps per phase) the path handles (the stack scratch is sized for it).
pub(super) const MAX_TAPS: usize = 192;
/// Periods computed together (one accumulator per lane).
const LANES: usize = 16;
/// Periods de-interleaved at a time (a multiple of [`LANES`]).
const CHUNK: usize = 64;
/// Length of one de-interleaved stream in the scratch.
const STRIDE: usize = CHUNK + MAX_TAPS;
/// Scratch floats: `MAX_FACTOR` streams.
const SCRATCH: usize = MAX_FACTOR as usize * STRIDE;

/// The filter bank and ratio, borrowed from the resampler for one block.
pub(super) struct Bank<'a> {
    /// `up` phases of `taps` coefficients, oldest input first.
    pub(super) table: &'a [f32],
    pub(super) taps: usize,
    pub(super) up: u64,
    pub(super) down: u64,
}

/// Where one block's outputs go: `out[n - first_output]` for output `n` (dropped past the end).
pub(super) struct Sink<'a> {
    pub(super) out: &'a mut [i16],
    pub(super) first_output: u64,
    pub(super) written: usize,
}

impl Sink<'_> {
    fn put(&mut self, n: u64, value: f32) {
        let slot = usize::try_from(n - self.first_output)
            .ok()
            .and_then(|i| self.out.get_mut(i));
        if let Some(slot) = slot {
            *slot = crate::clamp_i16(value);
            self.written += 1;
        }
    }
}

/// True if `up:down` with `taps` per phase runs on this path.
pub(super) fn applies(up: u64, down: u64, taps: usize) -> bool {
    up <= MAX_FACTOR && down <= MAX_FACTOR && (up, down) != (1, 1) && taps <= MAX_TAPS
}

/// Computes outputs `*produced .. end` from `history` (its index 0 is input `first`; the window of
/// output `n` starts at input `n * down / up - first`), advancing `*produced`.
pub(super) fn run(
    bank: &Bank<'_>,
    history: &[f32],
    first: u64,
    produced: &mut u64,
    end: u64,
    sink: &mut Sink<'_>,
) {
    let up = bank.up;
    while *produced < end && !(*produced).is_multiple_of(up) {
        scalar(bank, history, first, *produced, sink);
        *produced += 1;
    }
    let mut scratch = [0f32; SCRATCH];
    loop {
        let periods = ((end - *produced) / up).min(CHUNK as u64) as usize;
        let periods = periods - periods % LANES;
        if periods == 0 {
            break;
        }
        chunk(bank, history, first, *produced, periods, &mut scratch, sink);
        *produced += periods as u64 * up;
    }
    while *produced < end {
        scalar(bank, history, first, *produced, sink);
        *produced += 1;
    }
}

/// Output `n`, adding the products oldest tap first (as a lane does).
fn scalar(bank: &Bank<'_>, history: &[f32], first: u64, n: u64, sink: &mut Sink<'_>) {
    let q = n * bank.down;
    let newest = q / bank.up;
    let phase = (q - newest * bank.up) as usize;
    let start = newest.saturating_sub(first) as usize;
    let coefficients = bank.table.get(phase * bank.taps..(phase + 1) * bank.taps);
    let window = history.get(start..start + bank.taps);
    if let (Some(c), Some(w)) = (coefficients, window) {
        let y = c.iter().zip(w).fold(0f32, |acc, (c, x)| acc + c * x);
        sink.put(n, y);
    }
}

/// `periods` whole periods (a multiple of [`LANES`]) from output `n0` (a period start).
fn chunk(
    bank: &Bank<'_>,
    history: &[f32],
    first: u64,
    n0: u64,
    periods: usize,
    scratch: &mut [f32; SCRATCH],
    sink: &mut Sink<'_>,
) {
    let (up, down) = (bank.up as usize, bank.down as usize);
    // Input of period `n0 / up`'s first output, as an index into `history`.
    let base = (n0 / bank.up * bank.down).saturating_sub(first) as usize;
    let span = down * periods + bank.taps;
    let source = history.get(base..).unwrap_or_default();
    for d in 0..down {
        let stream = &mut scratch[d * STRIDE..(d + 1) * STRIDE];
        let column = source.iter().skip(d).step_by(down);
        for (dst, &x) in stream.iter_mut().zip(column.take(span.div_ceil(down))) {
            *dst = x;
        }
    }
    let mut block = [0f32; LANES * MAX_FACTOR as usize];
    for lane0 in (0..periods).step_by(LANES) {
        for r in 0..up {
            let q = r * down;
            let (offset, phase) = (q / up, q % up);
            let coefficients = bank
                .table
                .get(phase * bank.taps..(phase + 1) * bank.taps)
                .unwrap_or_default();
            let y = lanes(coefficients, scratch, offset + down * lane0, down);
            for (i, v) in y.into_iter().enumerate() {
                block[i * up + r] = v;
            }
        }
        let n = n0 + (lane0 * up) as u64;
        for (k, &v) in block[..LANES * up].iter().enumerate() {
            sink.put(n + k as u64, v);
        }
    }
}

/// [`LANES`] consecutive periods of one output class whose first window starts `offset` inputs
/// into the de-interleaved chunk (`down` streams); dispatches to a kernel unrolled for `down`.
fn lanes(
    coefficients: &[f32],
    scratch: &[f32; SCRATCH],
    offset: usize,
    down: usize,
) -> [f32; LANES] {
    match down {
        1 => lanes_for::<1>(coefficients, scratch, offset),
        2 => lanes_for::<2>(coefficients, scratch, offset),
        _ => lanes_for::<3>(coefficients, scratch, offset),
    }
}

/// [`lanes`] for `D` streams: tap `g·D + j` reads stream `(offset + j) % D` at index
/// `(offset + j) / D + g`, so each group of `D` taps is branch-free, still oldest tap first.
#[inline]
fn lanes_for<const D: usize>(
    coefficients: &[f32],
    scratch: &[f32; SCRATCH],
    offset: usize,
) -> [f32; LANES] {
    let mut acc = [0f32; LANES];
    let starts: [usize; D] = std::array::from_fn(|j| (offset + j) % D * STRIDE + (offset + j) / D);
    let groups = coefficients.chunks_exact(D);
    let tail = groups.remainder();
    let mut g = 0;
    for group in groups {
        if let Ok(group) = <&[f32; D]>::try_from(group) {
            for (&c, &start) in group.iter().zip(&starts) {
                accumulate(&mut acc, c, scratch, start + g);
            }
        }
        g += 1;
    }
    for (&c, &start) in tail.iter().zip(&starts) {
        accumulate(&mut acc, c, scratch, start + g);
    }
    acc
}

/// `acc[i] += c * scratch[at + i]` for every lane.
#[inline(always)]
fn accumulate(acc: &mut [f32; LANES], c: f32, scratch: &[f32; SCRATCH], at: usize) {
    if let Some(x) = scratch
        .get(at..at + LANES)
        .and_then(|s| <&[f32; LANES]>::try_from(s).ok())
    {
        for (a, x) in acc.iter_mut().zip(x) {
            *a += c * x;
        }
    }
}
