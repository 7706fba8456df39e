//! The Graph digest's §5 call-state lifecycle, row by row: the engine's events of the bot's leg
//! rendered as the Graph door renders them (`callState` + `resultInfo`).

use ringside_door_graph::codes;
use ringside_engine::{Event, LegId, LegState, TransferFailure};
use ringside_testkit::digest::*;
use ringside_testkit::engine::*;

/// The bot leg's notifications, rendered: "incoming", "established", "terminated 408/1106", …
fn render(h: &Harness, bot: LegId) -> Vec<String> {
    h.events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::CallOffered { leg, .. } if *leg == bot => Some("incoming".to_string()),
            Event::LegStateChanged {
                leg,
                state,
                transfer_failed,
                ..
            } if *leg == bot => {
                let name = codes::call_state(*state).as_str();
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
fn graph_lifecycle_rows() {
    let rows: Vec<(&str, Scenario, Vec<&str>)> = vec![
        (
            "outgoing, DELETE",
            outgoing_hang_up,
            vec![
                "establishing",
                "established",
                "terminating",
                "terminated 200/5001",
            ],
        ),
        (
            "outgoing, remote hang-up",
            outgoing_remote_hang_up,
            vec!["establishing", "established", "terminated 200/4521"],
        ),
        (
            "outgoing, declined",
            outgoing_declined,
            vec!["establishing", "terminated 603/8538"],
        ),
        (
            "outgoing, unroutable",
            outgoing_unroutable,
            vec!["establishing", "terminated 480/10037"],
        ),
        (
            "outgoing, given up",
            outgoing_given_up,
            vec!["establishing", "terminating", "terminated 200/5001"],
        ),
        (
            "incoming, answer",
            incoming_answered,
            vec!["incoming", "establishing", "established"],
        ),
        (
            "incoming, reject",
            incoming_rejected,
            vec!["incoming", "terminated 200/7000"],
        ),
        (
            "incoming, redirect",
            incoming_redirected,
            vec!["incoming", "redirecting", "terminated 200/7000"],
        ),
        (
            "incoming, redirect timeout",
            incoming_redirect_timeout,
            vec!["incoming", "redirecting", "terminated 408/10057"],
        ),
        (
            "incoming, no action in 15 s",
            incoming_no_action,
            vec!["incoming", "terminated 408/1106"],
        ),
        (
            "transfer, success",
            transfer_success,
            vec![
                "incoming",
                "establishing",
                "established",
                "transferring",
                "transferAccepted",
                "terminated 0/7015",
            ],
        ),
        (
            "transfer, failure",
            transfer_failure,
            vec![
                "incoming",
                "establishing",
                "established",
                "transferring",
                "established 500/7000",
            ],
        ),
        (
            "keepAlive expiry",
            keep_alive_expiry,
            vec!["establishing", "established", "terminated 408/8537"],
        ),
        (
            "terminate",
            terminate_for_everyone,
            vec![
                "establishing",
                "established",
                "terminating",
                "terminated 200/7000",
            ],
        ),
    ];
    for (name, scenario, expected) in rows {
        let mut h = Harness::default();
        let leg = scenario(&mut h, graph_bot());
        assert_eq!(render(&h, leg), expected, "{name}");
    }
}
