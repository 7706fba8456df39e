//! Event Grid webhook mechanics for event subscriptions (ACS digest §5.2), shared by the ACS door
//! (deliveries) and the platform API (creating a subscription): the validation handshake a
//! new subscription performs (Event Grid schema: a `SubscriptionValidationEvent` answered with
//! `{"validationResponse": code}`; CloudEvents schema: the OPTIONS abuse-protection handshake with
//! `WebHook-Request-Origin`/`WebHook-Allowed-Origin`), and the `aeg-*` headers of deliveries.

use std::time::Duration;

use serde_json::{json, Value};

/// Event Grid's limit for answering the validation request.
pub const VALIDATION_TIMEOUT: Duration = Duration::from_secs(30);

/// The origin Ringside names in `WebHook-Request-Origin`, as Event Grid names its own.
pub const REQUEST_ORIGIN: &str = "eventgrid.azure.net";

/// The delivery schema of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSchema {
    EventGrid,
    CloudEvents,
}

impl EventSchema {
    /// `EventGridSchema` or `CloudEventSchemaV1_0` (the ARM names).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventSchema::EventGrid => "EventGridSchema",
            EventSchema::CloudEvents => "CloudEventSchemaV1_0",
        }
    }

    /// Parses the ARM name (case-insensitive).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn parse(text: &str) -> Option<EventSchema> {
        [EventSchema::EventGrid, EventSchema::CloudEvents]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// Why a webhook did not validate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error("the webhook could not be reached: {0}")]
    Unreachable(String),
    #[error("the webhook answered the validation request with HTTP {0} (200 is required)")]
    Status(u16),
    #[error("the webhook's answer has no validationResponse equal to the validationCode sent")]
    WrongCode,
    #[error("the webhook's OPTIONS answer does not allow origin {REQUEST_ORIGIN} in WebHook-Allowed-Origin")]
    OriginNotAllowed,
}

/// The `SubscriptionValidationEvent` array posted to an Event Grid-schema webhook.
pub fn validation_event(
    id: &str,
    topic: &str,
    time: &str,
    code: &str,
    validation_url: &str,
) -> Value {
    json!([{
        "id": id,
        "topic": topic,
        "subject": "",
        "data": { "validationCode": code, "validationUrl": validation_url },
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": time,
        "metadataVersion": "1",
        "dataVersion": "1",
    }])
}

/// Performs the handshake for `schema` against `endpoint`. `event` is [`validation_event`]'s value
/// (unused for CloudEvents), `code` its validation code.
pub async fn validate_webhook(
    http: &reqwest::Client,
    endpoint: &str,
    schema: EventSchema,
    subscription_name: &str,
    event: &Value,
    code: &str,
) -> Result<(), HandshakeError> {
    match schema {
        EventSchema::EventGrid => {
            let response = http
                .post(endpoint)
                .timeout(VALIDATION_TIMEOUT)
                .header("content-type", "application/json")
                .header("aeg-event-type", "SubscriptionValidation")
                .header(
                    "aeg-subscription-name",
                    subscription_name.to_ascii_uppercase(),
                )
                .header("aeg-delivery-count", "0")
                .header("aeg-data-version", "1")
                .header("aeg-metadata-version", "1")
                .body(event.to_string())
                .send()
                .await
                .map_err(|e| HandshakeError::Unreachable(e.without_url().to_string()))?;
            if response.status().as_u16() != 200 {
                return Err(HandshakeError::Status(response.status().as_u16()));
            }
            let body: Value = response
                .json()
                .await
                .map_err(|_| HandshakeError::WrongCode)?;
            let answered = body
                .get("validationResponse")
                .or_else(|| body.get("ValidationResponse"))
                .and_then(Value::as_str);
            if answered == Some(code) {
                Ok(())
            } else {
                Err(HandshakeError::WrongCode)
            }
        }
        EventSchema::CloudEvents => {
            let response = http
                .request(reqwest::Method::OPTIONS, endpoint)
                .timeout(VALIDATION_TIMEOUT)
                .header("WebHook-Request-Origin", REQUEST_ORIGIN)
                .header("WebHook-Request-Rate", "120")
                .send()
                .await
                .map_err(|e| HandshakeError::Unreachable(e.without_url().to_string()))?;
            if !response.status().is_success() {
                return Err(HandshakeError::Status(response.status().as_u16()));
            }
            let allowed = response
                .headers()
                .get("webhook-allowed-origin")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if allowed
                .split(',')
                .any(|o| o.trim() == "*" || o.trim().eq_ignore_ascii_case(REQUEST_ORIGIN))
            {
                Ok(())
            } else {
                Err(HandshakeError::OriginNotAllowed)
            }
        }
    }
}

/// The headers of a notification delivery (`aeg-delivery-count` is set per attempt by the sender;
/// this is the first attempt's value).
pub fn delivery_headers(
    schema: EventSchema,
    subscription_name: &str,
    output_event_id: &str,
) -> Vec<(String, String)> {
    let (content_type, metadata_version) = match schema {
        EventSchema::EventGrid => ("application/json", "1"),
        EventSchema::CloudEvents => ("application/cloudevents-batch+json; charset=utf-8", "1.0"),
    };
    vec![
        ("Content-Type".into(), content_type.into()),
        ("aeg-event-type".into(), "Notification".into()),
        (
            "aeg-subscription-name".into(),
            subscription_name.to_ascii_uppercase(),
        ),
        ("aeg-delivery-count".into(), "0".into()),
        ("aeg-data-version".into(), "1.0".into()),
        ("aeg-metadata-version".into(), metadata_version.into()),
        ("aeg-output-event-id".into(), output_event_id.into()),
    ]
}

/// The ARM id Event Grid uses as `topic`/`source` for an ACS resource.
pub fn topic(subscription: &str, resource_group: &str, name: &str) -> String {
    format!(
        "/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Communication/communicationServices/{name}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use axum::{Json, Router};

    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/events", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        url
    }

    /// A handler like the samples': answers the validation event with its code.
    async fn validating(
        headers: HeaderMap,
        Json(events): Json<Value>,
    ) -> (StatusCode, Json<Value>) {
        assert_eq!(
            headers.get("aeg-event-type").and_then(|v| v.to_str().ok()),
            Some("SubscriptionValidation")
        );
        let event = &events[0];
        assert_eq!(
            event["eventType"],
            "Microsoft.EventGrid.SubscriptionValidationEvent"
        );
        let code = event["data"]["validationCode"].clone();
        (StatusCode::OK, Json(json!({ "validationResponse": code })))
    }

    fn event() -> Value {
        validation_event(
            "id-1",
            "/subscriptions/s/x",
            "2026-11-22T10:00:00Z",
            "code-123",
            "https://127.0.0.1/validate",
        )
    }

    #[tokio::test]
    async fn event_grid_handshake_accepts_the_echoed_code_only() {
        let http = reqwest::Client::new();
        let good = serve(Router::new().route("/events", post(validating))).await;
        assert_eq!(
            validate_webhook(
                &http,
                &good,
                EventSchema::EventGrid,
                "sub",
                &event(),
                "code-123"
            )
            .await,
            Ok(())
        );
        let wrong = serve(Router::new().route(
            "/events",
            post(|| async { Json(json!({ "validationResponse": "nope" })) }),
        ))
        .await;
        assert_eq!(
            validate_webhook(
                &http,
                &wrong,
                EventSchema::EventGrid,
                "sub",
                &event(),
                "code-123"
            )
            .await,
            Err(HandshakeError::WrongCode)
        );
        let accepted =
            serve(Router::new().route("/events", post(|| async { StatusCode::ACCEPTED }))).await;
        assert_eq!(
            validate_webhook(
                &http,
                &accepted,
                EventSchema::EventGrid,
                "sub",
                &event(),
                "code-123"
            )
            .await,
            Err(HandshakeError::Status(202))
        );
        let closed = "http://127.0.0.1:9/events";
        assert!(matches!(
            validate_webhook(
                &http,
                closed,
                EventSchema::EventGrid,
                "sub",
                &event(),
                "code-123"
            )
            .await,
            Err(HandshakeError::Unreachable(_))
        ));
    }

    #[tokio::test]
    async fn cloud_events_handshake_needs_the_allowed_origin() {
        let http = reqwest::Client::new();
        let good = serve(Router::new().route(
            "/events",
            axum::routing::options(|headers: HeaderMap| async move {
                let origin = headers
                    .get("webhook-request-origin")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string();
                ([("WebHook-Allowed-Origin", origin)], StatusCode::OK)
            }),
        ))
        .await;
        assert_eq!(
            validate_webhook(
                &http,
                &good,
                EventSchema::CloudEvents,
                "sub",
                &Value::Null,
                ""
            )
            .await,
            Ok(())
        );
        let silent = serve(Router::new().route(
            "/events",
            axum::routing::options(|| async { StatusCode::OK }),
        ))
        .await;
        assert_eq!(
            validate_webhook(
                &http,
                &silent,
                EventSchema::CloudEvents,
                "sub",
                &Value::Null,
                ""
            )
            .await,
            Err(HandshakeError::OriginNotAllowed)
        );
    }

    #[test]
    fn schemas_and_headers() {
        assert_eq!(
            EventSchema::parse("cloudeventschemav1_0"),
            Some(EventSchema::CloudEvents)
        );
        assert_eq!(
            EventSchema::parse("EventGridSchema"),
            Some(EventSchema::EventGrid)
        );
        assert_eq!(EventSchema::parse("CustomInputSchema"), None);
        let headers = delivery_headers(EventSchema::EventGrid, "incoming", "e1");
        assert!(headers.contains(&("aeg-event-type".into(), "Notification".into())));
        assert!(headers.contains(&("aeg-subscription-name".into(), "INCOMING".into())));
        assert!(headers.contains(&("aeg-delivery-count".into(), "0".into())));
    }
}
