//! Applications (заявки): the pure core of the domain. Later work gives it SQL and routes; this
//! module knows nothing of HTTP or the database.
//!
//! - [`calendar`]: the Kazakh working-day calendar and deadline arithmetic in working days.
//! - [`service`]: service files (`services/<id>.toml`): passport, form, geometry rule, output
//!   templates, publication; their loader and validation; submitted values checked against a form.
//! - [`workflow`]: the declared workflow of a service, its checks, the state machine that runs an
//!   application through it ([`workflow::engine`]) and its terms ([`workflow::deadlines`]).

pub mod calendar;
pub mod service;
pub mod workflow;
