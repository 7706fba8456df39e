//! The load scenario shared by the `plane` benchmark and the `media_soak` example: two-party
//! conversations in which the bot plays a looped prompt to the caller with tone detection on,
//! and the caller's phone presses one in-band digit per second (staggered across conversations).

use std::sync::Arc;

use ringside_audio::{testsignal, Prompt, Tone};
use ringside_engine::{Audience, ConversationId, LegId, OperationId};
use ringside_model::Guid;

use crate::command::MediaCommand;

/// Ticks between two digits of one conversation (one second).
pub const DIGIT_EVERY_TICKS: u64 = 50;

const BOT: u128 = 1 << 96;
const PHONE: u128 = 2 << 96;

/// The `i`-th conversation's id.
pub fn conversation(i: u64) -> ConversationId {
    ConversationId(Guid::from_u128(0xc0 << 96 | u128::from(i)))
}

/// The `i`-th conversation's bot leg.
pub fn bot_leg(i: u64) -> LegId {
    LegId(Guid::from_u128(BOT | u128::from(i)))
}

/// The `i`-th conversation's phone leg.
pub fn phone_leg(i: u64) -> LegId {
    LegId(Guid::from_u128(PHONE | u128::from(i)))
}

/// Whether a leg is a scenario phone leg.
pub fn is_phone(leg: LegId) -> bool {
    leg.guid().as_u128() >> 96 == 2
}

/// The shared prompt: 4 s of speech-like audio at -18 dBFS.
pub fn prompt() -> Arc<Prompt> {
    Arc::new(Prompt::from_samples(testsignal::speech_like(
        11, 64_000, -18.0,
    )))
}

/// Commands that set up conversation `i`: mix, both legs, looped prompt, tone subscription.
pub fn setup(i: u64, prompt: &Arc<Prompt>) -> [MediaCommand; 5] {
    let conversation = conversation(i);
    [
        MediaCommand::CreateMix { conversation },
        MediaCommand::ConnectMedia {
            conversation,
            leg: bot_leg(i),
        },
        MediaCommand::ConnectMedia {
            conversation,
            leg: phone_leg(i),
        },
        MediaCommand::StartPrompt {
            conversation,
            leg: bot_leg(i),
            operation: OperationId(Guid::from_u128(0x0b << 96 | u128::from(i))),
            prompts: vec![Arc::clone(prompt)],
            audience: Audience::Conversation,
            looped: true,
        },
        MediaCommand::StartToneDetection {
            conversation,
            leg: bot_leg(i),
        },
    ]
}

/// At `tick`, the digit presses due (conversation `i` presses when `i ≡ tick (mod 50)`), with
/// the digit each one presses.
pub fn presses(tick: u64, conversations: u64) -> impl Iterator<Item = (MediaCommand, Tone)> {
    let first = tick % DIGIT_EVERY_TICKS;
    (first..conversations)
        .step_by(DIGIT_EVERY_TICKS as usize)
        .map(move |i| {
            let tone = Tone::Digit(((tick / DIGIT_EVERY_TICKS + i) % 10) as u8);
            (
                MediaCommand::EndpointPress {
                    conversation: conversation(i),
                    leg: phone_leg(i),
                    tones: vec![tone],
                    in_band: true,
                },
                tone,
            )
        })
}
