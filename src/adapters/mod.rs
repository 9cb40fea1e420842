//! The state systems Qala talks to, each behind a trait with a real client.
