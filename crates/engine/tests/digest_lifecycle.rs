//! The Graph digest's §5 call-state lifecycle, row by row, rendered the way a front door would
//! (Graph `callState` + `resultInfo`, ACS `callConnectionState` + `resultInformation`) from the
//! events of the bot's leg.

mod common;

use common::*;
use ringside_engine::{
    BotIdentity, Command, Dialect, Event, LegId, LegState, Refusal, RejectReason, Target,
    TransferFailure,
};

/// The bot leg's notifications, rendered: "incoming", "established", "terminated 408/1106", …
fn render(h: &Harness, bot: LegId, dialect: Dialect) -> Vec<String> {
    h.events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::CallOffered { leg, .. } if *leg == bot => Some(match dialect {
                Dialect::Graph => "incoming".to_string(),
                Dialect::Acs => "IncomingCall".to_string(),
            }),
            Event::LegStateChanged {
                leg,
                state,
                transfer_failed,
                ..
            } if *leg == bot => {
                let name = match dialect {
                    Dialect::Graph => state.graph_call_state(),
                    Dialect::Acs => state.acs_call_connection_state(),
                };
                let info = match (state, transfer_failed) {
                    (LegState::Terminated(reason), _) => Some(match dialect {
                        Dialect::Graph => reason.graph_result_info(),
                        Dialect::Acs => reason.acs_result_info(),
                    }),
                    (_, Some(cause)) => Some(match dialect {
                        Dialect::Graph => TransferFailure(*cause).graph_result_info(),
                        Dialect::Acs => TransferFailure(*cause).acs_result_info(),
                    }),
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

type Scenario = fn(&mut Harness, BotIdentity) -> LegId;

fn outgoing_hang_up(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.answered_outgoing(bot, user(1));
    h.cmd(Command::HangUp { leg }).unwrap();
    leg
}

fn outgoing_remote_hang_up(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, target) = h.answered_outgoing(bot, user(1));
    h.hang_up(target);
    leg
}

fn outgoing_declined(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, target) = h.bot_calls(bot, phone("+14255550123"));
    h.refuse(target, Refusal::Declined);
    leg
}

fn outgoing_unroutable(h: &mut Harness, bot: BotIdentity) -> LegId {
    h.bot_calls(bot, ghost()).1
}

fn outgoing_given_up(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.bot_calls(bot, user(1));
    h.cmd(Command::HangUp { leg }).unwrap();
    leg
}

fn number_for(bot: BotIdentity) -> &'static str {
    if bot.dialect == Dialect::Graph {
        GRAPH_NUMBER
    } else {
        ACS_NUMBER
    }
}

fn incoming(h: &mut Harness, bot: BotIdentity) -> LegId {
    h.dial(phone("+14255550123"), phone(number_for(bot))).2
}

fn incoming_answered(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.cmd(Command::Answer { leg }).unwrap();
    leg
}

fn incoming_rejected(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.cmd(Command::Reject {
        leg,
        reason: RejectReason::None,
    })
    .unwrap();
    leg
}

fn incoming_redirected(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.cmd(Command::Redirect {
        leg,
        targets: vec![user(2)],
        timeout: None,
    })
    .unwrap();
    let target = *h.rung().last().expect("redirect target rung");
    h.answer(target);
    leg
}

fn incoming_redirect_timeout(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.cmd(Command::Redirect {
        leg,
        targets: vec![user(2), user(3)],
        timeout: None,
    })
    .unwrap();
    h.advance(2 * MINUTE);
    leg
}

fn incoming_no_action(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.advance(MINUTE);
    leg
}

fn transfer_to(h: &mut Harness, leg: LegId) -> LegId {
    h.cmd(Command::Transfer {
        leg,
        target: Target::party(user(7)),
        transferee: None,
        client_context: String::new(),
    })
    .unwrap();
    *h.rung().last().expect("transfer target rung")
}

fn transfer_success(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming_answered(h, bot);
    let target = transfer_to(h, leg);
    h.answer(target);
    leg
}

fn transfer_failure(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming_answered(h, bot);
    let target = transfer_to(h, leg);
    h.refuse(target, Refusal::Busy);
    leg
}

fn keep_alive_expiry(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.answered_outgoing(bot, user(1));
    h.advance(46 * MINUTE);
    leg
}

fn terminate_for_everyone(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.answered_outgoing(bot, user(1));
    h.cmd(Command::Terminate { leg }).unwrap();
    leg
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
        assert_eq!(render(&h, leg, Dialect::Graph), expected, "{name}");
    }
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
        assert_eq!(render(&h, leg, Dialect::Acs), expected, "{name}");
    }
}
