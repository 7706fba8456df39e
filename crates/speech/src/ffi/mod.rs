//! Run-time bindings to the engines' shared libraries (`libloading`): the only `unsafe` in the crate.
//!
//! Each binding resolves every symbol it uses when it is opened, so a missing or incompatible
//! library is one [`crate::SpeechError::Unavailable`] at start-up, never a crash mid-call.

pub(crate) mod espeak;
pub(crate) mod sphinx;

use crate::SpeechError;
use libloading::Library;

/// Opens the first library of `names` that loads, naming them all in the error.
pub(crate) fn open_first(names: &[&str]) -> Result<Library, SpeechError> {
    let mut reasons = Vec::new();
    for name in names {
        #[allow(unsafe_code)]
        // SAFETY: these are plain C libraries (espeak-ng, pocketsphinx, sphinxbase) whose
        // initialisers have no preconditions.
        match unsafe { Library::new(*name) } {
            Ok(library) => return Ok(library),
            Err(err) => reasons.push(format!("{name}: {err}")),
        }
    }
    Err(SpeechError::Unavailable(reasons.join("; ")))
}

/// Resolves one symbol as a copied function pointer (the `Library` must outlive its use).
macro_rules! symbol {
    ($lib:expr, $name:literal) => {{
        #[allow(unsafe_code)]
        // SAFETY: the type at the call site is the C prototype from the library's header.
        let sym = unsafe { $lib.get($name) }
            .map(|s: libloading::Symbol<'_, _>| *s)
            .map_err(|e| {
                crate::SpeechError::Unavailable(format!(
                    "{}: {e}",
                    String::from_utf8_lossy(&$name[..$name.len() - 1])
                ))
            })?;
        sym
    }};
}
pub(crate) use symbol;
