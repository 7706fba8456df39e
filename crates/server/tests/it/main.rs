//! The server's integration tests in one binary, so the server is linked once: one module per area
//! (`cargo test -p ringside-server --test it graph_calls::` runs one). They run against a real
//! dev-mode server on 127.0.0.1:0 over HTTPS, on tokio's paused clock with the shared harness
//! (`ringside_testkit::server`), except the load figures (`graph_load`), which measure wall-clock
//! time.

mod acs_auth;
mod acs_calls;
mod acs_event_subscriptions;
mod acs_fidelity;
mod acs_media_streaming;
mod acs_speech;
mod acs_transcription;
mod acs_transfer;
mod acs_validation;
mod admin_api;
mod graph_calls;
mod graph_fidelity;
mod graph_load;
mod graph_media;
mod http_connections;
mod identity_api;
mod media_streaming;
mod metrics;
mod otlp;
mod simulated_phones;
mod sip;
