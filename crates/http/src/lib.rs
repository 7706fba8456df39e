//! HTTP plumbing every door and the platform API share, on axum: the Graph-style error envelope and
//! the JSON body extractor that reports bad bodies in it ([`error`]), the per-request context
//! (`request-id`, `client-request-id`) and its middleware, the body limit, the raw request target,
//! bearer tokens ([`context`]), the 404/405 fallbacks ([`error`]), and the per-client rate limiter
//! ([`ratelimit`]). No door logic lives here.

pub mod context;
pub mod error;
pub mod ratelimit;

pub use context::{
    bearer_token, body_limit, current_request, request_context, set_body_limit, RawPathAndQuery,
    RequestContext, DEFAULT_MAX_BODY_BYTES,
};
pub use error::{method_not_allowed, not_found, parse_json, read_body, ApiError, WireJson};
pub use ratelimit::{RateLimitConfig, RateLimiter};
