//! Compact JWS with RS256 only: signing with a [`SigningKey`] and verification against a [`KeySet`]
//! with issuer, audience and time checks.

use crate::clip::clip;
use crate::key::{KeySet, PublicKey, SigningKey};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

/// Tokens longer than this are rejected unparsed (Entra access tokens are 1–3 KB).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;
/// Default clock-skew allowance for `exp` and `nbf`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// Longest token-supplied text echoed in a [`TokenError`].
const MAX_ECHO: usize = 100;

/// A verified token's claims, as JSON.
pub type Claims = Map<String, Value>;

/// Why a token was not accepted. Messages are safe to log: token-supplied text is clipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not three base64url segments of JSON, too long, or a required claim is missing or mistyped.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header's `alg` is not `RS256` (`none`, `HS256`, … are refused).
    #[error("unsupported signing algorithm '{0}'; only RS256 is accepted")]
    UnsupportedAlgorithm(String),
    /// The header has no `kid`, or names a key that is not in the key set.
    #[error("{}", unknown_key_message(.0))]
    UnknownKey(Option<String>),
    /// The RS256 signature does not match the header and payload.
    #[error("token signature is invalid")]
    BadSignature,
    /// `exp` (plus leeway) has passed.
    #[error("token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`, unix seconds.
        exp: i64,
        /// The validation time.
        now: u64,
    },
    /// `nbf` (minus leeway) is still in the future.
    #[error("token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`, unix seconds.
        nbf: i64,
        /// The validation time.
        now: u64,
    },
    /// `iss` is missing or not one of the accepted issuers.
    #[error("token issuer '{0}' is not accepted")]
    WrongIssuer(String),
    /// No `aud` value is one of the accepted audiences.
    #[error("token audience '{0}' is not accepted")]
    WrongAudience(String),
}

fn unknown_key_message(kid: &Option<String>) -> String {
    match kid {
        Some(kid) => format!("no signing key with kid '{kid}' is known"),
        None => "token header has no kid".to_owned(),
    }
}

/// Errors from [`sign`].
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The claims did not serialize to a JSON object.
    #[error("claims must serialize to a JSON object: {0}")]
    Claims(String),
    /// The RSA operation failed.
    #[error("RSA signing failed: {0}")]
    Rsa(String),
}

/// What [`verify`] accepts. Empty `issuers` or `audiences` accept nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// The current time, unix seconds.
    pub now: u64,
    /// Clock-skew allowance applied to `exp` and `nbf`.
    pub leeway_secs: u64,
    /// Accepted `iss` values (exact match).
    pub issuers: Vec<String>,
    /// Accepted `aud` values (exact match against the string or any array element).
    pub audiences: Vec<String>,
}

impl Validation {
    /// Validation at `now` for the given issuers and audiences, with [`DEFAULT_LEEWAY_SECS`].
    pub fn new<I, A>(now: u64, issuers: I, audiences: A) -> Validation
    where
        I: IntoIterator,
        I::Item: Into<String>,
        A: IntoIterator,
        A::Item: Into<String>,
    {
        Validation {
            now,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            issuers: issuers.into_iter().map(Into::into).collect(),
            audiences: audiences.into_iter().map(Into::into).collect(),
        }
    }

    /// The same validation with another leeway.
    pub fn with_leeway(mut self, leeway_secs: u64) -> Validation {
        self.leeway_secs = leeway_secs;
        self
    }
}

#[derive(Serialize)]
struct Header<'a> {
    typ: &'static str,
    alg: &'static str,
    kid: &'a str,
}

/// Signs `claims` as a compact RS256 JWT with header `{"typ":"JWT","alg":"RS256","kid":…}`.
pub fn sign(key: &SigningKey, claims: &impl Serialize) -> Result<String, SignError> {
    let payload = serde_json::to_value(claims).map_err(|e| SignError::Claims(e.to_string()))?;
    if !payload.is_object() {
        return Err(SignError::Claims("not an object".to_owned()));
    }
    let header = Header {
        typ: "JWT",
        alg: "RS256",
        kid: key.kid(),
    };
    // Serializing a struct of strings and a `Value` to JSON cannot fail.
    let header_json = serde_json::to_vec(&header).map_err(|e| SignError::Claims(e.to_string()))?;
    let payload_json =
        serde_json::to_vec(&payload).map_err(|e| SignError::Claims(e.to_string()))?;
    let mut token = URL_SAFE_NO_PAD.encode(header_json);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload_json));
    let signature = key.sign_rs256(token.as_bytes()).map_err(SignError::Rsa)?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

/// Verifies an RS256 JWT and returns its claims.
///
/// Checks, in order: shape, `alg` = RS256, `kid` in `keys`, signature, `exp` (required), `nbf`
/// (optional), `iss` (required) and `aud` (string or array; required). Never panics.
pub fn verify(token: &str, keys: &KeySet, validation: &Validation) -> Result<Claims, TokenError> {
    let (header_b64, payload_b64, signature_b64) = split_token(token)?;
    let header = decode_object(header_b64, "header")?;
    let kid = header_kid(&header)?;
    let Some(public) = keys.public_key(kid) else {
        return Err(TokenError::UnknownKey(Some(clip(kid, MAX_ECHO))));
    };
    // `header.payload` is a prefix of `token`: both segments were split off its start.
    let signing_input_len = header_b64.len() + 1 + payload_b64.len();
    check_signature(
        public,
        &token.as_bytes()[..signing_input_len],
        signature_b64,
    )?;
    let claims = decode_object(payload_b64, "payload")?;
    check_lifetime(&claims, validation)?;
    check_issuer(&claims, validation)?;
    check_audience(&claims, validation)?;
    Ok(claims)
}

/// The header, payload and signature segments of a compact JWS no longer than [`MAX_TOKEN_LEN`].
fn split_token(token: &str) -> Result<(&str, &str, &str), TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed(format!(
            "longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed(
            "expected three dot-separated segments".to_owned(),
        ));
    };
    Ok((header_b64, payload_b64, signature_b64))
}

/// The header's `kid`, once `alg` is RS256 and no `crit` extension is asked for.
fn header_kid(header: &Map<String, Value>) -> Result<&str, TokenError> {
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.as_str(),
        Some(_) => {
            return Err(TokenError::Malformed(
                "header alg is not a string".to_owned(),
            ))
        }
        None => return Err(TokenError::Malformed("header has no alg".to_owned())),
    };
    if alg != "RS256" {
        return Err(TokenError::UnsupportedAlgorithm(clip(alg, MAX_ECHO)));
    }
    if header.contains_key("crit") {
        return Err(TokenError::Malformed(
            "critical header extensions are not supported".to_owned(),
        ));
    }
    match header.get("kid") {
        Some(Value::String(kid)) => Ok(kid.as_str()),
        Some(_) => Err(TokenError::Malformed(
            "header kid is not a string".to_owned(),
        )),
        None => Err(TokenError::UnknownKey(None)),
    }
}

/// Checks the base64url RS256 signature of `signing_input` (`header.payload`).
fn check_signature(
    public: &PublicKey,
    signing_input: &[u8],
    signature_b64: &str,
) -> Result<(), TokenError> {
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed("signature is not base64url".to_owned()))?;
    if !public.verify_rs256(signing_input, &signature) {
        return Err(TokenError::BadSignature);
    }
    Ok(())
}

/// `exp` (required) has not passed and `nbf` (optional) has come, both within the leeway.
fn check_lifetime(claims: &Claims, validation: &Validation) -> Result<(), TokenError> {
    let now = i128::from(validation.now);
    let leeway = i128::from(validation.leeway_secs);

    let exp = match claims.get("exp") {
        Some(value) => numeric_date(value, "exp")?,
        None => return Err(TokenError::Malformed("missing exp claim".to_owned())),
    };
    if now >= exp.saturating_add(leeway) {
        return Err(TokenError::Expired {
            exp: saturate(exp),
            now: validation.now,
        });
    }
    if let Some(value) = claims.get("nbf") {
        let nbf = numeric_date(value, "nbf")?;
        if now.saturating_add(leeway) < nbf {
            return Err(TokenError::NotYetValid {
                nbf: saturate(nbf),
                now: validation.now,
            });
        }
    }
    Ok(())
}

/// `iss` (required) is one of the accepted issuers.
fn check_issuer(claims: &Claims, validation: &Validation) -> Result<(), TokenError> {
    match claims.get("iss") {
        Some(Value::String(iss)) if validation.issuers.iter().any(|ok| ok == iss) => Ok(()),
        Some(Value::String(iss)) => Err(TokenError::WrongIssuer(clip(iss, MAX_ECHO))),
        Some(_) => Err(TokenError::Malformed("iss is not a string".to_owned())),
        None => Err(TokenError::WrongIssuer(String::new())),
    }
}

/// `aud` (required; a string or an array of strings) names an accepted audience.
fn check_audience(claims: &Claims, validation: &Validation) -> Result<(), TokenError> {
    let accepted = |aud: &str| validation.audiences.iter().any(|ok| ok == aud);
    match claims.get("aud") {
        Some(Value::String(aud)) if accepted(aud) => {}
        Some(Value::String(aud)) => return Err(TokenError::WrongAudience(clip(aud, MAX_ECHO))),
        Some(Value::Array(auds)) => {
            let mut strings = Vec::with_capacity(auds.len());
            for aud in auds {
                match aud {
                    Value::String(aud) => strings.push(aud.as_str()),
                    _ => {
                        return Err(TokenError::Malformed(
                            "aud array holds a non-string".to_owned(),
                        ))
                    }
                }
            }
            if !strings.iter().any(|aud| accepted(aud)) {
                return Err(TokenError::WrongAudience(clip(
                    &strings.join(","),
                    MAX_ECHO,
                )));
            }
        }
        Some(_) => {
            return Err(TokenError::Malformed(
                "aud is not a string or array".to_owned(),
            ))
        }
        None => return Err(TokenError::WrongAudience(String::new())),
    }
    Ok(())
}

/// [`verify`], then deserializes the claims into `T` (a shape mismatch is [`TokenError::Malformed`]).
pub fn verify_as<T: DeserializeOwned>(
    token: &str,
    keys: &KeySet,
    validation: &Validation,
) -> Result<T, TokenError> {
    let claims = verify(token, keys, validation)?;
    serde_json::from_value(Value::Object(claims))
        .map_err(|e| TokenError::Malformed(format!("claims do not have the expected shape: {e}")))
}

fn decode_object(segment: &str, what: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Malformed(format!("{what} is not base64url")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(TokenError::Malformed(format!(
            "{what} is not a JSON object"
        ))),
        Err(_) => Err(TokenError::Malformed(format!("{what} is not JSON"))),
    }
}

/// An RFC 7519 NumericDate: integer or fractional seconds (fractions are floored).
fn numeric_date(value: &Value, name: &str) -> Result<i128, TokenError> {
    let number = match value {
        Value::Number(number) => number,
        _ => return Err(TokenError::Malformed(format!("{name} is not a number"))),
    };
    if let Some(int) = number.as_i64() {
        Ok(i128::from(int))
    } else if let Some(int) = number.as_u64() {
        Ok(i128::from(int))
    } else if let Some(float) = number.as_f64() {
        // `as` saturates for out-of-range floats; JSON has no NaN or infinities.
        Ok(float.floor() as i128)
    } else {
        Err(TokenError::Malformed(format!("{name} is not a number")))
    }
}

fn saturate(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::tests::test_keys;
    use rand::rngs::StdRng;
    use rand::{Rng as _, SeedableRng as _};
    use serde_json::json;

    const ISS: &str = "https://127.0.0.1:47443/aaaaaaaa-0000-4000-8000-00000000beef/v2.0";
    const AUD: &str = "https://graph.microsoft.com";
    const NOW: u64 = 1_795_000_000;

    fn claims() -> Value {
        json!({ "aud": AUD, "iss": ISS, "iat": NOW, "nbf": NOW, "exp": NOW + 3599, "roles": ["Calls.Initiate.All"] })
    }

    fn validation() -> Validation {
        Validation::new(NOW + 10, [ISS], [AUD])
    }

    fn keys() -> KeySet {
        KeySet::from_signing_keys([&test_keys().0])
    }

    fn signed(claims: &Value) -> String {
        sign(&test_keys().0, claims).expect("sign")
    }

    fn segments(token: &str) -> Vec<String> {
        token.split('.').map(str::to_owned).collect()
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    #[test]
    fn sign_then_verify_round_trips() {
        let token = signed(&claims());
        let verified = verify(&token, &keys(), &validation()).expect("valid");
        assert_eq!(Value::Object(verified), claims());
    }

    #[test]
    fn header_is_typ_alg_kid_in_that_order() {
        let token = signed(&claims());
        let header = URL_SAFE_NO_PAD.decode(&segments(&token)[0]).expect("b64");
        let expected = format!(
            r#"{{"typ":"JWT","alg":"RS256","kid":"{}"}}"#,
            test_keys().0.kid()
        );
        assert_eq!(String::from_utf8(header).expect("utf8"), expected);
    }

    #[test]
    fn verify_as_deserializes_typed_claims() {
        #[derive(serde::Deserialize)]
        struct Minimal {
            aud: String,
            roles: Vec<String>,
        }
        let token = signed(&claims());
        let minimal: Minimal = verify_as(&token, &keys(), &validation()).expect("valid");
        assert_eq!(minimal.aud, AUD);
        assert_eq!(minimal.roles, ["Calls.Initiate.All"]);

        #[derive(Debug, serde::Deserialize)]
        struct NeedsMissing {
            #[allow(dead_code)]
            missing: String,
        }
        let err = verify_as::<NeedsMissing>(&token, &keys(), &validation()).unwrap_err();
        assert!(matches!(err, TokenError::Malformed(_)), "{err}");
    }

    #[test]
    fn rotation_key_set_verifies_tokens_from_either_key() {
        let (first, second) = test_keys();
        let set = KeySet::from_signing_keys([second, first]);
        for key in [first, second] {
            let token = sign(key, &claims()).expect("sign");
            assert!(verify(&token, &set, &validation()).is_ok());
        }
    }

    #[test]
    fn tampered_payload_is_bad_signature() {
        let token = signed(&claims());
        let mut parts = segments(&token);
        let mut forged = claims();
        forged["roles"] = json!(["Calls.Initiate.All", "Calls.AccessMedia.All"]);
        parts[1] = b64(&forged);
        assert_eq!(
            verify(&parts.join("."), &keys(), &validation()),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn signature_from_another_key_under_our_kid_is_bad_signature() {
        let (first, second) = test_keys();
        let ours = segments(&sign(first, &claims()).expect("sign"));
        let theirs = segments(&sign(second, &claims()).expect("sign"));
        let forged = format!("{}.{}.{}", ours[0], ours[1], theirs[2]);
        assert_eq!(
            verify(&forged, &keys(), &validation()),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn alg_none_and_hmac_are_unsupported() {
        let token = signed(&claims());
        let parts = segments(&token);
        let kid = test_keys().0.kid();
        for alg in [
            "none", "HS256", "HS512", "RS512", "PS256", "ES256", "rs256", "",
        ] {
            let header = b64(&json!({ "typ": "JWT", "alg": alg, "kid": kid }));
            for signature in ["", parts[2].as_str()] {
                let forged = format!("{header}.{}.{signature}", parts[1]);
                assert_eq!(
                    verify(&forged, &keys(), &validation()),
                    Err(TokenError::UnsupportedAlgorithm(alg.to_owned())),
                    "alg {alg:?}"
                );
            }
        }
    }

    #[test]
    fn unknown_or_missing_kid_is_unknown_key() {
        let (_, second) = test_keys();
        let token = sign(second, &claims()).expect("sign");
        assert_eq!(
            verify(&token, &keys(), &validation()),
            Err(TokenError::UnknownKey(Some(second.kid().to_owned())))
        );
        let parts = segments(&signed(&claims()));
        let header = b64(&json!({ "typ": "JWT", "alg": "RS256" }));
        let forged = format!("{header}.{}.{}", parts[1], parts[2]);
        assert_eq!(
            verify(&forged, &keys(), &validation()),
            Err(TokenError::UnknownKey(None))
        );
        assert_eq!(
            TokenError::UnknownKey(None).to_string(),
            "token header has no kid"
        );
        assert!(verify(&signed(&claims()), &KeySet::new(), &validation()).is_err());
    }

    #[test]
    fn expiry_honours_leeway() {
        let token = signed(&claims());
        let exp = NOW + 3599;
        let at = |now: u64, leeway: u64| {
            verify(
                &token,
                &keys(),
                &Validation::new(now, [ISS], [AUD]).with_leeway(leeway),
            )
        };
        assert!(at(exp - 1, 0).is_ok());
        assert_eq!(
            at(exp, 0),
            Err(TokenError::Expired {
                exp: exp as i64,
                now: exp
            })
        );
        assert!(at(exp + 59, 60).is_ok());
        assert_eq!(
            at(exp + 60, 60),
            Err(TokenError::Expired {
                exp: exp as i64,
                now: exp + 60
            })
        );
        assert_eq!(
            TokenError::Expired { exp: 5, now: 9 }.to_string(),
            "token expired at 5 (now 9)"
        );
    }

    #[test]
    fn not_before_honours_leeway() {
        let token = signed(&claims());
        let at = |now: u64, leeway: u64| {
            verify(
                &token,
                &keys(),
                &Validation::new(now, [ISS], [AUD]).with_leeway(leeway),
            )
        };
        assert!(at(NOW, 0).is_ok());
        assert_eq!(
            at(NOW - 1, 0),
            Err(TokenError::NotYetValid {
                nbf: NOW as i64,
                now: NOW - 1
            })
        );
        assert!(at(NOW - 60, 60).is_ok());
        assert!(matches!(
            at(NOW - 61, 60),
            Err(TokenError::NotYetValid { .. })
        ));
    }

    #[test]
    fn missing_exp_is_malformed_and_missing_nbf_is_fine() {
        let mut without_exp = claims();
        without_exp.as_object_mut().expect("object").remove("exp");
        assert!(matches!(
            verify(&signed(&without_exp), &keys(), &validation()),
            Err(TokenError::Malformed(_))
        ));
        let mut without_nbf = claims();
        without_nbf.as_object_mut().expect("object").remove("nbf");
        assert!(verify(&signed(&without_nbf), &keys(), &validation()).is_ok());
        let mut string_exp = claims();
        string_exp["exp"] = json!("soon");
        assert!(matches!(
            verify(&signed(&string_exp), &keys(), &validation()),
            Err(TokenError::Malformed(_))
        ));
        let mut float_exp = claims();
        float_exp["exp"] = json!(1e300);
        assert!(verify(&signed(&float_exp), &keys(), &validation()).is_ok());
        float_exp["exp"] = json!(-1e300);
        assert!(matches!(
            verify(&signed(&float_exp), &keys(), &validation()),
            Err(TokenError::Expired { exp: i64::MIN, .. })
        ));
    }

    #[test]
    fn wrong_issuer() {
        let mut other = claims();
        other["iss"] = json!("https://login.microsoftonline.com/other/v2.0");
        assert_eq!(
            verify(&signed(&other), &keys(), &validation()),
            Err(TokenError::WrongIssuer(
                "https://login.microsoftonline.com/other/v2.0".to_owned()
            ))
        );
        other.as_object_mut().expect("object").remove("iss");
        assert_eq!(
            verify(&signed(&other), &keys(), &validation()),
            Err(TokenError::WrongIssuer(String::new()))
        );
        let none_accepted = Validation::new(NOW, Vec::<String>::new(), [AUD]);
        assert!(matches!(
            verify(&signed(&claims()), &keys(), &none_accepted),
            Err(TokenError::WrongIssuer(_))
        ));
    }

    #[test]
    fn audience_string_or_array() {
        let mut array = claims();
        array["aud"] = json!(["https://example.com", AUD]);
        assert!(verify(&signed(&array), &keys(), &validation()).is_ok());

        array["aud"] = json!(["https://example.com", "https://communication.azure.com"]);
        assert_eq!(
            verify(&signed(&array), &keys(), &validation()),
            Err(TokenError::WrongAudience(
                "https://example.com,https://communication.azure.com".to_owned()
            ))
        );
        array["aud"] = json!([]);
        assert!(matches!(
            verify(&signed(&array), &keys(), &validation()),
            Err(TokenError::WrongAudience(_))
        ));
        array["aud"] = json!([AUD, 7]);
        assert!(matches!(
            verify(&signed(&array), &keys(), &validation()),
            Err(TokenError::Malformed(_))
        ));
        let mut single = claims();
        single["aud"] = json!("https://communication.azure.com");
        assert_eq!(
            verify(&signed(&single), &keys(), &validation()),
            Err(TokenError::WrongAudience(
                "https://communication.azure.com".to_owned()
            ))
        );
        let both = Validation::new(NOW, [ISS], [AUD, "https://communication.azure.com"]);
        assert!(verify(&signed(&single), &keys(), &both).is_ok());
    }

    #[test]
    fn structural_garbage_is_malformed() {
        let token = signed(&claims());
        let parts = segments(&token);
        let cases = [
            String::new(),
            ".".to_owned(),
            "..".to_owned(),
            "a.b.c".to_owned(),
            format!("{token}.extra"),
            format!("{}.{}", parts[0], parts[1]),
            format!("{}.{}.{}=", parts[0], parts[1], parts[2]),
            format!("{}.{}.!!", parts[0], parts[1]),
            format!("{}.{}.{}", b64(&json!([1, 2])), parts[1], parts[2]),
            format!("{}.{}.{}", b64(&json!({ "alg": 256 })), parts[1], parts[2]),
            format!(
                "{}.{}.{}",
                b64(&json!({ "alg": "RS256", "kid": 1 })),
                parts[1],
                parts[2]
            ),
            format!(
                "{}.{}.{}",
                b64(&json!({ "alg": "RS256", "kid": test_keys().0.kid(), "crit": ["exp"] })),
                parts[1],
                parts[2]
            ),
            "x".repeat(MAX_TOKEN_LEN + 1),
        ];
        for case in cases {
            let result = verify(&case, &keys(), &validation());
            assert!(
                matches!(result, Err(TokenError::Malformed(_))),
                "{case:.80}: {result:?}"
            );
        }
    }

    #[test]
    fn sign_refuses_claims_that_are_not_an_object() {
        let err = sign(&test_keys().0, &json!([1])).unwrap_err();
        assert!(matches!(err, SignError::Claims(_)));
    }

    #[test]
    fn error_messages_clip_attacker_text() {
        let mut long = claims();
        long["iss"] = json!("i".repeat(5000));
        let err = verify(&signed(&long), &keys(), &validation()).unwrap_err();
        assert!(err.to_string().len() < 200, "{err}");
    }

    /// Fuzz-style: random strings and mutations of a valid token must never panic or verify.
    #[test]
    fn random_and_mutated_tokens_never_panic() {
        let mut rng = StdRng::seed_from_u64(7);
        let token = signed(&claims());
        let keys = keys();
        let validation = validation();
        let alphabet: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x00";
        for _ in 0..400 {
            let len = rng.gen_range(0..300);
            let random: String = (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
                .collect();
            assert!(verify(&random, &keys, &validation).is_err());
            let bytes: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            assert!(verify(&String::from_utf8_lossy(&bytes), &keys, &validation).is_err());
        }
        for _ in 0..2000 {
            let mut bytes = token.clone().into_bytes();
            for _ in 0..rng.gen_range(1..4) {
                match rng.gen_range(0..4) {
                    0 => {
                        let at = rng.gen_range(0..bytes.len());
                        bytes[at] = alphabet[rng.gen_range(0..alphabet.len())];
                    }
                    1 => {
                        let at = rng.gen_range(0..bytes.len());
                        bytes.truncate(at);
                    }
                    2 => {
                        let at = rng.gen_range(0..=bytes.len());
                        bytes.insert(at, alphabet[rng.gen_range(0..alphabet.len())]);
                    }
                    _ => {
                        let at = rng.gen_range(0..bytes.len());
                        bytes.remove(at);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let mutated = String::from_utf8_lossy(&bytes).into_owned();
            if mutated != token {
                assert!(verify(&mutated, &keys, &validation).is_err(), "{mutated}");
            }
        }
    }
}
