//! Applications (заявки): the pure core of the domain. Later work gives it SQL and routes; this
//! module knows nothing of HTTP or the database.
//!
//! - [`calendar`]: the Kazakh working-day calendar and deadline arithmetic in working days.

pub mod calendar;
