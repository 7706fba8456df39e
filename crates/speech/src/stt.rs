//! Speech recognition: [`SttEngine`] owns a fixed pool of worker threads and a pool of idle
//! pocketsphinx decoders; each [`Recognizer`] (one recognition or one transcription) holds a
//! decoder of its own for its lifetime and is served by one worker, which runs the endpointing
//! and the decoder for every frame it is fed.
//!
//! Feeding is non-blocking ([`Recognizer::push`] queues a frame to the worker) and results come
//! back on a channel ([`Recognizer::try_event`], [`Recognizer::wait_event`]), so the media clock
//! never waits for the decoder. Creating a decoder reads the models (measured in the crate's
//! bench); [`SttEngine::recognize`] takes an idle one when it can, and [`SttEngine::prewarm`]
//! fills the pool ahead of time. Silence before speech is not decoded at all (the endpointer
//! keeps a short pre-roll and starts the decoder at the onset), so a recognizer waiting for a
//! caller to speak costs next to nothing.

use crate::decoder::{Decoder, Kind, Models};
use crate::endpoint::Timeouts;
use crate::ffi::sphinx::Sphinx;
use crate::grammar::{Choice, Grammar};
use crate::session::{Event, Listen, Session, Tuning};
use crate::SpeechError;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct SttConfig {
    /// Model files.
    pub models: Models,
    /// Worker threads (default: the machine's parallelism).
    pub workers: usize,
    /// Audio kept from before the speech onset and decoded with it, ms.
    pub preroll_ms: u32,
    /// How often a transcription reports an intermediate phrase during speech, ms.
    pub partial_every_ms: u32,
    /// A choice whose confidence is below this is reported as no match (default 0: every
    /// choice heard is reported; corpus/RESULTS.md says what a threshold keeps and rejects).
    pub min_choice_confidence: f32,
    /// Idle decoders kept per kind; more are freed when returned.
    pub max_idle_decoders: usize,
    /// Prior weight, against a choice's 1, of each garbage word a choices grammar also holds
    /// (frequent English words that sound like none of the choices; one heard is a no match).
    /// Higher rejects more speech that is none of the choices and loses more real choices;
    /// 0 turns garbage words off. Default 1e-30 (corpus/RESULTS.md).
    pub garbage_weight: f32,
}

impl Default for SttConfig {
    fn default() -> SttConfig {
        SttConfig {
            models: Models::default(),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            preroll_ms: 300,
            partial_every_ms: 500,
            min_choice_confidence: 0.0,
            max_idle_decoders: 64,
            garbage_weight: GARBAGE_WEIGHT,
        }
    }
}

/// The default [`SttConfig::garbage_weight`]: on the corpus, 157/168 choices right and 80/120
/// other words a no match; 1e-25: 156 and 90, 1e-35: 158 and 62 (corpus/RESULTS.md).
pub const GARBAGE_WEIGHT: f32 = 1e-30;

/// What to recognise.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// One of these choices (ACS `recognizeInputType: choices`).
    Choices(Vec<Choice>),
    /// Free speech (ACS `speech`).
    Speech,
}

enum Msg {
    Start(u64, Box<Session>, Sender<Event>),
    Audio(u64, Vec<i16>),
    Finish(u64),
    Cancel(u64),
}

struct Shared {
    sphinx: Arc<Sphinx>,
    models: Models,
    lexicon: HashSet<String>,
    idle: Mutex<HashMap<Kind, Vec<Decoder>>>,
    max_idle: usize,
    tuning: Tuning,
    garbage_weight: f32,
}

impl Shared {
    fn take(&self, kind: Kind) -> Result<Decoder, SpeechError> {
        let pooled = self.lock_idle().get_mut(&kind).and_then(Vec::pop);
        match pooled {
            Some(decoder) => Ok(decoder),
            None => self.fresh(kind),
        }
    }

    fn fresh(&self, kind: Kind) -> Result<Decoder, SpeechError> {
        Decoder::new(&self.sphinx, &self.models, kind, self.garbage_weight)
    }

    fn give_back(&self, decoder: Decoder) {
        let mut idle = self.lock_idle();
        let list = idle.entry(decoder.kind()).or_default();
        if list.len() < self.max_idle {
            list.push(decoder);
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, HashMap<Kind, Vec<Decoder>>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The recognition engine: shareable (`Clone`), workers stop when the last handle is dropped.
#[derive(Clone)]
pub struct SttEngine {
    shared: Arc<Shared>,
    workers: Arc<Vec<Sender<Msg>>>,
    next_id: Arc<AtomicU64>,
}

impl SttEngine {
    /// Loads pocketsphinx and checks the models; [`SpeechError::Unavailable`] if either is
    /// missing.
    pub fn new(config: &SttConfig) -> Result<SttEngine, SpeechError> {
        config.models.check()?;
        let sphinx = Sphinx::open()?;
        let lexicon = config.models.lexicon()?;
        let tuning = Tuning {
            preroll_samples: (config.preroll_ms as usize) * 16,
            partial_every_samples: u64::from(config.partial_every_ms) * 16,
            min_choice_confidence: config.min_choice_confidence,
        };
        let shared = Arc::new(Shared {
            sphinx,
            models: config.models.clone(),
            lexicon,
            idle: Mutex::new(HashMap::new()),
            max_idle: config.max_idle_decoders,
            tuning,
            garbage_weight: config.garbage_weight,
        });
        let workers = (0..config.workers.max(1))
            .map(|i| spawn_worker(i, Arc::clone(&shared)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SttEngine {
            shared,
            workers: Arc::new(workers),
            next_id: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Creates `count` idle decoders of `kind` now, so that recognitions do not wait for one.
    pub fn prewarm(&self, kind: Kind, count: usize) -> Result<(), SpeechError> {
        let fresh = (0..count)
            .map(|_| self.shared.fresh(kind))
            .collect::<Result<Vec<_>, _>>()?;
        fresh.into_iter().for_each(|d| self.shared.give_back(d));
        Ok(())
    }

    /// True if the dictionary knows `word` (lower case).
    pub fn knows(&self, word: &str) -> bool {
        self.shared.lexicon.contains(word)
    }

    /// Builds the grammar of `choices` against the dictionary.
    pub fn grammar(&self, choices: &[Choice]) -> Result<Grammar, SpeechError> {
        Grammar::build(choices, |w| self.knows(w))
    }

    /// Starts a recognition (ACS `recognize` with choices or speech). May block while a decoder
    /// is created when none is idle.
    pub fn recognize(&self, mode: Mode, timeouts: Timeouts) -> Result<Recognizer, SpeechError> {
        let (listen, kind) = match mode {
            Mode::Choices(choices) => (Listen::Choices(self.grammar(&choices)?), Kind::Grammar),
            Mode::Speech => (Listen::Speech, Kind::Language),
        };
        let mut decoder = self.shared.take(kind)?;
        if let Listen::Choices(grammar) = &listen {
            if let Err(e) = decoder.set_grammar(grammar) {
                self.shared.give_back(decoder);
                return Err(e);
            }
        }
        self.start(Session::new(decoder, listen, timeouts, self.shared.tuning))
    }

    /// Starts a continuous transcription: a final [`crate::Phrase`] per utterance (ended by
    /// `end_silence_ms` of silence or `max_phrase_ms`), intermediate ones in between.
    pub fn transcribe(
        &self,
        end_silence_ms: u32,
        max_phrase_ms: u32,
    ) -> Result<Recognizer, SpeechError> {
        let decoder = self.shared.take(Kind::Language)?;
        let timeouts = Timeouts {
            initial_silence_ms: u32::MAX,
            end_silence_ms,
            max_duration_ms: max_phrase_ms,
        };
        let session = Session::new(decoder, Listen::Transcription, timeouts, self.shared.tuning);
        self.start(session)
    }

    fn start(&self, session: Session) -> Result<Recognizer, SpeechError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let worker = self.workers[(id as usize) % self.workers.len()].clone();
        let (tx, rx) = mpsc::channel();
        worker
            .send(Msg::Start(id, Box::new(session), tx))
            .map_err(|_| SpeechError::Recognition("the recognition workers have stopped".into()))?;
        Ok(Recognizer {
            id,
            worker,
            events: rx,
            done: false,
        })
    }
}

/// One recognition or transcription in progress. Dropping it cancels it.
pub struct Recognizer {
    id: u64,
    worker: Sender<Msg>,
    events: Receiver<Event>,
    done: bool,
}

impl Recognizer {
    /// Queues audio (16 kHz s16 mono; normally one 20 ms frame) without blocking.
    pub fn push(&self, samples: &[i16]) {
        let _ = self.worker.send(Msg::Audio(self.id, samples.to_vec()));
    }

    /// Ends listening now: a transcription reports its last phrase and [`Event::Stopped`], a
    /// recognition judges what it heard ([`Event::Completed`] with `ended_by: None`).
    pub fn finish(&self) {
        let _ = self.worker.send(Msg::Finish(self.id));
    }

    /// The next event if one is ready.
    pub fn try_event(&mut self) -> Option<Event> {
        self.events.try_recv().ok().inspect(|e| self.note(e))
    }

    /// Waits up to `timeout` for the next event.
    pub fn wait_event(&mut self, timeout: Duration) -> Option<Event> {
        match self.events.recv_timeout(timeout) {
            Ok(event) => {
                self.note(&event);
                Some(event)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    fn note(&mut self, event: &Event) {
        self.done |= matches!(
            event,
            Event::Completed(_) | Event::Stopped | Event::Failed(_)
        );
    }
}

impl Drop for Recognizer {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.worker.send(Msg::Cancel(self.id));
        }
    }
}

fn spawn_worker(index: usize, shared: Arc<Shared>) -> Result<Sender<Msg>, SpeechError> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("ringside-stt-{index}"))
        .spawn(move || Worker::default().run(&rx, &shared))
        .map_err(|e| SpeechError::Unavailable(format!("cannot start a recognition worker: {e}")))?;
    Ok(tx)
}

/// The sessions one worker thread serves.
#[derive(Default)]
struct Worker {
    sessions: HashMap<u64, (Box<Session>, Sender<Event>)>,
    events: Vec<Event>,
}

impl Worker {
    fn run(mut self, rx: &Receiver<Msg>, shared: &Shared) {
        for msg in rx {
            match msg {
                Msg::Start(id, session, tx) => {
                    self.sessions.insert(id, (session, tx));
                }
                Msg::Audio(id, samples) => self.audio(id, &samples, shared),
                Msg::Finish(id) => self.finish(id, shared),
                Msg::Cancel(id) => self.end(id, shared),
            }
        }
    }

    fn audio(&mut self, id: u64, samples: &[i16], shared: &Shared) {
        let Some((session, tx)) = self.sessions.get_mut(&id) else {
            return; // finished or cancelled: late frames are dropped
        };
        let over = session.push(samples, &mut self.events);
        let gone = self.events.drain(..).any(|e| tx.send(e).is_err());
        if over || gone {
            self.end(id, shared);
        }
    }

    fn finish(&mut self, id: u64, shared: &Shared) {
        if let Some((session, tx)) = self.sessions.get_mut(&id) {
            session.finish(&mut self.events);
            self.events.drain(..).for_each(|e| {
                let _ = tx.send(e);
            });
            self.end(id, shared);
        }
    }

    fn end(&mut self, id: u64, shared: &Shared) {
        if let Some((mut session, _)) = self.sessions.remove(&id) {
            session.close();
            shared.give_back(session.into_decoder());
        }
    }
}
