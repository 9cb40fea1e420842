//! Who is calling and what they may do. Users, sessions and roles arrive with the auth issue; for
//! now every request is anonymous, and [`policy`] is the single place that decides access.

pub mod policy;

pub use policy::{Access, Caller};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = std::convert::Infallible;

    /// Every caller is anonymous until sessions and tokens arrive (auth issue).
    async fn from_request_parts(_parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller::Anonymous)
    }
}
