//! The UAC side of digest: pick the strongest usable challenge of a 401/407, compute the
//! credentials, and re-send the request with CSeq + 1 and a fresh branch.

use super::{digest_response, Algorithm, AuthError, DigestInput};
use crate::headers::{AuthValue, Header};
use crate::message::{Request, Response};

/// A username and password for one realm (or any realm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Answers one Digest challenge for `method` and `uri`. `cnonce` must be fresh and random
/// (the caller supplies it: no randomness here); `nc` counts uses of the challenge's nonce.
pub fn answer_challenge(
    challenge: &AuthValue,
    creds: &Credentials,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> Result<AuthValue, AuthError> {
    if !challenge.is_digest() {
        return Err(AuthError::NoUsableChallenge);
    }
    let algorithm =
        Algorithm::parse(challenge.get("algorithm")).ok_or(AuthError::NoUsableChallenge)?;
    let realm = challenge.get("realm").ok_or(AuthError::NoUsableChallenge)?;
    let nonce = challenge.get("nonce").ok_or(AuthError::NoUsableChallenge)?;
    let qop = challenge.get("qop");
    let auth = qop.is_some_and(|q| q.split(',').any(|v| v.trim().eq_ignore_ascii_case("auth")));
    if qop.is_some() && !auth {
        return Err(AuthError::NoUsableChallenge);
    }
    let nc = format!("{nc:08x}");
    let input = DigestInput {
        algorithm,
        username: &creds.username,
        realm,
        password: &creds.password,
        nonce,
        method,
        uri,
        qop_auth: auth.then_some((nc.as_str(), cnonce)),
    };
    let mut v = AuthValue::new("Digest");
    v.push("username", &creds.username, true);
    v.push("realm", realm, true);
    v.push("nonce", nonce, true);
    v.push("uri", uri, true);
    v.push("response", &digest_response(&input), true);
    v.push("algorithm", algorithm.name(), false);
    if let Some(opaque) = challenge.get("opaque") {
        v.push("opaque", opaque, true);
    }
    if auth {
        v.push("qop", "auth", false);
        v.push("nc", &nc, false);
        v.push("cnonce", cnonce, true);
    }
    Ok(v)
}

/// The strongest answerable challenge in a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate).
fn pick(resp: &Response) -> Result<(&AuthValue, bool), AuthError> {
    let (list, proxy): (Vec<&AuthValue>, bool) = match resp.status {
        401 => (resp.headers.www_authenticate().collect(), false),
        407 => (resp.headers.proxy_authenticate().collect(), true),
        _ => return Err(AuthError::NotAChallenge),
    };
    let usable = list.into_iter().filter(|c| c.is_digest()).filter_map(|c| {
        let alg = Algorithm::parse(c.get("algorithm"))?;
        let qop_ok = c
            .get("qop")
            .is_none_or(|q| q.split(',').any(|v| v.trim().eq_ignore_ascii_case("auth")));
        qop_ok.then_some((alg.rank(), c))
    });
    let best = usable.max_by_key(|(rank, _)| *rank).map(|(_, c)| c);
    best.map(|c| (c, proxy)).ok_or(AuthError::NoUsableChallenge)
}

/// The request to re-send after `challenge_resp` (401/407): the original with credentials for
/// the challenge's realm (replacing older ones for that realm), CSeq + 1 and the top Via's
/// branch set to `branch`.
pub fn authorize(
    original: &Request,
    challenge_resp: &Response,
    creds: &Credentials,
    cnonce: &str,
    branch: &str,
) -> Result<Request, AuthError> {
    let (challenge, proxy) = pick(challenge_resp)?;
    let uri = original.uri.to_string();
    let value = answer_challenge(challenge, creds, original.method.as_str(), &uri, cnonce, 1)?;
    let mut req = original.clone();
    let realm = challenge.get("realm").unwrap_or_default().to_string();
    req.headers.0.retain(|h| match h {
        Header::Authorization(a) if !proxy => a.get("realm") != Some(realm.as_str()),
        Header::ProxyAuthorization(a) if proxy => a.get("realm") != Some(realm.as_str()),
        _ => true,
    });
    req.headers.push(if proxy {
        Header::ProxyAuthorization(value)
    } else {
        Header::Authorization(value)
    });
    let mut bumped = false;
    let mut rebranched = false;
    for h in &mut req.headers.0 {
        match h {
            Header::CSeq(c) if !bumped => {
                c.seq = c.seq.saturating_add(1);
                bumped = true;
            }
            Header::Via(v) if !rebranched => {
                v.params.set("branch", Some(branch));
                rebranched = true;
            }
            _ => {}
        }
    }
    if bumped && rebranched {
        Ok(req)
    } else {
        Err(AuthError::BadRequest)
    }
}
