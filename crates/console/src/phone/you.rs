//! "You" on the softphone: the directory user a socket stands for. While registered, the user's
//! simulated behaviour never answers by itself (a call to them rings until the page answers,
//! declines or the caller gives up); when the socket unregisters or closes, the behaviour it
//! replaced comes back. One socket per user at a time ([`Registry`]); a ringing leg is the
//! page's when its party is the user, or a number assigned to them.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use ringside_model::{Guid, Party};
use ringside_platform::PlatformState;
use ringside_runtime::behaviour::{Answer, Behaviour, Timeline};
use ringside_runtime::routing::{self, EndpointNameError};
use serde_json::Value;

/// A registered user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct You {
    /// The user.
    pub party: Party,
    /// Its object id, as the platform API writes it.
    pub id: String,
    /// Its object id.
    pub guid: Guid,
    /// How the platform API shows it (`party` object).
    pub json: Value,
}

/// Who is registered on which socket, with the behaviour each registration replaced.
#[derive(Default)]
pub struct Registry(Mutex<HashMap<String, Option<Behaviour>>>);

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Option<Behaviour>>> {
        match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// The behaviour a registered user has: never answers by itself, does nothing once connected
/// (the page decides everything).
pub fn softphone_behaviour() -> Behaviour {
    Behaviour {
        answer: Some(Answer::Never),
        timeline: Timeline::default(),
    }
}

/// Registers `raw` (a user's object id or principal name) on a socket.
pub fn register(platform: &PlatformState, registry: &Registry, raw: &str) -> Result<You, String> {
    let named = platform
        .directory()
        .read(|d| routing::resolve_endpoint(d, raw))
        .map_err(|error| match error {
            EndpointNameError::Invalid(message) | EndpointNameError::UnknownUser(message) => {
                message
            }
        })?;
    let Party::User { user, .. } = named.party else {
        return Err("Only a directory user can be you on the softphone.".into());
    };
    let json = platform
        .directory()
        .read(|d| routing::party_json(d, &named.party));
    let you = You {
        party: named.party,
        id: user.to_string(),
        guid: user.guid(),
        json,
    };
    let behaviours = platform.calls().behaviours();
    let mut registered = registry.lock();
    if registered.contains_key(&you.id) {
        return Err("That user is already on a softphone in another tab.".into());
    }
    registered.insert(you.id.clone(), behaviours.get(&you.party));
    behaviours.set(&you.party, softphone_behaviour());
    Ok(you)
}

/// Unregisters: the behaviour the registration replaced comes back, unless someone set another
/// one meanwhile (theirs stays).
pub fn unregister(platform: &PlatformState, registry: &Registry, you: &You) {
    let Some(saved) = registry.lock().remove(&you.id) else {
        return;
    };
    let behaviours = platform.calls().behaviours();
    if behaviours.get(&you.party) != Some(softphone_behaviour()) {
        return;
    }
    match saved {
        Some(behaviour) => behaviours.set(&you.party, behaviour),
        None => {
            behaviours.remove(&you.party);
        }
    }
}

/// Whether a ringing `party` is `you`: the user, or a number assigned to them.
pub fn is_you(platform: &PlatformState, you: &You, party: &Party) -> bool {
    match party {
        Party::Phone(number) => platform
            .directory()
            .read(|d| d.route_number(number).map(|(_, account)| account.id()) == Some(you.guid)),
        party => *party == you.party,
    }
}
