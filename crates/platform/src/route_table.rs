//! Test support: the paths a module's router source routes, so each module's `ROUTES` table (the
//! list the OpenAPI tests compare with the document) can be checked against its router.

use std::collections::BTreeSet;

/// Every `.route("…"` path inside the `fn routes()` of a module's source.
pub(crate) fn routed_paths(source: &str) -> BTreeSet<String> {
    let start = source.find("fn routes()").expect("the module has a router");
    let router = &source[start..];
    let router = &router[..router.find("\n}\n").expect("end of router")];
    let mut routed = BTreeSet::new();
    let mut rest = router;
    while let Some(start) = rest.find(".route(") {
        rest = &rest[start + ".route(".len()..];
        let open = rest.find('"').expect("quote");
        let close = rest[open + 1..].find('"').expect("closing quote");
        routed.insert(rest[open + 1..open + 1 + close].to_string());
    }
    routed
}
