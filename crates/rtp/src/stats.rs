//! Reception statistics of one remote source (RFC 3550 A.1 sequence validation, A.3 loss, A.8
//! interarrival jitter), the report block they make, and round-trip time from a peer's report
//! (RFC 3550 §6.4.1: `A - LSR - DLSR`).

use crate::rtcp::ReportBlock;

const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;
const MIN_SEQUENTIAL: u8 = 2;
const SEQ_MOD: u32 = 1 << 16;

/// What the sequence check made of a packet (RFC 3550 A.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// In order or a small reordering: use it. Carries the extended sequence number.
    Valid(u64),
    /// Still in probation (a new source): counted, not yet played out.
    Probation,
    /// A very large jump, or an old duplicate: dropped (a second one in sequence resyncs).
    Bad,
}

/// Per-source reception state.
#[derive(Debug, Clone, Default)]
pub struct ReceiveStats {
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u8,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: Option<u32>,
    /// Jitter in timestamp units, scaled by 16 (A.8).
    jitter_q4: u32,
    started: bool,
}

impl ReceiveStats {
    /// Feeds one packet: its sequence number and RTP timestamp, and its arrival time in the same
    /// timestamp units (any origin; only differences matter).
    pub fn update(&mut self, seq: u16, timestamp: u32, arrival: u32) -> SeqVerdict {
        if !self.started {
            self.init_seq(seq);
            self.max_seq = seq.wrapping_sub(1);
            self.probation = MIN_SEQUENTIAL;
            self.started = true;
        }
        let verdict = self.update_seq(seq);
        if matches!(verdict, SeqVerdict::Valid(_)) {
            self.update_jitter(timestamp, arrival);
        }
        verdict
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    fn update_seq(&mut self, seq: u16) -> SeqVerdict {
        let delta = seq.wrapping_sub(self.max_seq);
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqVerdict::Valid(self.extended(seq));
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqVerdict::Probation;
        }
        if delta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(SEQ_MOD);
            }
            self.max_seq = seq;
        } else if u32::from(delta) <= SEQ_MOD - u32::from(MAX_MISORDER) {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after a jump: the source restarted.
                self.init_seq(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (SEQ_MOD - 1);
                return SeqVerdict::Bad;
            }
        }
        // else: duplicate or reordered packet, accepted.
        self.received += 1;
        SeqVerdict::Valid(self.extended(seq))
    }

    /// The extended sequence number of `seq`, taken as the one nearest the highest seen.
    fn extended(&self, seq: u16) -> u64 {
        let max = u64::from(self.cycles) | u64::from(self.max_seq);
        let candidate = (max & !0xFFFF) | u64::from(seq);
        if candidate > max + 0x8000 && candidate >= 0x10000 {
            candidate - 0x10000
        } else if candidate + 0x8000 < max {
            candidate + 0x10000
        } else {
            candidate
        }
    }

    fn update_jitter(&mut self, timestamp: u32, arrival: u32) {
        let transit = arrival.wrapping_sub(timestamp);
        if let Some(previous) = self.transit {
            let d = (transit.wrapping_sub(previous) as i32).unsigned_abs();
            // J += (|D| - J) / 16, kept scaled by 16 (A.8).
            self.jitter_q4 = self
                .jitter_q4
                .wrapping_add(d)
                .wrapping_sub((self.jitter_q4 + 8) >> 4);
        }
        self.transit = Some(transit);
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter_q4 >> 4
    }

    /// Packets received (valid ones, duplicates included, as RFC 3550 counts them).
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Extended highest sequence number received.
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// Packets expected: extended highest minus the first plus one.
    pub fn expected(&self) -> u32 {
        if self.received == 0 && self.probation > 0 {
            return 0;
        }
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Cumulative packets lost (negative with duplicates).
    pub fn cumulative_lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// A report block on `ssrc` as of now; advances the interval counters (A.3).
    pub fn report_block(
        &mut self,
        ssrc: u32,
        last_sr: u32,
        delay_since_last_sr: u32,
    ) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        ReportBlock {
            ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(-0x80_0000, 0x7F_FFFF) as i32,
            highest_sequence: self.extended_max(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        }
    }
}

/// The middle 32 bits of a 64-bit NTP timestamp (the LSR format).
pub fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// Round-trip time in 1/65536 s from a report block received at NTP time `arrival_ntp`
/// (`A - LSR - DLSR`); `None` when the block carries no LSR or the result is negative.
pub fn round_trip(block: &ReportBlock, arrival_ntp: u64) -> Option<u32> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = ntp_middle(arrival_ntp)
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    (rtt < 0x8000_0000).then_some(rtt)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source past probation: two in-sequence packets.
    fn started(first: u16) -> ReceiveStats {
        let mut s = ReceiveStats::default();
        assert_eq!(s.update(first, 0, 0), SeqVerdict::Probation);
        assert!(matches!(
            s.update(first.wrapping_add(1), 160, 160),
            SeqVerdict::Valid(_)
        ));
        s
    }

    #[test]
    fn jitter_matches_a_hand_computed_example() {
        // Packets every 160 units (timestamps 0, 160, ... 800); arrivals 0, 160, 400, 480, 680, 840.
        // Transit: 0, 0, 80, 0, 40, 40 → |D| from the third packet on = 80, 80, 40, 0 (the first
        // packet is in probation, the second sets the first transit).
        // Scaled by 16 (J16 += |D| - (J16 + 8) / 16): 80, 80 + 80 - 5 = 155, 155 + 40 - 10 = 185,
        // 185 + 0 - 12 = 173 → jitter 173 / 16 = 10.
        // In floating point (J += (|D| - J) / 16): 5, 9.6875, 11.58, 10.86 → 10.
        let mut s = ReceiveStats::default();
        let arrivals = [0u32, 160, 400, 480, 680];
        let mut jitters = Vec::new();
        for (i, arrival) in arrivals.iter().enumerate() {
            s.update(i as u16, i as u32 * 160, *arrival);
            jitters.push(s.jitter_q4);
        }
        // The first packet is in probation (no jitter); the rest are valid.
        assert_eq!(jitters, vec![0, 0, 80, 155, 185]);
        s.update(5, 800, 840);
        assert_eq!(s.jitter_q4, 173);
        assert_eq!(s.jitter(), 10);
    }

    #[test]
    fn loss_and_fraction_follow_appendix_a3() {
        let mut s = started(65530);
        // 65531 received; now 65533, 65535, 1, 2 (65532, 65534, 0 lost) across the wrap.
        for seq in [65533u16, 65535, 1, 2] {
            assert!(matches!(s.update(seq, 0, 0), SeqVerdict::Valid(_)));
        }
        assert_eq!(s.extended_max(), 65536 + 2);
        assert_eq!(s.expected(), 65538 - 65531 + 1);
        assert_eq!(s.received(), 5);
        assert_eq!(s.cumulative_lost(), 3);
        let block = s.report_block(9, 0, 0);
        assert_eq!(block.fraction_lost, (3 * 256 / 8) as u8);
        assert_eq!(block.highest_sequence, 65538);
        // The next interval has nothing new: fraction 0.
        assert_eq!(s.report_block(9, 0, 0).fraction_lost, 0);
    }

    #[test]
    fn reordered_packets_get_their_own_extended_number() {
        let mut s = started(65534);
        assert_eq!(s.update(1, 0, 0), SeqVerdict::Valid(65537));
        assert_eq!(s.update(0, 0, 0), SeqVerdict::Valid(65536));
        assert_eq!(s.update(65535, 0, 0), SeqVerdict::Valid(65535));
    }

    #[test]
    fn a_big_jump_is_bad_once_then_resyncs() {
        let mut s = started(100);
        assert_eq!(s.update(20_000, 0, 0), SeqVerdict::Bad);
        assert!(matches!(s.update(20_001, 0, 0), SeqVerdict::Valid(_)));
        assert_eq!(s.extended_max(), 20_001);
    }

    #[test]
    fn round_trip_is_a_minus_lsr_minus_dlsr() {
        // RFC 3550 §6.4.1's example: A = 0xB710_8000 (46864.5 s), LSR = 0xB705_2000 (46853.125),
        // DLSR = 0x0005_4000 (5.25 s) → 0x0006_2000 (6.125 s).
        let block = ReportBlock {
            last_sr: 0xB705_2000,
            delay_since_last_sr: 0x0005_4000,
            ..ReportBlock::default()
        };
        let a = u64::from(0xB710_8000u32) << 16;
        assert_eq!(round_trip(&block, a), Some(0x0006_2000));
        let none = ReportBlock::default();
        assert_eq!(round_trip(&none, a), None);
    }
}
