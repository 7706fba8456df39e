//! Hold put on by an endpoint itself (a phone's hold key): the holder's state, who hears
//! silence and who hears hold music. Hold ordered by a bot (`Command::Hold`) lives in
//! `participants.rs`.
//!
//! The rule, recomputed for a conversation after every change that can affect it (a hold or
//! resume, a leg connecting, a leg leaving, a bot hold or unhold):
//! - a leg that holds is `OnHold`, out of the mix, and hears silence;
//! - in a two-party conversation the other leg hears hold music while the holder holds;
//! - in a group the others simply stop hearing the holder;
//! - the participant a bot holds (`Conversation::held`) is left to the bot's hold music.
//!
//! Media changes go out as [`Action::HoldSilence`], [`Action::StartHoldMusic`] and
//! [`Action::StopHoldMusic`], always stopping before starting, so every start has one stop.

use std::time::Instant;

use super::{Engine, HoldMedia};
use crate::error::EngineError;
use crate::ids::{ConversationId, LegId};
use crate::output::Action;
use crate::state::LegState;

impl Engine {
    /// `EndpointSignal::Hold`: the endpoint on `leg` holds (`held`) or resumes.
    pub(super) fn endpoint_hold(
        &mut self,
        _now: Instant,
        leg: LegId,
        held: bool,
    ) -> Result<(), EngineError> {
        let l = self.endpoint_leg(leg, "hold as an endpoint")?;
        let (state, holding, conversation) = (l.state, l.holding, l.conversation);
        if held {
            if state != LegState::Established {
                return Err(EngineError::InvalidState {
                    leg,
                    state,
                    action: "hold",
                });
            }
        } else if !holding {
            return Err(EngineError::InvalidState {
                leg,
                state,
                action: "resume",
            });
        }
        if let Some(l) = self.legs.get_mut(&leg) {
            l.holding = held;
        }
        self.set_state(
            leg,
            if held {
                LegState::OnHold
            } else {
                LegState::Established
            },
        );
        self.mark_roster(conversation);
        self.refresh_endpoint_holds(conversation);
        Ok(())
    }

    /// Brings every leg's hold media in line with the rule in the module doc.
    pub(super) fn refresh_endpoint_holds(&mut self, conversation: ConversationId) {
        let Some(c) = self.conversations.get(&conversation) else {
            return;
        };
        let bot_held = c.held;
        let connected: Vec<(LegId, bool, HoldMedia)> = c
            .legs
            .iter()
            .filter_map(|id| self.legs.get(id))
            .filter(|l| l.state.is_connected() && l.media_connected)
            .map(|l| (l.id, l.holding, l.hold_media))
            .collect();
        let wanted: Vec<(LegId, HoldMedia, HoldMedia)> = connected
            .iter()
            .map(|&(id, holding, current)| {
                let want = if Some(id) == bot_held {
                    HoldMedia::None
                } else if holding {
                    HoldMedia::Silence
                } else if connected.len() == 2
                    && connected.iter().any(|&(other, h, _)| other != id && h)
                {
                    HoldMedia::Music
                } else {
                    HoldMedia::None
                };
                (id, current, want)
            })
            .collect();
        for (leg, current, want) in wanted {
            if current == want {
                continue;
            }
            self.set_hold_media(conversation, leg, want);
        }
    }

    /// Switches one leg's endpoint-hold media, stopping what played before.
    pub(super) fn set_hold_media(
        &mut self,
        conversation: ConversationId,
        leg: LegId,
        to: HoldMedia,
    ) {
        let Some(l) = self.legs.get_mut(&leg) else {
            return;
        };
        let from = std::mem::replace(&mut l.hold_media, to);
        if from != HoldMedia::None {
            self.act(Action::StopHoldMusic { conversation, leg });
        }
        match to {
            HoldMedia::None => {}
            HoldMedia::Silence => self.act(Action::HoldSilence { conversation, leg }),
            HoldMedia::Music => self.act(Action::StartHoldMusic {
                conversation,
                leg,
                music: None,
            }),
        }
    }
}
