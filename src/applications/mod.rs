//! Applications (заявки): services as files, the workflow, deadlines in working days, and the
//! lifecycle over the database. The pure core (calendar, service, workflow, the routing rule)
//! does no IO; `sync`, `store`, `overlay`, `calendar_store` and `lifecycle` hold the SQL. Nothing
//! here knows HTTP: `src/http/routes/applications/` plugs it into the router.
//!
//! - [`calendar`]: the Kazakh working-day calendar and deadline arithmetic in working days.
//! - [`service`]: service files (`services/<id>.toml`): passport, form, geometry rule, output
//!   templates, publication; their loader and validation; submitted values checked against a form.
//! - [`workflow`]: the declared workflow of a service, its checks, the state machine that runs an
//!   application through it ([`workflow::engine`]) and its terms ([`workflow::deadlines`]).

//! - [`registry`]: the services and the calendar a running server works with.
//! - [`sync`]: service files into the `services` table, versioned; [`calendar_store`]: the
//!   administrators' calendar edits.
//! - [`store`]: the applications' SQL; [`overlay`]: the overlay report and routing of a site;
//!   [`lifecycle`]: drafts, submission and actions, each in one transaction with its journal,
//!   feature and notifications.
//! - [`monitoring`]: the staff's table of applications and its exports; [`analytics`]: counts,
//!   compliance, backlog; [`alerts`]: deadline alerts at 50/80/100% of a stage's term.
//! - [`open311`]: Open311 GeoReport v2 over the public services and their applications.

pub mod alerts;
pub mod analytics;
pub mod calendar;
pub mod calendar_store;
pub mod card;
pub mod document;
pub mod inbox;
pub mod lifecycle;
pub mod monitoring;
pub mod objects;
pub mod open311;
pub mod overlay;
pub mod queues;
pub mod registry;
pub mod service;
pub mod store;
pub mod sync;
pub mod workflow;
