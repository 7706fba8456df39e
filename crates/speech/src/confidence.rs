//! The confidence of a choices result: a probability, 0–1, that the recognised choice is what
//! was said, from evidence one grammar decode already has — no second pass.
//!
//! pocketsphinx's own posterior (`ps_get_prob`) is 1.000 for every choices result, right or
//! wrong. The evidence used instead:
//!
//! - **word cost**: minus the recognised words' acoustic score per frame. pocketsphinx scores
//!   each frame relative to the best-scoring senone of that frame, so this is how far the
//!   words' path falls below an unconstrained best-sound-per-frame path — the competition of a
//!   free phone loop, at no extra cost. Speech that is none of the choices, forced onto the
//!   nearest one, fits it worse.
//! - **silence cost**: the same per frame over the silences and noise fillers: high in noise,
//!   where results are less reliable.
//! - **n-best gap**: the best lattice path of the recognised text minus the best path of any
//!   other text (another choice or a garbage word), or none when the lattice holds no other.
//!
//! The three are combined by a logistic function fitted on the corpus (corpus/RESULTS.md:
//! coefficients, and the distribution for right and wrong results).

use crate::ffi::sphinx::RawSegment;

/// What a choices decode tells about its own reliability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Evidence {
    /// Minus the recognised words' acoustic score per frame (decoder's scaled log units).
    pub(crate) word_cost: f32,
    /// The same over silence and filler frames (the word cost if there are none).
    pub(crate) silence_cost: f32,
    /// Best path of the recognised text minus the best path of another text, if any.
    pub(crate) gap: Option<i32>,
}

/// Gaps beyond this count as this (a lattice with no other text counts as `GAP_CAP`).
const GAP_CAP: f32 = 1_500.0;

/// The logistic's intercept and weights for word cost / 10, silence cost / 10 and gap / 1000:
/// a logistic regression of "the choice is right" on the corpus's choices results and other
/// words taken as a choice (1033 results pooled from five runs of neighbouring decoder
/// settings; fitted on one run alone the weights move by less than 0.1, the gap's by 0.2).
const WEIGHTS: [f32; 4] = [6.83, -1.03, -1.0, 0.18];

impl Evidence {
    /// Gathers the evidence from the best path's `segments` and the lattice's `nbest` paths
    /// (text and score, best first) for the hypothesis `text`.
    pub(crate) fn gather(text: &str, segments: &[RawSegment], nbest: &[(String, i32)]) -> Evidence {
        let (mut word, mut silence) = ((0i64, 0i64), (0i64, 0i64));
        for s in segments {
            let frames = i64::from((s.end_frame - s.start_frame + 1).max(0));
            let sum = if is_word(&s.word) {
                &mut word
            } else {
                &mut silence
            };
            sum.0 += i64::from(s.acoustic);
            sum.1 += frames;
        }
        let cost =
            |(score, frames): (i64, i64)| (frames > 0).then(|| -(score as f32) / frames as f32);
        let word_cost = cost(word).unwrap_or(0.0);
        let best = |same: bool| {
            nbest
                .iter()
                .filter(|(t, _)| (t == text) == same)
                .map(|(_, s)| *s)
                .max()
        };
        let gap = match (best(true), best(false)) {
            (Some(own), Some(other)) => Some(own - other),
            // The lattice's paths disagree with the decoder's best path: no margin at all.
            (None, Some(_)) => Some(0),
            (_, None) => None,
        };
        Evidence {
            word_cost,
            silence_cost: cost(silence).unwrap_or(word_cost),
            gap,
        }
    }

    /// The probability that the result is right, 0–1.
    pub(crate) fn confidence(&self) -> f32 {
        let gap = self
            .gap
            .map_or(GAP_CAP, |g| (g as f32).clamp(-GAP_CAP, GAP_CAP));
        let [b, w_word, w_silence, w_gap] = WEIGHTS;
        let z = b
            + w_word * self.word_cost / 10.0
            + w_silence * self.silence_cost / 10.0
            + w_gap * gap / 1_000.0;
        1.0 / (1.0 + (-z).exp())
    }
}

/// False for sentence markers, silences and noise tokens (`<s>`, `<sil>`, `[NOISE]`, `++UH++`).
pub(crate) fn is_word(token: &str) -> bool {
    !(token.is_empty()
        || token.starts_with('<')
        || token.starts_with('[')
        || token.starts_with("++"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(word: &str, start: i32, end: i32, acoustic: i32) -> RawSegment {
        RawSegment {
            word: word.into(),
            start_frame: start,
            end_frame: end,
            probability: 1.0,
            acoustic,
        }
    }

    #[test]
    fn costs_are_per_frame_and_split_words_from_silence() {
        let segments = [
            seg("<sil>", 0, 19, -200),
            seg("five", 20, 59, -1_200),
            seg("<sil>", 60, 79, -200),
        ];
        let nbest = [("five".to_string(), -1_000), ("nine".to_string(), -1_400)];
        let e = Evidence::gather("five", &segments, &nbest);
        assert_eq!(e.word_cost, 30.0);
        assert_eq!(e.silence_cost, 10.0);
        assert_eq!(e.gap, Some(400));
        let alone = Evidence::gather("five", &segments, &nbest[..1]);
        assert_eq!(alone.gap, None);
        let disagreeing = Evidence::gather("five", &segments, &nbest[1..]);
        assert_eq!(disagreeing.gap, Some(0));
        let no_silence = Evidence::gather("five", &segments[1..2], &nbest);
        assert_eq!(no_silence.silence_cost, 30.0);
    }

    #[test]
    fn confidence_falls_as_the_fit_worsens_and_the_margin_narrows() {
        let at = |word_cost, gap| {
            Evidence {
                word_cost,
                silence_cost: 15.0,
                gap,
            }
            .confidence()
        };
        let good = at(25.0, None);
        assert!(good > 0.9 && good <= 1.0, "{good}");
        assert!(at(70.0, None) < 0.2, "{}", at(70.0, None));
        assert!(at(40.0, Some(50)) < at(40.0, Some(1_000)));
        assert!(at(40.0, Some(-5_000)) > 0.0);
        assert_eq!(at(40.0, Some(1_500)), at(40.0, None));
    }
}
