//! The conference [`Mixer`]: each leg hears the sum of every other unmuted leg (N-1 mix), and
//! private routes on top: a leg taken out of the main mix hears and is heard only through routes
//! (`source` → `receiver`), as Graph's audio routing groups with `removeFromDefaultAudioGroup`.
//!
//! Per tick the caller writes each leg's 20 ms input with [`Mixer::input_mut`], calls
//! [`Mixer::mix`], then reads each leg's output with [`Mixer::output`]. The mixer sums all unmuted
//! inputs once (i32) and subtracts each leg's own contribution, so the cost is O(N) per frame, not
//! O(N²). Legs that supplied no input this tick contribute silence. Results saturate at i16.

use crate::{Frame, FRAME_SAMPLES, SILENT_FRAME};

/// A leg's handle in a [`Mixer`] (slot index plus generation, so stale handles are rejected).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MixLeg {
    index: u32,
    generation: u32,
}

#[derive(Clone, Debug)]
struct Slot {
    generation: u32,
    active: bool,
    muted: bool,
    has_input: bool,
    /// In the main mix (hears it and is heard in it); otherwise only through routes.
    in_main: bool,
    /// The output frame is all zeros (lets a two-leg mix skip rewriting silence).
    output_silent: bool,
    input: Frame,
    output: Frame,
}

/// An N-1 conference mixer.
#[derive(Clone, Debug, Default)]
pub struct Mixer {
    slots: Vec<Slot>,
    active: usize,
    /// Private routes: `(source, receiver)`; the receiver hears the source on top of the main mix.
    routes: Vec<(MixLeg, MixLeg)>,
}

impl Mixer {
    /// An empty mixer.
    pub fn new() -> Mixer {
        Mixer::default()
    }

    /// Adds a leg (unmuted), reusing a free slot if there is one.
    pub fn add_leg(&mut self) -> MixLeg {
        self.active += 1;
        if let Some((index, slot)) = self.slots.iter_mut().enumerate().find(|(_, s)| !s.active) {
            slot.generation = slot.generation.wrapping_add(1);
            slot.active = true;
            slot.muted = false;
            slot.in_main = true;
            slot.has_input = false;
            slot.output = SILENT_FRAME;
            slot.output_silent = true;
            return MixLeg {
                index: index as u32,
                generation: slot.generation,
            };
        }
        self.slots.push(Slot {
            generation: 0,
            active: true,
            muted: false,
            in_main: true,
            has_input: false,
            output_silent: true,
            input: SILENT_FRAME,
            output: SILENT_FRAME,
        });
        MixLeg {
            index: (self.slots.len() - 1) as u32,
            generation: 0,
        }
    }

    fn slot_mut(&mut self, leg: MixLeg) -> Option<&mut Slot> {
        self.slots
            .get_mut(leg.index as usize)
            .filter(|s| s.active && s.generation == leg.generation)
    }

    fn slot(&self, leg: MixLeg) -> Option<&Slot> {
        self.slots
            .get(leg.index as usize)
            .filter(|s| s.active && s.generation == leg.generation)
    }

    /// Removes a leg; false if it was not in the mixer.
    pub fn remove_leg(&mut self, leg: MixLeg) -> bool {
        match self.slot_mut(leg) {
            Some(slot) => {
                slot.active = false;
                self.active -= 1;
                true
            }
            None => false,
        }
    }

    /// Mutes or unmutes a leg (a muted leg still hears the others); false if unknown.
    pub fn set_muted(&mut self, leg: MixLeg, muted: bool) -> bool {
        self.slot_mut(leg).map(|s| s.muted = muted).is_some()
    }

    /// Takes a leg out of the main mix (it hears and is heard only through routes) or puts it
    /// back; false if unknown.
    pub fn set_in_main(&mut self, leg: MixLeg, in_main: bool) -> bool {
        self.slot_mut(leg).map(|s| s.in_main = in_main).is_some()
    }

    /// Replaces the private routes: each receiver hears its sources besides the main mix (a route
    /// between two legs of the main mix adds nothing: they hear each other already).
    pub fn set_routes(&mut self, routes: &[(MixLeg, MixLeg)]) {
        self.routes.clear();
        self.routes.extend_from_slice(routes);
    }

    /// Whether a leg is muted (`None` if unknown).
    pub fn is_muted(&self, leg: MixLeg) -> Option<bool> {
        self.slot(leg).map(|s| s.muted)
    }

    /// Legs in the mixer.
    pub fn leg_count(&self) -> usize {
        self.active
    }

    /// The leg's input buffer for this tick; writing through it marks the leg as having input.
    pub fn input_mut(&mut self, leg: MixLeg) -> Option<&mut Frame> {
        self.slot_mut(leg).map(|s| {
            s.has_input = true;
            &mut s.input
        })
    }

    /// The leg's input buffer as last written (after [`mix`](Self::mix) it still holds the last
    /// tick's input; the caller knows whether the leg wrote one that tick).
    pub fn input(&self, leg: MixLeg) -> Option<&Frame> {
        self.slot(leg).map(|s| &s.input)
    }

    /// Copies `frame` in as the leg's input for this tick; false if unknown.
    pub fn set_input(&mut self, leg: MixLeg, frame: &Frame) -> bool {
        self.input_mut(leg).map(|input| *input = *frame).is_some()
    }

    /// Mixes this tick: every leg's output becomes the sum of the other legs' unmuted inputs.
    /// Inputs are consumed (a leg that supplies none next tick is silent).
    pub fn mix(&mut self) {
        let plain = self.routes.is_empty() && self.slots.iter().all(|s| !s.active || s.in_main);
        if plain && self.active == 2 && self.mix_pair() {
            return;
        }
        let mut sum = [0i32; FRAME_SAMPLES];
        let mut contributors = 0usize;
        for slot in self
            .slots
            .iter()
            .filter(|s| s.active && s.in_main && s.has_input && !s.muted)
        {
            add_into(&mut sum, &slot.input);
            contributors += 1;
        }
        for slot in self.slots.iter_mut().filter(|s| s.active) {
            if !slot.in_main {
                slot.output = SILENT_FRAME;
            } else if slot.has_input && !slot.muted {
                if contributors == 1 {
                    // Alone in the mix: it hears silence.
                    slot.output = SILENT_FRAME;
                } else {
                    minus_saturated(&mut slot.output, &sum, &slot.input);
                }
            } else {
                saturate(&mut slot.output, &sum);
            }
            slot.output_silent = false;
        }
        if !plain {
            self.mix_routes();
        }
        for slot in self.slots.iter_mut() {
            slot.has_input = false;
        }
    }

    /// Adds each route's source to its receiver's output, unless the main mix carried it already.
    fn mix_routes(&mut self) {
        for i in 0..self.routes.len() {
            let Some(&(source, receiver)) = self.routes.get(i) else {
                break;
            };
            if source == receiver {
                continue;
            }
            let (Some(src), Some(dst)) = (self.slot(source), self.slot(receiver)) else {
                continue;
            };
            if !src.has_input || src.muted || (src.in_main && dst.in_main) {
                continue;
            }
            let input = src.input;
            if let Some(dst) = self.slot_mut(receiver) {
                for (o, &x) in dst.output.iter_mut().zip(input.iter()) {
                    *o = o.saturating_add(x);
                }
            }
        }
    }

    /// The two-leg case (most calls): each leg hears exactly the other's input, so copy it instead
    /// of summing and subtracting (same result), and leave an already silent output alone.
    fn mix_pair(&mut self) -> bool {
        let mut active = self
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.active)
            .map(|(i, _)| i);
        let (Some(a), Some(b)) = (active.next(), active.next()) else {
            return false;
        };
        let (low, high) = self.slots.split_at_mut(b);
        let (Some(first), Some(second)) = (low.get_mut(a), high.first_mut()) else {
            return false;
        };
        hear(first, second);
        hear(second, first);
        first.has_input = false;
        second.has_input = false;
        true
    }

    /// The leg's output from the last [`mix`](Self::mix).
    pub fn output(&self, leg: MixLeg) -> Option<&Frame> {
        self.slot(leg).map(|s| &s.output)
    }
}

// Fixed-size loops over whole frames: the compiler vectorises these (SSE2 on baseline x86-64).

/// `listener`'s output becomes what `speaker` says (silence if it said nothing or is muted).
#[inline]
fn hear(listener: &mut Slot, speaker: &Slot) {
    if speaker.has_input && !speaker.muted {
        listener.output = speaker.input;
        listener.output_silent = false;
    } else if !listener.output_silent {
        listener.output = SILENT_FRAME;
        listener.output_silent = true;
    }
}

#[inline]
fn add_into(sum: &mut [i32; FRAME_SAMPLES], input: &Frame) {
    for (acc, &x) in sum.iter_mut().zip(input.iter()) {
        *acc += i32::from(x);
    }
}

#[inline]
fn to_i16(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

#[inline]
fn minus_saturated(out: &mut Frame, sum: &[i32; FRAME_SAMPLES], own: &Frame) {
    for ((o, &acc), &x) in out.iter_mut().zip(sum.iter()).zip(own.iter()) {
        *o = to_i16(acc - i32::from(x));
    }
}

#[inline]
fn saturate(out: &mut Frame, sum: &[i32; FRAME_SAMPLES]) {
    for (o, &acc) in out.iter_mut().zip(sum.iter()) {
        *o = to_i16(acc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant(v: i16) -> Frame {
        [v; FRAME_SAMPLES]
    }

    #[test]
    fn two_legs_hear_each_other_exactly() {
        let mut mixer = Mixer::new();
        let a = mixer.add_leg();
        let b = mixer.add_leg();
        let mut rng = crate::testsignal::SplitMix64::new(9);
        for tick in 0..200 {
            let mut expected = [SILENT_FRAME, SILENT_FRAME];
            let muted = [rng.next_u64() % 4 == 1, rng.next_u64() % 4 == 1];
            mixer.set_muted(a, muted[0]);
            mixer.set_muted(b, muted[1]);
            for (i, leg) in [a, b].into_iter().enumerate() {
                if rng.next_u64() % 3 != 1 {
                    let v = (rng.next_u64() % 65_536) as u16 as i16;
                    let frame = [v; FRAME_SAMPLES];
                    mixer.set_input(leg, &frame);
                    if !muted[i] {
                        expected[1 - i] = frame;
                    }
                }
            }
            mixer.mix();
            assert_eq!(mixer.output(a), Some(&expected[0]), "tick {tick}");
            assert_eq!(mixer.output(b), Some(&expected[1]), "tick {tick}");
        }
    }

    #[test]
    fn each_leg_hears_everyone_but_itself() {
        let mut mixer = Mixer::new();
        let legs: Vec<MixLeg> = (0..4).map(|_| mixer.add_leg()).collect();
        for (i, &leg) in legs.iter().enumerate() {
            assert!(mixer.set_input(leg, &constant(10i16.pow(i as u32))));
        }
        mixer.mix();
        assert_eq!(mixer.output(legs[0]).unwrap()[5], 1110);
        assert_eq!(mixer.output(legs[1]).unwrap()[5], 1101);
        assert_eq!(mixer.output(legs[2]).unwrap()[5], 1011);
        assert_eq!(mixer.output(legs[3]).unwrap()[5], 111);
    }

    #[test]
    fn muted_leg_is_not_heard_but_still_hears() {
        let mut mixer = Mixer::new();
        let a = mixer.add_leg();
        let b = mixer.add_leg();
        let c = mixer.add_leg();
        mixer.set_muted(b, true);
        assert_eq!(mixer.is_muted(b), Some(true));
        for (leg, v) in [(a, 1), (b, 20), (c, 300)] {
            mixer.set_input(leg, &constant(v));
        }
        mixer.mix();
        assert_eq!(mixer.output(a).unwrap()[0], 300);
        assert_eq!(mixer.output(b).unwrap()[0], 301);
        assert_eq!(mixer.output(c).unwrap()[0], 1);
    }

    #[test]
    fn a_leg_out_of_the_main_mix_hears_and_is_heard_only_through_routes() {
        let mut mixer = Mixer::new();
        let (bot, a, b) = (mixer.add_leg(), mixer.add_leg(), mixer.add_leg());
        assert!(mixer.set_in_main(bot, false));
        let inputs = |m: &mut Mixer| {
            for (leg, v) in [(bot, 1), (a, 20), (b, 300)] {
                m.set_input(leg, &constant(v));
            }
        };
        inputs(&mut mixer);
        mixer.mix();
        assert_eq!(mixer.output(bot).unwrap()[0], 0, "hears nobody");
        assert_eq!(mixer.output(a).unwrap()[0], 300, "does not hear the bot");
        assert_eq!(mixer.output(b).unwrap()[0], 20);
        // A one-to-one route bot → a (private audio), and a → bot back.
        mixer.set_routes(&[(bot, a), (a, bot)]);
        inputs(&mut mixer);
        mixer.mix();
        assert_eq!(mixer.output(a).unwrap()[0], 301);
        assert_eq!(
            mixer.output(b).unwrap()[0],
            20,
            "b still does not hear the bot"
        );
        assert_eq!(mixer.output(bot).unwrap()[0], 20);
        // Back in the main mix: the routes add nothing on top.
        mixer.set_in_main(bot, true);
        inputs(&mut mixer);
        mixer.mix();
        assert_eq!(mixer.output(a).unwrap()[0], 301);
        assert_eq!(mixer.output(b).unwrap()[0], 21);
        assert_eq!(mixer.output(bot).unwrap()[0], 320);
    }

    #[test]
    fn inputs_are_consumed_and_missing_input_is_silence() {
        let mut mixer = Mixer::new();
        let a = mixer.add_leg();
        let b = mixer.add_leg();
        mixer.set_input(a, &constant(5));
        mixer.mix();
        assert_eq!(mixer.output(b).unwrap()[0], 5);
        mixer.mix();
        assert_eq!(mixer.output(b).unwrap()[0], 0);
    }

    #[test]
    fn saturates_and_rejects_stale_handles() {
        let mut mixer = Mixer::new();
        let a = mixer.add_leg();
        let b = mixer.add_leg();
        let c = mixer.add_leg();
        mixer.set_input(a, &constant(30_000));
        mixer.set_input(b, &constant(30_000));
        mixer.set_input(c, &constant(-30_000));
        mixer.mix();
        assert_eq!(mixer.output(c).unwrap()[0], i16::MAX);
        assert_eq!(mixer.output(a).unwrap()[0], 0);
        assert!(mixer.remove_leg(b));
        assert!(!mixer.remove_leg(b));
        let d = mixer.add_leg(); // reuses b's slot
        assert_ne!(b, d);
        assert!(mixer.output(b).is_none());
        assert!(!mixer.set_muted(b, true));
        assert_eq!(mixer.leg_count(), 3);
        mixer.set_input(a, &constant(-30_000));
        mixer.set_input(c, &constant(-30_000));
        mixer.mix();
        assert_eq!(mixer.output(d).unwrap()[0], i16::MIN);
    }
}
