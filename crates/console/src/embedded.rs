//! The console's files as embedded in the binary with `rust-embed` (also in debug builds): the one
//! place that knows the `assets/` folder, read by the asset routes and the login page.

use rust_embed::Embed;

#[derive(Embed)]
#[folder = "assets/"]
pub(crate) struct Assets;

/// A file's text ("" if it is missing, which a test rules out).
pub(crate) fn text(path: &str) -> String {
    Assets::get(path)
        .map(|file| String::from_utf8_lossy(&file.data).into_owned())
        .unwrap_or_default()
}
