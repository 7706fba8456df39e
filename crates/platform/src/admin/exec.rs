//! Running directory commands and reads for the provisioning handlers: commands commit atomically
//! on a blocking thread, reads map a missing record to 404, and refusals map to the envelope
//! (not found 404, conflict 409, invalid 400, precondition 412) with Graph-style sentences.

use ringside_directory::{Change, Command, Directory, DirectoryError};
use ringside_store::ExecError;

use crate::state::PlatformState;
use ringside_http::ApiError;

/// Runs commands atomically on a blocking thread (the commit waits for the disk).
pub(super) async fn exec(
    state: &PlatformState,
    commands: Vec<Command>,
) -> Result<Vec<Change>, ApiError> {
    let service = state.clone();
    let now = state.now();
    tokio::task::spawn_blocking(move || service.directory().execute_batch(now, &commands))
        .await
        .map_err(ApiError::internal)?
        .map_err(exec_error)
}

/// Reads the directory, mapping `None` to a 404 with `missing`.
pub(super) fn read_one<T>(
    state: &PlatformState,
    missing: impl FnOnce() -> String,
    f: impl FnOnce(&Directory) -> Option<T>,
) -> Result<T, ApiError> {
    state
        .directory()
        .read(f)
        .ok_or_else(|| ApiError::not_found(missing()))
}

/// Maps a refused or failed command to the envelope.
fn exec_error(error: ExecError) -> ApiError {
    match error {
        ExecError::Directory(error) => directory_error(error),
        ExecError::Store(error) => ApiError::internal(error),
    }
}

/// Maps the directory's refusal to the envelope.
pub(super) fn directory_error(error: DirectoryError) -> ApiError {
    let message = sentence(error.message());
    match error {
        DirectoryError::NotFound(_) => ApiError::not_found(message),
        DirectoryError::Conflict(_) => ApiError::conflict(message),
        DirectoryError::Invalid(_) => ApiError::bad_request(message),
        DirectoryError::PreconditionFailed(_) => ApiError::precondition_failed(message),
    }
}

/// Capitalised and ending with a full stop, as Graph messages are.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut text = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn directory_errors_map_to_statuses() {
        let cases = [
            (DirectoryError::NotFound("x".into()), StatusCode::NOT_FOUND),
            (DirectoryError::Conflict("x".into()), StatusCode::CONFLICT),
            (DirectoryError::Invalid("x".into()), StatusCode::BAD_REQUEST),
            (
                DirectoryError::PreconditionFailed("x".into()),
                StatusCode::PRECONDITION_FAILED,
            ),
        ];
        for (error, status) in cases {
            assert_eq!(directory_error(error).status(), status);
        }
        assert_eq!(sentence("user x is gone"), "User x is gone.");
        assert_eq!(sentence("Done."), "Done.");
    }
}
