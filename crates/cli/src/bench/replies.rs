//! What the bench makes of an HTTP answer: its JSON body when the status is the one expected (or any
//! 2xx), else an error naming the request, the status and the start of the body.

use anyhow::{bail, Context, Result};
use reqwest::Method;
use serde_json::Value;

/// The JSON body (Null when empty or not JSON) of an answer with exactly status `want`, or an error
/// naming `what` with the status and the start of the body.
pub(crate) async fn expect_status(
    response: reqwest::Response,
    want: u16,
    what: &str,
) -> Result<Value> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap_or_default();
    if status != want {
        bail!(
            "{what}: HTTP {status} (expected {want}): {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(300)
                .collect::<String>()
        );
    }
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The JSON body of a 2xx answer (Null when empty), or an error with the status and body.
pub(crate) async fn json_or_error(
    method: &Method,
    url: &str,
    response: reqwest::Response,
) -> Result<Value> {
    let status = response.status();
    let bytes = response.bytes().await.context("reading a response")?;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    if status.is_success() {
        return Ok(value);
    }
    let text = String::from_utf8_lossy(&bytes);
    bail!(
        "{method} {url}: HTTP {}: {}",
        status.as_u16(),
        text.chars().take(300).collect::<String>()
    )
}
