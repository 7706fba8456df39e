//! One pocketsphinx decoder set up for a mode — a choices grammar or the language model — and
//! what an utterance produced: text, confidence and word timings.

use crate::confidence::{is_word, Evidence};
use crate::ffi::sphinx::{RawDecoder, Sphinx};
use crate::garbage;
use crate::grammar::Grammar;
use crate::SpeechError;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the models are (Debian's `pocketsphinx-en-us` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    /// Acoustic model directory (`-hmm`).
    pub acoustic: PathBuf,
    /// Pronunciation dictionary (`-dict`).
    pub dictionary: PathBuf,
    /// Language model for free speech (`-lm`).
    pub language_model: PathBuf,
}

impl Default for Models {
    fn default() -> Models {
        let base = Path::new("/usr/share/pocketsphinx/model/en-us");
        Models {
            acoustic: base.join("en-us"),
            dictionary: base.join("cmudict-en-us.dict"),
            language_model: base.join("en-us.lm.bin"),
        }
    }
}

impl Models {
    /// [`SpeechError::Unavailable`] naming the first missing file.
    pub fn check(&self) -> Result<(), SpeechError> {
        for path in [&self.acoustic, &self.dictionary, &self.language_model] {
            if !path.exists() {
                return Err(SpeechError::Unavailable(format!(
                    "{} is missing (package pocketsphinx-en-us)",
                    path.display()
                )));
            }
        }
        Ok(())
    }

    /// The dictionary's words (alternative pronunciations `word(2)` folded), to check phrases.
    pub fn lexicon(&self) -> Result<HashSet<String>, SpeechError> {
        let text = std::fs::read_to_string(&self.dictionary)
            .map_err(|e| SpeechError::Unavailable(format!("{}: {e}", self.dictionary.display())))?;
        Ok(text
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(|word| word.split('(').next().unwrap_or(word).to_string())
            .collect())
    }
}

/// What a decoder searches with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A grammar set per recognition (choices); no language model loaded.
    Grammar,
    /// The language model (free speech, transcription).
    Language,
}

/// One recognised word with its place in the utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// The word (dictionary spelling).
    pub text: String,
    /// Start, in ms from the start of the audio fed to this utterance.
    pub start_ms: u32,
    /// End, in ms from the same origin.
    pub end_ms: u32,
    /// pocketsphinx's posterior probability of the word, 0–1 (1.0 for every choices word: see
    /// [`Heard::confidence`] instead).
    pub confidence: f32,
}

/// An utterance's result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Heard {
    /// The words joined by spaces (empty if nothing was recognised).
    pub text: String,
    /// 0–1. Choices: how likely the result is right, from the decode's own evidence (the
    /// words' and the silences' acoustic cost per frame and the n-best gap; `confidence.rs`).
    /// Free speech: pocketsphinx's posterior of the utterance, or the words' mean if it has
    /// none.
    pub confidence: f32,
    /// The words with timings (fillers and silences left out).
    pub words: Vec<Word>,
    /// Always 0 now. It was a phone loop's acoustic score minus the grammar path's, per frame
    /// (branch `speech-acc2`); that second decode cost ~1.5 s of CPU per utterance and
    /// separated no-match speech worse than the grammar's garbage words, which replaced it
    /// (corpus/RESULTS.md). Kept so code that reads it still compiles.
    pub acoustic_gap: f32,
}

/// The grammar search's name.
const CHOICES: &str = "choices";

/// pocketsphinx's frame rate: 100 frames a second.
const MS_PER_FRAME: i32 = 10;

/// A decoder of one [`Kind`].
pub struct Decoder {
    raw: RawDecoder,
    kind: Kind,
    /// Prior weight of each garbage word against a choice's 1 (0: no garbage words).
    garbage_weight: f32,
}

impl Decoder {
    /// Creates a decoder (tens to hundreds of ms: models are read from disk).
    pub(crate) fn new(
        sphinx: &Arc<Sphinx>,
        models: &Models,
        kind: Kind,
        garbage_weight: f32,
    ) -> Result<Decoder, SpeechError> {
        let mut args: Vec<String> = [
            "-hmm",
            &models.acoustic.to_string_lossy(),
            "-dict",
            &models.dictionary.to_string_lossy(),
            "-logfn",
            "/dev/null",
            "-samprate",
            "16000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let tuning: &[&str] = match kind {
            // Utterances are decoded whole (see `decode_whole`, which adds its own seeded noise
            // floor). More Gaussians per frame and a likelier silence: 87.5 % → 90.5 % → 92.3 %
            // on the corpus (wider beams, other filler and insertion penalties, frequency warping
            // and all senones computed changed nothing or did worse; corpus/RESULTS.md).
            Kind::Grammar => &["-topn", "16", "-silprob", "0.1"],
            // Dither (digital silence wrecks the live cepstral mean), seeded.
            Kind::Language => &["-dither", "yes", "-seed", "1"],
        };
        args.extend(tuning.iter().map(|s| s.to_string()));
        if kind == Kind::Language {
            args.extend([
                "-lm".into(),
                models.language_model.to_string_lossy().into_owned(),
            ]);
        }
        let raw = sphinx.decoder(&args)?;
        Ok(Decoder {
            raw,
            kind,
            garbage_weight,
        })
    }

    /// The decoder's kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Makes `grammar` the search (a [`Kind::Grammar`] decoder only), with the garbage words
    /// that sound like none of its words as weighted alternatives (see `garbage.rs`): a
    /// hypothesis that is a garbage word matches no phrase, so the recognition is a no match.
    pub fn set_grammar(&mut self, grammar: &Grammar) -> Result<(), SpeechError> {
        if self.kind != Kind::Grammar {
            return Err(SpeechError::Recognition("not a grammar decoder".into()));
        }
        if self.garbage_weight <= 0.0 {
            return self.raw.use_jsgf(CHOICES, &grammar.jsgf);
        }
        let own: Vec<Vec<String>> = grammar
            .words
            .iter()
            .filter_map(|w| self.raw.pronunciation(w))
            .collect();
        let raw = &mut self.raw;
        let words = garbage::words_for(&grammar.words, &own, |w| raw.pronunciation(w));
        let phrases: Vec<&str> = grammar.phrases.iter().map(|(p, _, _)| p.as_str()).collect();
        let jsgf = garbage::jsgf(&phrases, &words, self.garbage_weight);
        self.raw.use_jsgf(CHOICES, &jsgf)
    }

    /// Starts an utterance.
    pub fn start(&mut self) -> Result<(), SpeechError> {
        self.raw.start()
    }

    /// Feeds audio to the utterance.
    pub fn process(&mut self, samples: &[i16]) -> Result<(), SpeechError> {
        self.raw.process(samples)
    }

    /// The partial hypothesis so far.
    pub fn partial(&mut self) -> String {
        self.raw.hypothesis()
    }

    /// Decodes a whole utterance at once (a [`Kind::Grammar`] decoder): a fresh stream (no
    /// noise estimate carried over from earlier utterances), cepstral mean normalisation over
    /// this utterance alone, and a seeded noise floor, so the result depends on `samples` only.
    pub fn decode_whole(&mut self, samples: &[i16]) -> Result<Heard, SpeechError> {
        let audio = with_noise_floor(samples);
        self.raw.start_stream()?;
        self.raw.start()?;
        self.raw.process_whole(&audio)?;
        self.finish()
    }

    /// Ends the utterance and reads its result.
    pub fn finish(&mut self) -> Result<Heard, SpeechError> {
        self.raw.end()?;
        let text = self.raw.hypothesis();
        let segments = self.raw.segments();
        let words: Vec<Word> = segments
            .iter()
            .filter(|s| is_word(&s.word))
            .map(|s| Word {
                text: s.word.split('(').next().unwrap_or(&s.word).to_string(),
                start_ms: (s.start_frame.max(0) * MS_PER_FRAME) as u32,
                end_ms: ((s.end_frame.max(0) + 1) * MS_PER_FRAME) as u32,
                confidence: s.probability as f32,
            })
            .collect();
        let confidence = match self.kind {
            Kind::Grammar if !words.is_empty() => {
                let nbest = self.raw.nbest(NBEST_PATHS);
                Evidence::gather(&text, &segments, &nbest).confidence()
            }
            _ => self.posterior(&words),
        };
        Ok(Heard {
            text,
            confidence,
            words,
            acoustic_gap: 0.0,
        })
    }

    /// pocketsphinx's posterior of the utterance, or the words' mean if it has none.
    fn posterior(&mut self, words: &[Word]) -> f32 {
        let posterior = self.raw.probability() as f32;
        if posterior > 0.0 || words.is_empty() {
            posterior
        } else {
            words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32
        }
    }
}

/// Lattice paths read for a choices result's confidence (the n-best gap).
const NBEST_PATHS: usize = 10;

/// RMS of the noise floor added before a whole-utterance decode (-47 dBFS as
/// `ringside_audio::rms_dbfs` measures it, about a quiet telephone line's). Batch normalisation
/// takes its mean over the whole utterance, and digital silence (log energies far below
/// anything the model was trained on) dragged that mean away from the speech: on the corpus,
/// 63.1 % with pocketsphinx's half-bit dither, 69.0 % with a white floor of RMS 3, 75.6 % at
/// 10, 85.1 % at 30, 87.5 % at 100 and at 200, 81.5 % at 400 (the noisy conditions, whose noise
/// is louder than the floor, barely change). With the tilt below: 156/168 at RMS 70, 157 at
/// 100 and at 150.
const NOISE_FLOOR_RMS: f32 = 100.0;

/// Pole of the one-pole low-pass that tilts the floor's spectrum: at the same RMS, +4.8 dB
/// against white noise at 0 Hz and −4.8 dB at 8 kHz, as room and line noise fall with
/// frequency. A white floor of that level masked weak high-frequency sounds, the /f/ of
/// "four" and "five", the /s/ of "seven": 153/168 choices with a white floor, 156 with a pole
/// of 0.3, 157 at 0.4, 0.5 and 0.6, 156 at 0.7, 154 at 0.9; a rising floor (−0.5), 149
/// (corpus/RESULTS.md).
const NOISE_FLOOR_TILT: f32 = 0.5;

/// `samples` plus near-Gaussian noise of [`NOISE_FLOOR_RMS`], tilted by [`NOISE_FLOOR_TILT`],
/// from a fixed seed.
fn with_noise_floor(samples: &[i16]) -> Vec<i16> {
    let mut state: u32 = 0x9E37_79B9;
    let mut uniform = move || {
        // xorshift32, mapped to [-0.5, 0.5]
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as f32 / u32::MAX as f32 - 0.5
    };
    // The sum of four uniforms on [-0.5, 0.5] has variance 1/3; the low-pass multiplies the
    // variance by 1 / (1 − pole²).
    let tilt = NOISE_FLOOR_TILT;
    let scale = NOISE_FLOOR_RMS * 3f32.sqrt() * (1.0 - tilt * tilt).sqrt();
    let mut low = 0f32;
    samples
        .iter()
        .map(|&s| {
            low = tilt * low + (0..4).map(|_| uniform()).sum::<f32>();
            (f32::from(s) + low * scale)
                .round()
                .clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fillers_are_not_words() {
        for filler in ["<s>", "</s>", "<sil>", "[NOISE]", "++UH++", ""] {
            assert!(!is_word(filler), "{filler}");
        }
        assert!(is_word("billing") && is_word("it's"));
    }

    #[test]
    fn the_noise_floor_is_seeded_and_about_minus_47_dbfs() {
        let silence = vec![0i16; 16_000];
        let floor = with_noise_floor(&silence);
        assert_eq!(floor, with_noise_floor(&silence));
        let level = ringside_audio::rms_dbfs(&floor);
        assert!((-48.5..-46.0).contains(&level), "{level} dBFS");
        let loud = with_noise_floor(&[i16::MAX; 320]);
        assert!(loud.iter().all(|&s| s > i16::MAX - 1_000));
    }

    #[test]
    fn the_noise_floor_falls_with_frequency() {
        // The first difference's power over the signal's: 2 for white noise, 2 (1 − pole) for
        // the one-pole low-pass, 1 at a pole of 0.5.
        let floor = with_noise_floor(&vec![0i16; 16_000]);
        let power = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>();
        let total = power(&mut floor.iter().map(|&s| f64::from(s)));
        let diff = power(&mut floor.windows(2).map(|w| f64::from(w[1]) - f64::from(w[0])));
        let ratio = diff / total;
        assert!((0.9..1.1).contains(&ratio), "{ratio}");
    }
}
