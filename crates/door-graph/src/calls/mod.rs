//! The Graph calls door (`/communications/calls`): the door's call table ([`table`]), rendering
//! of engine state and events as Graph resources and commsNotifications ([`render`]), request
//! parsing helpers ([`wire`]) and the routes ([`routes`]).
//!
//! # How a request runs
//!
//! A route authenticates the caller ([`GraphCaller`](super::GraphCaller)), checks its roles, parses
//! the body with [`ActionBody::from_json`](ringside_graph_wire::ActionBody) (400 envelope on
//! failure), then runs its logic **inside the call runtime** with
//! [`CallRuntime::exec`](ringside_runtime::CallRuntime::exec): the closure looks the call up with
//! [`GraphCalls::owned`] (404 for another tenant's or app's call, 404 for an ended call), updates
//! the table *before* issuing the engine command when later notifications depend on it (e.g.
//! answer's `callbackUri`), issues [`DoorCtx::command`](ringside_runtime::door::DoorCtx::command), and
//! maps an [`EngineError`](ringside_engine::EngineError) with [`wire::engine_error`]. Events the
//! command causes are rendered after the closure returns, in engine order, by
//! [`GraphCalls::event`], which turns them into notifications for the call's callback through the
//! outbox.
//!
//! # Adding an action (e.g. `playPrompt`)
//!
//! 1. Add the handler in a sibling file (`media_ops.rs`, `participants.rs`, `self_ops.rs`),
//!    describe it with `#[utoipa::path(...)]` (path without the version, `operation_id`, summary,
//!    the path parameters, the request body's DTO, the success response and the error set from
//!    [`crate::openapi`], `x-ms-permissions`) and register it in that file's `routes()` with
//!    `.route(routes!(handler))`: it is then served under `/v1.0` and `/beta` and listed in the
//!    OpenAPI document, linked from the created call. Both path spellings (`/x` and
//!    `/microsoft.graph.x`) already reach it through the server's path normaliser.
//! 2. In the handler: `let id = wire::call_id(&id)?;`, parse the body with
//!    `wire::action_body::<T>(&bytes)?`, then `state.calls().exec(move |ctx| { let (graph, env)
//!    = ctx.door_env(); let call = graph.owned(&caller, id)?; … ctx.command(…) … })`.
//! 3. For an operation: render the response with [`render::operation`] (right `@odata.type`
//!    from the [`OperationKind`](ringside_engine::OperationKind)), store it with
//!    [`GraphCall::remember_operation`] so `GET …/operations/{id}` finds it, answer 200 (or 202)
//!    with `Location` from [`render::operation_location`]; when the ack is already final call
//!    [`GraphCall::quiet`] so no notification repeats it.
//! 4. Completion notifications need no extra code: `OperationCompleted` events of *remembered*
//!    operations are rendered by [`GraphCalls::event`] with [`render::operation`] as `deleted` on
//!    `/communications/calls/{id}/operations/{opId}` (operations the bot never saw, such as the
//!    engine's transfer operation, are not notified). Extra members (a record operation's
//!    `recordingLocation`) can be filled in by extending that arm.
//!
//! [`GraphCall`]: table::GraphCall

pub(crate) mod audio_routing;
pub(crate) mod call;
pub(crate) mod completion;
pub(crate) mod create;
pub(crate) mod media_ops;
pub(crate) mod participants;
pub(crate) mod pstn;
pub(crate) mod render;
pub(crate) mod request;
pub(crate) mod routes;
pub(crate) mod self_ops;
pub(crate) mod table;
pub(crate) mod wire;
