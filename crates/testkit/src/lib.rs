//! Ringside's shared test harnesses (a dev-dependency only): [`engine`], the sans-IO call engine
//! on virtual time with a fake directory, and the [`digest`] lifecycle scenarios run on it;
//! [`postgres`], a throwaway PostgreSQL server per test process; with the
//! `server` feature, `server`: a dev-mode server on tokio's paused clock and the receivers a bot
//! runs (webhooks, Event Grid, media WebSockets, prompts), for the server's integration tests.

pub mod digest;
pub mod engine;
pub mod postgres;
#[cfg(feature = "server")]
pub mod server;
