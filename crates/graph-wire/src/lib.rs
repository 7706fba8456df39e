//! Microsoft Graph wire types (serde DTOs) exactly as the digest gives them: shapes only, no engine
//! dependency, shared by the server and a future Rust bot SDK.

mod resource_account;

pub use resource_account::{ResourceAccount, ResourceAccountCollection};
