//! Request hygiene before any door sees a request: path normalisation (`//` collapsed, Graph's
//! case-insensitive segments canonicalised), keeping the raw target for ACS signatures. Request ids,
//! the body limit and the fallbacks live in [`ringside_http`].

use axum::extract::Request;
use axum::http::Uri;
use ringside_http::RawPathAndQuery;

/// Rewrites a request path: collapses runs of `/` (kiota sends `/v1.0//communications/calls`), drops a
/// trailing `/`, and canonicalises Graph segment names under `/v1.0` and `/beta`, including the
/// namespace-qualified action form `microsoft.graph.<action>`.
pub(crate) fn normalize_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_graph = matches!(segments.first(), Some(first) if first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta"));
    let mut out = String::with_capacity(path.len());
    for (index, segment) in segments.iter().enumerate() {
        out.push('/');
        if is_graph && index == 0 {
            out.push_str(&segment.to_ascii_lowercase());
            continue;
        }
        if is_graph {
            let bare = segment
                .strip_prefix("microsoft.graph.")
                .or_else(|| {
                    let lower = segment.to_ascii_lowercase();
                    lower
                        .strip_prefix("microsoft.graph.")
                        .map(|_| &segment["microsoft.graph.".len()..])
                })
                .unwrap_or(segment);
            if let Some(canonical) = ringside_door_graph::SEGMENTS
                .iter()
                .find(|known| known.eq_ignore_ascii_case(bare))
            {
                out.push_str(canonical);
                continue;
            }
        }
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Applies [`normalize_path`] to a request's URI, keeping the query. The original target is kept as a
/// [`RawPathAndQuery`] extension.
pub(crate) fn normalize_request(mut request: Request) -> Request {
    let raw = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| request.uri().path().to_string());
    request.extensions_mut().insert(RawPathAndQuery(raw));
    let uri = request.uri();
    let normalized = normalize_path(uri.path());
    if normalized != uri.path() {
        let rebuilt = match uri.query() {
            Some(query) => format!("{normalized}?{query}"),
            None => normalized,
        };
        if let Ok(path_and_query) = rebuilt.parse::<axum::http::uri::PathAndQuery>() {
            let mut parts = uri.clone().into_parts();
            parts.path_and_query = Some(path_and_query);
            if let Ok(new_uri) = Uri::from_parts(parts) {
                *request.uri_mut() = new_uri;
            }
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn collapses_slashes_and_canonicalises_graph_segments() {
        for (input, expected) in [
            ("/v1.0//communications/calls", "/v1.0/communications/calls"),
            (
                "/V1.0/Communications/Calls/AbC/microsoft.graph.answer",
                "/v1.0/communications/calls/AbC/answer",
            ),
            (
                "/v1.0/communications/calls/x/Microsoft.Graph.PlayPrompt",
                "/v1.0/communications/calls/x/playPrompt",
            ),
            (
                "/beta//admin/teams/resourceaccounts",
                "/beta/admin/teams/resourceAccounts",
            ),
            ("//ringside/v1//tenants/", "/ringside/v1/tenants"),
            ("/", "/"),
            ("", "/"),
            ("/T1/oauth2/v2.0/token", "/T1/oauth2/v2.0/token"),
        ] {
            assert_eq!(normalize_path(input), expected, "{input}");
        }
    }

    #[test]
    fn never_panics_on_arbitrary_paths() {
        let alphabet: Vec<char> = "/aZ.9%-_~:é漢 microsoftgraphv1.0beta".chars().collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let length = (seed % 40) as usize;
            let path: String = (0..length)
                .map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()])
                .collect();
            let normalized = normalize_path(&path);
            assert!(normalized.starts_with('/'));
            assert!(!normalized.contains("//"), "{path:?} -> {normalized:?}");
        }
    }
}
