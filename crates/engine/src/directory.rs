//! Routing of a dialled target: the caller-supplied, pure [`Directory`] lookup.
//!
//! The engine does not own tenants, users or numbers (the `directory` crate does). Instead of
//! copying them in, every [`Engine::handle_command`](crate::Engine::handle_command) takes a
//! `&dyn Directory`: a synchronous, side-effect-free question "where does this party ring?".
//! The shell implements it over its directory snapshot; tests over a small table. Routing happens
//! once, when a leg is created; the answer is stored on the leg.

use ringside_model::{AppId, InstanceId, Party, TenantId};

/// Where a dialled party ends up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    /// A bot: an app id, an application instance, or an E.164 number owned by a resource account.
    /// The call is offered to it ([`Event::CallOffered`](crate::Event::CallOffered)); which front
    /// door delivers the offer is the shell's business.
    Bot {
        /// The bot's app registration.
        app: AppId,
        /// The resource account that was dialled (or the bot acts as), if any.
        instance: Option<InstanceId>,
    },
    /// A directory user or ACS identity, answered by a simulated client.
    SimulatedUser,
    /// An external number, answered by a simulated phone.
    ExternalPhone,
    /// Nobody: the leg fails at once with [`EndReason::Unreachable`](crate::EndReason::Unreachable).
    Unroutable,
}

/// A pure routing lookup supplied by the caller.
pub trait Directory {
    /// Routes `target` dialled from within `tenant`.
    fn route(&self, tenant: TenantId, target: &Party) -> Route;
}
