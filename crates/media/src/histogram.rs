//! A fixed-bucket, HDR-like [`Histogram`] of `u64` values (microseconds in practice): exact below
//! 64, then 32 buckets per power of two (≤ 3.2 % relative error), no allocation after creation;
//! and [`AtomicHistogram`], the same buckets shared between one recording thread and readers
//! without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

/// Values below this are counted exactly.
const LINEAR: u64 = 64;
/// Buckets per power of two above [`LINEAR`].
const SUB: u64 = 32;
/// Buckets for the full `u64` range.
const BUCKETS: usize = (LINEAR + 58 * SUB) as usize;

/// Bucket index of a value.
fn index(value: u64) -> usize {
    if value < LINEAR {
        return value as usize;
    }
    let msb = 63 - u64::from(value.leading_zeros());
    let shift = msb - 5;
    let top = value >> shift; // 32..=63
    (LINEAR + (shift - 1) * SUB + (top - SUB)) as usize
}

/// Highest value of a bucket.
fn upper(index: usize) -> u64 {
    let i = index as u64;
    if i < LINEAR {
        return i;
    }
    let shift = (i - LINEAR) / SUB + 1;
    let top = (i - LINEAR) % SUB + SUB;
    ((top + 1) << shift).saturating_sub(1)
}

/// Counts of values in logarithmic buckets, with exact count, sum and maximum.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Box<[u64]>,
    count: u64,
    sum: u128,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram (~15 KiB).
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            count: 0,
            sum: 0,
            max: 0,
        }
    }

    /// Counts one value.
    pub fn record(&mut self, value: u64) {
        if let Some(c) = self.counts.get_mut(index(value)) {
            *c += 1;
        }
        self.count += 1;
        self.sum += u128::from(value);
        self.max = self.max.max(value);
    }

    /// Values counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Largest value (0 if empty).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// Mean (0 if empty).
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The value at quantile `q` (0..=1): the upper edge of the bucket holding it, capped at the
    /// maximum (0 if empty).
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return upper(i).min(self.max);
            }
        }
        self.max
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.max = self.max.max(other.max);
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.counts.fill(0);
        self.count = 0;
        self.sum = 0;
        self.max = 0;
    }
}

/// [`Histogram`]'s buckets as atomics: one thread records (a few relaxed atomic adds, no lock,
/// no allocation) while others take [`snapshot`](Self::snapshot)s or [`clear`](Self::clear) it.
/// A snapshot taken while a value is being recorded may miss that value; counts are read bucket
/// by bucket, so the snapshot's count always equals the sum of its buckets.
#[derive(Debug)]
pub struct AtomicHistogram {
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    max: AtomicU64,
}

impl Default for AtomicHistogram {
    fn default() -> Self {
        AtomicHistogram::new()
    }
}

impl AtomicHistogram {
    /// An empty histogram (~15 KiB).
    pub fn new() -> AtomicHistogram {
        AtomicHistogram {
            counts: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    /// Counts one value.
    pub fn record(&self, value: u64) {
        if let Some(c) = self.counts.get(index(value)) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        self.sum.fetch_add(value, Ordering::Relaxed);
        self.max.fetch_max(value, Ordering::Relaxed);
    }

    /// The counts so far, as a plain [`Histogram`].
    pub fn snapshot(&self) -> Histogram {
        let mut h = Histogram::new();
        for (dst, src) in h.counts.iter_mut().zip(self.counts.iter()) {
            *dst = src.load(Ordering::Relaxed);
        }
        h.count = h.counts.iter().sum();
        h.sum = u128::from(self.sum.load(Ordering::Relaxed));
        h.max = self.max.load(Ordering::Relaxed);
        h
    }

    /// Forgets everything (a value recorded meanwhile may or may not survive).
    pub fn clear(&self) {
        for c in self.counts.iter() {
            c.store(0, Ordering::Relaxed);
        }
        self.sum.store(0, Ordering::Relaxed);
        self.max.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_bounded() {
        assert_eq!(index(0), 0);
        assert_eq!(index(63), 63);
        assert_eq!(index(64), 64);
        assert_eq!(index(127), 95);
        assert_eq!(index(128), 96);
        assert_eq!(index(u64::MAX), BUCKETS - 1);
        for v in [64u64, 100, 1000, 12_345, 1 << 40] {
            assert!(upper(index(v)) >= v);
            assert!(upper(index(v)) as f64 <= v as f64 * 1.04, "{v}");
            assert_eq!(index(upper(index(v))), index(v));
        }
    }

    #[test]
    fn quantiles() {
        let mut h = Histogram::new();
        assert_eq!(h.quantile(0.5), 0);
        for v in 1..=1000u64 {
            h.record(v);
        }
        let p50 = h.quantile(0.5);
        assert!((490..=520).contains(&p50), "{p50}");
        let p99 = h.quantile(0.99);
        assert!((980..=1000).contains(&p99), "{p99}");
        assert_eq!(h.quantile(1.0), 1000);
        assert_eq!(h.max(), 1000);
        let mut g = Histogram::new();
        g.record(5000);
        h.merge(&g);
        assert_eq!(h.count(), 1001);
        assert_eq!(h.max(), 5000);
        h.clear();
        assert_eq!(h.count(), 0);
    }

    #[test]
    fn atomic_histogram_matches_the_plain_one() {
        let atomic = AtomicHistogram::new();
        let mut plain = Histogram::new();
        for v in [0u64, 3, 64, 100, 100, 12_345, 1 << 40] {
            atomic.record(v);
            plain.record(v);
        }
        let snapshot = atomic.snapshot();
        assert_eq!(snapshot.count(), plain.count());
        assert_eq!(snapshot.max(), plain.max());
        assert_eq!(snapshot.mean(), plain.mean());
        for q in [0.1, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(snapshot.quantile(q), plain.quantile(q), "{q}");
        }
        atomic.clear();
        assert_eq!(atomic.snapshot().count(), 0);
        assert_eq!(atomic.snapshot().max(), 0);
    }
}
