//! ACS door scenarios through `/calling` with HMAC-SHA256-signed requests (as the Call Automation
//! SDKs sign them, dev.json's ACS key): `acs-setup` (createCall → CallConnected → hangUp, then a
//! simulated phone dials the CCaaS number → IncomingCall via an Event Grid subscription →
//! answerCall → CallConnected → hangUp) and `acs-stream` (N calls created with
//! mediaStreamingOptions streaming to a WebSocket sink in this process: frames/s, per-frame
//! lateness, server CPU). `client` holds what both use.

mod client;
mod setup;
mod stream;

pub(crate) use setup::setup;
pub(crate) use stream::stream;
