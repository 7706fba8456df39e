//! The platform API's call endpoints over the call runtime ([`ringside_runtime`]): simulated
//! phones and users, uploaded media, live and ended calls with their logs and recordings
//! ([`api`]), and recordResponse downloads ([`recordings`]).

pub(crate) mod api;
pub(crate) mod recordings;
