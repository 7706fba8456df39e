//! JSON views of calls, legs and leg logs for the platform API.

use super::*;

impl Runtime {
    /// The live calls, as the platform API lists them.
    pub(super) fn live_calls_view(&self) -> Value {
        let live: Vec<Value> = self
            .calls
            .iter()
            .filter(|(_, call)| call.ended_unix_ms.is_none())
            .filter_map(|(id, _)| self.call_view(*id))
            .collect();
        json!({ "value": live })
    }

    /// A call's view with extra members (the ids a request created).
    pub(super) fn call_view_with<const N: usize>(
        &self,
        conversation: ConversationId,
        extra: [(&str, String); N],
    ) -> Value {
        let mut view = self.call_view(conversation).unwrap_or(Value::Null);
        if let Value::Object(object) = &mut view {
            for (name, value) in extra {
                object.insert(name.into(), json!(value));
            }
        }
        view
    }

    pub(super) fn call_view(&self, conversation: ConversationId) -> Option<Value> {
        let call = self.calls.get(&conversation)?;
        let legs: Vec<Value> = self.directory.read(|d| {
            call.legs
                .iter()
                .filter_map(|leg| self.legs.get(leg).map(|record| (leg, record)))
                .map(|(leg, record)| leg_view(d, *leg, record, self.end_codes))
                .collect()
        });
        Some(json!({
            "id": conversation.to_string(),
            "tenantId": call.tenant.to_string(),
            "state": if call.ended_unix_ms.is_some() { "ended" } else { "active" },
            "createdAt": iso_ms(call.created_unix_ms),
            "endedAt": call.ended_unix_ms.map(iso_ms),
            "legs": legs,
        }))
    }
}

/// `remoteHungUp`, `rejected`, … (lower camelCase of the engine's end reason).
pub fn reason_name(reason: EndReason) -> String {
    let debug = format!("{reason:?}");
    let head = debug.split('(').next().unwrap_or(&debug);
    let mut chars = head.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

pub(super) fn leg_view(
    d: &ringside_directory::Directory,
    leg: LegId,
    record: &LegRecord,
    end_codes: fn(EndReason) -> ResultInfo,
) -> Value {
    let reason = record.state.end_reason();
    json!({
        "id": leg.to_string(),
        "kind": record.kind,
        "party": party_json(d, &record.party),
        "direction": record.direction.name(),
        "state": record.state.name(),
        "endReason": reason.map(reason_name),
        "resultInfo": reason.map(|r| {
            let (code, subcode, message) = end_codes(r);
            json!({"code": code, "subcode": subcode, "message": message})
        }),
        "createdAt": iso_ms(record.created_unix_ms),
        "hasRecording": record.recording.is_some(),
        "simulatedRole": match &record.driver {
            Driver::Sim(sim) => json!(match sim.role() {
                Role::Caller => "caller",
                Role::Callee => "callee",
            }),
            Driver::Bot { .. } | Driver::External { .. } => Value::Null,
        },
        "builtInResponder": matches!(record.driver, Driver::Bot { responder: Some(_), .. }),
        "external": match &record.driver {
            Driver::External { facts, .. } => Value::Object(
                facts
                    .iter()
                    .map(|(name, value)| (name.clone(), Value::String(value.clone())))
                    .collect(),
            ),
            _ => Value::Null,
        },
    })
}

pub(super) fn log_view(leg: LegId, record: &LegRecord) -> Value {
    let log = record.log();
    json!({
        "legId": leg.to_string(),
        "callId": record.conversation.to_string(),
        "state": record.state.name(),
        "endReason": record.state.end_reason().map(reason_name),
        "createdAt": iso_ms(record.created_unix_ms),
        "entries": log.entries().iter().map(|e| e.to_json()).collect::<Vec<_>>(),
        "droppedEntries": log.dropped(),
    })
}

/// RFC 3339 with milliseconds.
pub(super) fn iso_ms(unix_ms: u64) -> String {
    let nanos = i128::from(unix_ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Duration of a canonical 16-bit WAV (what the recorders write) from its header, best effort.
pub(super) fn wav_duration_ms(wav: &[u8]) -> u64 {
    let u16_at = |at: usize| {
        wav.get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| {
        wav.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    match (u16_at(22), u32_at(24), u16_at(34)) {
        (Some(channels), Some(rate), Some(bits)) if channels > 0 && rate > 0 && bits >= 8 => {
            let bytes_per_ms = u64::from(rate) * u64::from(channels) * u64::from(bits / 8);
            (wav.len().saturating_sub(44) as u64 * 1000) / bytes_per_ms.max(1)
        }
        _ => 0,
    }
}
