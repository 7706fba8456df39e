//! The call-state lifecycle scenarios of the Graph digest's §5 table, row by row: each drives one
//! call for a bot and returns the bot's leg, for the doors' tests to render in their dialect.

use ringside_engine::{BotIdentity, Command, LegId, Refusal, RejectReason, Target, TransferScope};

use crate::engine::*;

/// A digest lifecycle scenario: drives a call for `bot` and returns the bot's leg.
pub type Scenario = fn(&mut Harness, BotIdentity) -> LegId;

pub fn outgoing_hang_up(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.answered_outgoing(bot, user(1));
    h.cmd(Command::HangUp { leg }).unwrap();
    leg
}

pub fn outgoing_remote_hang_up(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, target) = h.answered_outgoing(bot, user(1));
    h.hang_up(target);
    leg
}

pub fn outgoing_declined(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, target) = h.bot_calls(bot, phone("+14255550123"));
    h.refuse(target, Refusal::Declined);
    leg
}

pub fn outgoing_unroutable(h: &mut Harness, bot: BotIdentity) -> LegId {
    h.bot_calls(bot, ghost()).1
}

pub fn outgoing_given_up(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.bot_calls(bot, user(1));
    h.cmd(Command::HangUp { leg }).unwrap();
    leg
}

/// The number a phone dials to reach `bot`: the Graph bot's or the ACS bot's.
pub fn number_for(bot: BotIdentity) -> &'static str {
    if bot.keep_alive {
        GRAPH_NUMBER
    } else {
        ACS_NUMBER
    }
}

pub fn incoming(h: &mut Harness, bot: BotIdentity) -> LegId {
    h.dial(phone("+14255550123"), phone(number_for(bot))).2
}

pub fn incoming_answered(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.cmd(Command::Answer { leg }).unwrap();
    leg
}

pub fn incoming_rejected(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.cmd(Command::Reject {
        leg,
        reason: RejectReason::None,
    })
    .unwrap();
    leg
}

pub fn incoming_redirected(h: &mut Harness, bot: BotIdentity) -> LegId {
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

pub fn incoming_redirect_timeout(h: &mut Harness, bot: BotIdentity) -> LegId {
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

pub fn incoming_no_action(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming(h, bot);
    h.advance(MINUTE);
    leg
}

pub fn transfer_to(h: &mut Harness, leg: LegId) -> LegId {
    h.cmd(Command::Transfer {
        leg,
        target: Target::party(user(7)),
        transferee: None,
        scope: TransferScope::Call,
        client_context: String::new(),
    })
    .unwrap();
    *h.rung().last().expect("transfer target rung")
}

pub fn transfer_success(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming_answered(h, bot);
    let target = transfer_to(h, leg);
    h.answer(target);
    leg
}

pub fn transfer_failure(h: &mut Harness, bot: BotIdentity) -> LegId {
    let leg = incoming_answered(h, bot);
    let target = transfer_to(h, leg);
    h.refuse(target, Refusal::Busy);
    leg
}

pub fn keep_alive_expiry(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.answered_outgoing(bot, user(1));
    h.advance(46 * MINUTE);
    leg
}

pub fn terminate_for_everyone(h: &mut Harness, bot: BotIdentity) -> LegId {
    let (_, leg, _) = h.answered_outgoing(bot, user(1));
    h.cmd(Command::Terminate { leg }).unwrap();
    leg
}
