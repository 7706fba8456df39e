//! REST under `/ringside/v1` for media uploads, simulated phones and live calls, one module per
//! part: [`media`] (upload WAV media), [`phones`] (an endpoint's behaviour, placing a call from a
//! simulated phone, joining a meeting), [`live`] (list calls, control a simulated leg: press, play,
//! hold, resume, hang up; its recording and detection log), [`cluster`] (the nodes sharing the
//! database) and [`stats`] (the media clock's
//! figures). They share [`extract`] (path parameters, optional JSON bodies) and [`reply`] (runtime
//! refusals to the envelope, `Location`). Admin-token guarded; errors in the Graph envelope.
//! Wire ⇄ runtime translation lives here.

mod cluster;
mod extract;
mod live;
mod media;
mod phones;
mod reply;
mod schemas;
mod stats;

use axum::Router;

use crate::state::PlatformState;

/// Every (method, path) served here, in the router's syntax (checked against the parts' routers,
/// and against the OpenAPI document together with the provisioning routes).
#[cfg(test)]
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("POST", "/media"),
    ("GET", "/media/{mediaId}"),
    ("GET", "/phones/{endpoint}/behaviour"),
    ("PUT", "/phones/{endpoint}/behaviour"),
    ("DELETE", "/phones/{endpoint}/behaviour"),
    ("POST", "/phones/{endpoint}/calls"),
    ("POST", "/meetings/{meetingId}/join"),
    ("GET", "/calls"),
    ("GET", "/calls/{callId}"),
    ("POST", "/calls/{callId}/legs/{legId}/press"),
    ("POST", "/calls/{callId}/legs/{legId}/play"),
    ("POST", "/calls/{callId}/legs/{legId}/hangup"),
    ("POST", "/calls/{callId}/legs/{legId}/hold"),
    ("POST", "/calls/{callId}/legs/{legId}/resume"),
    ("GET", "/calls/{callId}/legs/{legId}/recording"),
    ("GET", "/calls/{callId}/legs/{legId}/log"),
    ("GET", "/stats/media"),
    ("POST", "/stats/media/reset"),
    ("GET", "/cluster"),
];

/// Routes mounted at `/ringside/v1`.
pub(crate) fn routes() -> Router<PlatformState> {
    Router::new()
        .merge(media::routes())
        .merge(phones::routes())
        .merge(live::routes())
        .merge(stats::routes())
        .merge(cluster::routes())
}

/// This API's part of the OpenAPI document (paths relative to `/ringside/v1`).
pub(crate) fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    let mut document = media::Api::openapi();
    document.merge(phones::Api::openapi());
    document.merge(live::Api::openapi());
    document.merge(stats::Api::openapi());
    document.merge(cluster::Api::openapi());
    document.merge(schemas::Api::openapi());
    document
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_table::routed_paths;
    use std::collections::BTreeSet;

    #[test]
    fn the_routes_table_matches_the_router_source() {
        let sources = [
            include_str!("media.rs"),
            include_str!("phones.rs"),
            include_str!("live.rs"),
            include_str!("stats.rs"),
            include_str!("cluster.rs"),
        ];
        let routed: BTreeSet<String> = sources.into_iter().flat_map(routed_paths).collect();
        let listed: BTreeSet<String> = ROUTES.iter().map(|(_, path)| path.to_string()).collect();
        assert_eq!(routed, listed);
    }
}
