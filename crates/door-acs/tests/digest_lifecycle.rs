//! The digest's call-state lifecycle rows for ACS: the engine's events of the bot's leg rendered as
//! the ACS door renders them (`callConnectionState` + `resultInformation`).

use ringside_door_acs::codes;
use ringside_engine::{Event, LegId, LegState, TransferFailure};
use ringside_testkit::digest::*;
use ringside_testkit::engine::*;

/// The bot leg's events, rendered: "IncomingCall", "connected", "disconnected 408/8587", …
fn render(h: &Harness, bot: LegId) -> Vec<String> {
    h.events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::CallOffered { leg, .. } if *leg == bot => Some("IncomingCall".to_string()),
            Event::LegStateChanged {
                leg,
                state,
                transfer_failed,
                ..
            } if *leg == bot => {
                let name = codes::call_connection_state(*state);
                let info = match (state, transfer_failed) {
                    (LegState::Terminated(reason), _) => Some(codes::end_reason(*reason)),
                    (_, Some(cause)) => Some(codes::transfer_failure(TransferFailure(*cause))),
                    _ => None,
                };
                Some(match info {
                    Some((code, subcode, _)) => format!("{name} {code}/{subcode}"),
                    None => name.to_string(),
                })
            }
            _ => None,
        })
        .collect()
}

#[test]
fn acs_lifecycle_rows() {
    let rows: Vec<(&str, Scenario, Vec<&str>)> = vec![
        (
            "createCall, hangUp",
            outgoing_hang_up,
            vec![
                "connecting",
                "connected",
                "disconnecting",
                "disconnected 200/7000",
            ],
        ),
        (
            "createCall, declined",
            outgoing_declined,
            vec!["connecting", "disconnected 603/8538"],
        ),
        (
            "answer",
            incoming_answered,
            vec!["IncomingCall", "connecting", "connected"],
        ),
        (
            "not answered",
            incoming_no_action,
            vec!["IncomingCall", "disconnected 408/8587"],
        ),
        (
            "transferToParticipant",
            transfer_success,
            vec![
                "IncomingCall",
                "connecting",
                "connected",
                "transferring",
                "transferAccepted",
                "disconnected 200/7015",
            ],
        ),
        (
            "transfer failed",
            transfer_failure,
            vec![
                "IncomingCall",
                "connecting",
                "connected",
                "transferring",
                "connected 486/8539",
            ],
        ),
        (
            "no keepAlive on ACS",
            keep_alive_expiry,
            vec!["connecting", "connected"],
        ),
    ];
    for (name, scenario, expected) in rows {
        let mut h = Harness::default();
        let leg = scenario(&mut h, acs_bot());
        assert_eq!(render(&h, leg), expected, "{name}");
    }
}
