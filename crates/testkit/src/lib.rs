//! Ringside's shared test harnesses (a dev-dependency only): [`engine`], the sans-IO call engine
//! on virtual time with a fake directory, and the [`digest`] lifecycle scenarios run on it.

pub mod digest;
pub mod engine;
