//! One recognition or transcription as a worker thread runs it: endpointing, the pre-roll kept
//! while waiting for speech, feeding the decoder, and turning what was heard into events.

use crate::decoder::{Decoder, Heard};
use crate::endpoint::{End, Endpointer, Step, Timeouts};
use crate::grammar::Grammar;
use crate::SpeechError;
use std::collections::VecDeque;

/// What a recognition listens for.
#[derive(Debug, Clone, PartialEq)]
pub enum Listen {
    /// One of the grammar's phrases (ACS `choices`).
    Choices(Grammar),
    /// Free speech with the language model (ACS `speech`).
    Speech,
    /// Continuous transcription: a phrase per utterance, partial results in between.
    Transcription,
}

/// How a recognition ended (neutral; see the crate docs for the ACS codes).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A choice matched: its label, the phrase as the request gave it, and the confidence.
    Choice {
        /// `choiceResult.label`.
        label: String,
        /// `choiceResult.recognizedPhrase`.
        phrase: String,
        /// 0–1.
        confidence: f32,
        /// The recognizer's full result.
        heard: Heard,
    },
    /// Free speech was recognised.
    Speech {
        /// `speechResult.speech`.
        text: String,
        /// 0–1.
        confidence: f32,
        /// The recognizer's full result.
        heard: Heard,
    },
    /// No speech before the initial-silence timeout.
    InitialSilence,
    /// Speech was heard but matched no choice (choices) or gave no text (speech).
    NoMatch {
        /// What the decoder made of it.
        heard: Heard,
    },
}

/// A recognition's end: the outcome and the endpointing reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognition {
    /// What was recognised.
    pub outcome: Outcome,
    /// Why listening stopped (`None` when the caller asked to finish).
    pub ended_by: Option<End>,
}

/// A transcription's phrase (ACS `TranscriptionData`).
#[derive(Debug, Clone, PartialEq)]
pub struct Phrase {
    /// `Final` when true, `Intermediate` when false.
    pub is_final: bool,
    /// The text (partial text for intermediate phrases).
    pub text: String,
    /// Start of the utterance, ms since the transcription started.
    pub offset_ms: u64,
    /// Duration of the utterance so far, ms.
    pub duration_ms: u64,
    /// 0–1 (0 for intermediate phrases).
    pub confidence: f32,
    /// Words with offsets since the transcription started (final phrases only).
    pub words: Vec<crate::decoder::Word>,
}

/// What a recognizer reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Speech began, ms since listening started (for barge-in: stop the prompt).
    SpeechStarted {
        /// Offset in ms.
        offset_ms: u64,
    },
    /// A transcription phrase, intermediate or final.
    Phrase(Phrase),
    /// The recognition is over (recognize modes); nothing follows.
    Completed(Recognition),
    /// The transcription stopped after its last phrase (transcription mode); nothing follows.
    Stopped,
    /// The engine failed; nothing follows.
    Failed(SpeechError),
}

/// Audio kept after the last speech frame of a choices utterance: 100 ms.
const TAIL_SAMPLES: u64 = 1_600;

/// Tuning shared by all sessions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tuning {
    pub(crate) preroll_samples: usize,
    pub(crate) partial_every_samples: u64,
    pub(crate) min_choice_confidence: f32,
}

/// A running session; `step` returns the events a frame produced and whether it is over.
pub(crate) struct Session {
    decoder: Decoder,
    listen: Listen,
    timeouts: Timeouts,
    tuning: Tuning,
    endpointer: Endpointer,
    preroll: VecDeque<i16>,
    in_utterance: bool,
    utterance_start: u64,
    consumed: u64,
    last_partial: (u64, String),
    /// A choices utterance so far (decoded whole at its end).
    utterance: Vec<i16>,
    /// A choices utterance decoded early, in the pause after its last speech: the length
    /// decoded and the result, used if no speech follows.
    early: Option<(usize, Heard)>,
}

impl Session {
    pub(crate) fn new(
        decoder: Decoder,
        listen: Listen,
        timeouts: Timeouts,
        tuning: Tuning,
    ) -> Session {
        Session {
            decoder,
            listen,
            timeouts,
            tuning,
            endpointer: Endpointer::new(timeouts),
            preroll: VecDeque::with_capacity(tuning.preroll_samples + 320),
            in_utterance: false,
            utterance_start: 0,
            consumed: 0,
            last_partial: (0, String::new()),
            utterance: Vec::new(),
            early: None,
        }
    }

    pub(crate) fn into_decoder(self) -> Decoder {
        self.decoder
    }

    /// Processes one frame; true when the session is over.
    pub(crate) fn push(&mut self, frame: &[i16], out: &mut Vec<Event>) -> bool {
        match self.try_push(frame, out) {
            Ok(done) => done,
            Err(e) => {
                out.push(Event::Failed(e));
                true
            }
        }
    }

    fn try_push(&mut self, frame: &[i16], out: &mut Vec<Event>) -> Result<bool, SpeechError> {
        let step = self.endpointer.push(frame);
        let frame_start = self.consumed;
        self.consumed += frame.len() as u64;
        if self.in_utterance {
            self.feed(frame)?;
        } else {
            self.remember(frame);
        }
        match step {
            Step::Continue => {
                self.maybe_partial(out);
                self.maybe_decode_early()?;
                Ok(false)
            }
            Step::SpeechStarted => {
                self.begin_utterance(frame_start, out)?;
                Ok(false)
            }
            Step::Ended(end) => self.ended(end, out),
        }
    }

    /// Decodes a transcription or free speech live, as the audio arrives; keeps a choices
    /// utterance to decode it whole at its end. Choices are short (a word or a few): live
    /// cepstral mean normalisation starts from the mean of whatever the decoder heard before,
    /// so a pooled decoder's result depended on its history (76–83 % on the corpus, run to
    /// run), while one normalisation over the utterance itself, on a noise floor, gives the
    /// same result every time and more of them right (corpus/RESULTS.md). The endpointer still
    /// gives the timing live; the decode costs a few ms at the end of speech.
    fn feed(&mut self, samples: &[i16]) -> Result<(), SpeechError> {
        if self.whole() {
            self.utterance.extend_from_slice(samples);
            return Ok(());
        }
        self.decoder.process(samples)
    }

    /// Where a choices utterance of `len` samples stops: [`TAIL_SAMPLES`] after the last speech
    /// frame (the rest of the end silence only dilutes the normalisation: 90.5 % → 91.7 %).
    fn utterance_end(&self, len: usize) -> usize {
        let silence = self.endpointer.trailing_silence();
        let cut = usize::try_from(silence.saturating_sub(TAIL_SAMPLES)).unwrap_or(len);
        len.saturating_sub(cut)
    }

    /// True if utterances are decoded whole at their end (choices).
    fn whole(&self) -> bool {
        matches!(self.listen, Listen::Choices(_))
    }

    /// The utterance's result.
    fn heard(&mut self) -> Result<Heard, SpeechError> {
        self.in_utterance = false;
        if self.whole() {
            let mut audio = std::mem::take(&mut self.utterance);
            let keep = self.utterance_end(audio.len());
            if let Some((_, heard)) = self.early.take().filter(|(len, _)| *len == keep) {
                return Ok(heard);
            }
            audio.truncate(keep);
            return self.decoder.decode_whole(&audio);
        }
        self.decoder.finish()
    }

    /// Decodes a choices utterance as soon as [`TAIL_SAMPLES`] of silence follow its speech,
    /// while the end-silence timer runs: the audio decoded is exactly what the end would
    /// decode if no speech follows, so the result is ready then (speech that resumes makes
    /// the utterance longer and it is decoded again).
    fn maybe_decode_early(&mut self) -> Result<(), SpeechError> {
        if !self.whole() || !self.in_utterance {
            return Ok(());
        }
        if self.endpointer.trailing_silence() < TAIL_SAMPLES {
            return Ok(());
        }
        let keep = self.utterance_end(self.utterance.len());
        if self.early.as_ref().is_some_and(|(len, _)| *len == keep) {
            return Ok(());
        }
        let heard = self.decoder.decode_whole(&self.utterance[..keep])?;
        self.early = Some((keep, heard));
        Ok(())
    }

    fn remember(&mut self, frame: &[i16]) {
        self.preroll.extend(frame);
        let excess = self
            .preroll
            .len()
            .saturating_sub(self.tuning.preroll_samples);
        self.preroll.drain(..excess);
    }

    fn begin_utterance(
        &mut self,
        frame_start: u64,
        out: &mut Vec<Event>,
    ) -> Result<(), SpeechError> {
        if !self.whole() {
            self.decoder.start()?;
        }
        self.utterance_start = self.consumed - self.preroll.len() as u64;
        let preroll: Vec<i16> = self.preroll.drain(..).collect();
        self.feed(&preroll)?;
        self.in_utterance = true;
        self.last_partial = (self.consumed, String::new());
        out.push(Event::SpeechStarted {
            offset_ms: samples_to_ms(frame_start),
        });
        Ok(())
    }

    fn maybe_partial(&mut self, out: &mut Vec<Event>) {
        if self.listen != Listen::Transcription || !self.in_utterance {
            return;
        }
        if self.consumed - self.last_partial.0 < self.tuning.partial_every_samples {
            return;
        }
        let text = self.decoder.partial();
        self.last_partial.0 = self.consumed;
        if !text.is_empty() && text != self.last_partial.1 {
            self.last_partial.1 = text.clone();
            out.push(Event::Phrase(self.phrase(false, text, 0.0, Vec::new())));
        }
    }

    fn phrase(
        &self,
        is_final: bool,
        text: String,
        confidence: f32,
        words: Vec<crate::decoder::Word>,
    ) -> Phrase {
        Phrase {
            is_final,
            text,
            offset_ms: samples_to_ms(self.utterance_start),
            duration_ms: samples_to_ms(self.consumed - self.utterance_start),
            confidence,
            words,
        }
    }

    fn ended(&mut self, end: End, out: &mut Vec<Event>) -> Result<bool, SpeechError> {
        if self.listen == Listen::Transcription {
            self.final_phrase(out)?;
            self.restart_listening();
            return Ok(false);
        }
        let outcome = match (end, self.in_utterance) {
            (End::InitialSilence, _) | (_, false) => Outcome::InitialSilence,
            _ => {
                let heard = self.heard()?;
                self.judge(heard)
            }
        };
        out.push(Event::Completed(Recognition {
            outcome,
            ended_by: Some(end),
        }));
        Ok(true)
    }

    /// Finishes at the caller's request: a transcription flushes its phrase and stops; a
    /// recognition judges what it heard so far.
    pub(crate) fn finish(&mut self, out: &mut Vec<Event>) {
        let result = if self.listen == Listen::Transcription {
            self.final_phrase(out).map(|()| Event::Stopped)
        } else if self.in_utterance {
            let heard = self.heard();
            heard.map(|heard| {
                Event::Completed(Recognition {
                    outcome: self.judge(heard),
                    ended_by: None,
                })
            })
        } else {
            Ok(Event::Completed(Recognition {
                outcome: Outcome::InitialSilence,
                ended_by: None,
            }))
        };
        out.push(result.unwrap_or_else(Event::Failed));
    }

    /// Ends an utterance left open (the session is being dropped) so the decoder can be reused.
    pub(crate) fn close(&mut self) {
        if self.in_utterance && !self.whole() {
            let _ = self.decoder.finish();
        }
        self.in_utterance = false;
    }

    fn final_phrase(&mut self, out: &mut Vec<Event>) -> Result<(), SpeechError> {
        if !self.in_utterance {
            return Ok(());
        }
        let heard = self.heard()?;
        if heard.text.is_empty() {
            return Ok(());
        }
        let origin = samples_to_ms(self.utterance_start) as u32;
        let words = heard
            .words
            .iter()
            .map(|w| crate::decoder::Word {
                start_ms: w.start_ms + origin,
                end_ms: w.end_ms + origin,
                ..w.clone()
            })
            .collect();
        out.push(Event::Phrase(self.phrase(
            true,
            heard.text,
            heard.confidence,
            words,
        )));
        Ok(())
    }

    fn restart_listening(&mut self) {
        let base = self.consumed;
        self.endpointer = Endpointer::new(Timeouts {
            initial_silence_ms: u32::MAX,
            ..self.timeouts
        });
        // The endpointer counts from zero; offsets stay relative to the transcription start.
        self.utterance_start = base;
        self.preroll.clear();
    }

    fn judge(&self, heard: Heard) -> Outcome {
        match &self.listen {
            Listen::Choices(grammar) => match grammar.lookup(&heard.text) {
                Some((index, phrase)) if heard.confidence >= self.tuning.min_choice_confidence => {
                    Outcome::Choice {
                        label: grammar.labels[index].clone(),
                        phrase: phrase.to_string(),
                        confidence: heard.confidence,
                        heard,
                    }
                }
                _ => Outcome::NoMatch { heard },
            },
            _ if heard.text.is_empty() => Outcome::NoMatch { heard },
            _ => Outcome::Speech {
                text: heard.text.clone(),
                confidence: heard.confidence,
                heard,
            },
        }
    }
}

fn samples_to_ms(samples: u64) -> u64 {
    samples * 1000 / u64::from(ringside_audio::SAMPLE_RATE)
}
