//! espeak-ng's C API (`libespeak-ng.so.1`) in synchronous mode: initialise once, set voice and
//! prosody, synthesise with a callback that receives the audio in chunks.
//!
//! espeak-ng keeps global state and is not thread-safe: one [`Espeak`] exists per process and is
//! used from one thread only (the TTS worker, see [`crate::tts`]). The synthesis callback cannot
//! carry a closure through C, so the chunk sink lives in a thread-local for the duration of one
//! [`Espeak::synth`] call on that thread.
#![allow(unsafe_code)]

use super::{open_first, symbol};
use crate::SpeechError;
use libloading::Library;
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_short, c_uint, c_void, CString};
use std::sync::atomic::{AtomicBool, Ordering};

const LIBRARY_NAMES: &[&str] = &["libespeak-ng.so.1", "libespeak-ng.so"];
const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
const INITIALIZE_DONT_EXIT: c_int = 0x8000;
const POS_CHARACTER: c_int = 1;
const CHARS_UTF8: c_uint = 1;
const PARAM_RATE: c_int = 1;
const PARAM_PITCH: c_int = 3;

type SynthCallback = unsafe extern "C" fn(*mut c_short, c_int, *mut c_void) -> c_int;

/// The process may initialise espeak-ng once (its state is global).
static OPENED: AtomicBool = AtomicBool::new(false);

/// Receives one chunk of audio; returns false to stop synthesis.
type Sink = Box<dyn FnMut(&[i16]) -> bool>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

struct Api {
    set_callback: unsafe extern "C" fn(SynthCallback),
    set_voice_by_name: unsafe extern "C" fn(*const c_char) -> c_int,
    set_parameter: unsafe extern "C" fn(c_int, c_int, c_int) -> c_int,
    synth: unsafe extern "C" fn(
        *const c_void,
        usize,
        c_uint,
        c_int,
        c_uint,
        c_uint,
        *mut c_uint,
        *mut c_void,
    ) -> c_int,
}

/// The initialised engine. Not `Sync`; `Send` so the worker thread can own it.
pub(crate) struct Espeak {
    api: Api,
    sample_rate: u32,
    _library: Library,
}

// SAFETY: espeak-ng's state is global and `Espeak` is the only handle to it (see `OPENED`); it is
// moved to one worker thread and used only there.
unsafe impl Send for Espeak {}

impl Espeak {
    /// Loads the library and initialises it for synchronous synthesis with `buffer_ms` chunks.
    pub(crate) fn open(buffer_ms: u32) -> Result<Espeak, SpeechError> {
        if OPENED.swap(true, Ordering::SeqCst) {
            return Err(SpeechError::Unavailable(
                "espeak-ng is already open in this process".into(),
            ));
        }
        let opened = Espeak::load(buffer_ms);
        if opened.is_err() {
            OPENED.store(false, Ordering::SeqCst);
        }
        opened
    }

    fn load(buffer_ms: u32) -> Result<Espeak, SpeechError> {
        let library = open_first(LIBRARY_NAMES)?;
        let initialize: unsafe extern "C" fn(c_int, c_int, *const c_char, c_int) -> c_int =
            symbol!(library, b"espeak_Initialize\0");
        let api = Api {
            set_callback: symbol!(library, b"espeak_SetSynthCallback\0"),
            set_voice_by_name: symbol!(library, b"espeak_SetVoiceByName\0"),
            set_parameter: symbol!(library, b"espeak_SetParameter\0"),
            synth: symbol!(library, b"espeak_Synth\0"),
        };
        let buffer = c_int::try_from(buffer_ms.clamp(10, 1000)).unwrap_or(20);
        // SAFETY: a null path selects the default data directory; DONT_EXIT makes errors returns.
        let rate = unsafe {
            initialize(
                AUDIO_OUTPUT_SYNCHRONOUS,
                buffer,
                std::ptr::null(),
                INITIALIZE_DONT_EXIT,
            )
        };
        let sample_rate = u32::try_from(rate).ok().filter(|r| *r > 0).ok_or_else(|| {
            SpeechError::Unavailable(format!(
                "espeak_Initialize failed ({rate}): is espeak-ng-data installed?"
            ))
        })?;
        // SAFETY: `on_audio` matches t_espeak_callback and stays valid for the process.
        unsafe { (api.set_callback)(on_audio) };
        Ok(Espeak {
            api,
            sample_rate,
            _library: library,
        })
    }

    /// espeak-ng's output rate (22050 Hz for its standard voices).
    pub(crate) fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Selects a voice by espeak-ng name ("en-us+f3"); false if it does not exist.
    pub(crate) fn set_voice(&mut self, name: &str) -> bool {
        let Ok(name) = CString::new(name) else {
            return false;
        };
        // SAFETY: a valid NUL-terminated string, read during the call only.
        unsafe { (self.api.set_voice_by_name)(name.as_ptr()) == 0 }
    }

    /// Sets the speaking rate (words per minute, 80–450) and base pitch (0–100, 50 normal).
    pub(crate) fn set_prosody(&mut self, wpm: u32, pitch: u32) {
        let wpm = c_int::try_from(wpm.clamp(80, 450)).unwrap_or(175);
        let pitch = c_int::try_from(pitch.min(100)).unwrap_or(50);
        // SAFETY: plain integer parameters.
        unsafe {
            (self.api.set_parameter)(PARAM_RATE, wpm, 0);
            (self.api.set_parameter)(PARAM_PITCH, pitch, 0);
        }
    }

    /// Synthesises plain UTF-8 `text`, handing each chunk to `sink` until it returns false.
    pub(crate) fn synth(
        &mut self,
        text: &str,
        sink: impl FnMut(&[i16]) -> bool + 'static,
    ) -> Result<(), SpeechError> {
        let text = CString::new(text.replace('\0', " "))
            .map_err(|_| SpeechError::Synthesis("text contains NUL".into()))?;
        SINK.with(|s| *s.borrow_mut() = Some(Box::new(sink)));
        let bytes = text.as_bytes_with_nul();
        // SAFETY: `text` outlives the synchronous call; no position tracking or user data.
        let status = unsafe {
            (self.api.synth)(
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                POS_CHARACTER,
                0,
                CHARS_UTF8,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        SINK.with(|s| *s.borrow_mut() = None);
        match status {
            0 => Ok(()),
            other => Err(SpeechError::Synthesis(format!(
                "espeak_Synth returned {other}"
            ))),
        }
    }
}

/// espeak-ng's synthesis callback: forwards a chunk to the thread's sink; 1 aborts synthesis.
unsafe extern "C" fn on_audio(wav: *mut c_short, samples: c_int, _events: *mut c_void) -> c_int {
    let len = usize::try_from(samples).unwrap_or(0);
    if wav.is_null() || len == 0 {
        return 0;
    }
    // SAFETY: espeak-ng passes `samples` valid samples at `wav` for the duration of the call.
    let chunk = unsafe { std::slice::from_raw_parts(wav.cast_const(), len) };
    let keep_going = SINK.with(|s| match s.borrow_mut().as_mut() {
        Some(sink) => sink(chunk),
        None => false,
    });
    c_int::from(!keep_going)
}
