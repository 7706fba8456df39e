//! Sans-IO call engine: conversations, legs, routing and timers driven on explicit time (being built).
