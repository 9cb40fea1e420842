-- Issue 15: the journal of calls to the state systems (INT-1, SEC-1): which system, which
-- operation, the outcome, attempts and duration, and a keyed hash of the key (IIN, BIN, phone,
-- account), never the key itself.
CREATE TABLE adapter_calls (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    system      text NOT NULL CHECK (system IN ('ar', 'fl', 'ul', 'rn', 'bmg', 'sms', 'alseco')),
    operation   text NOT NULL,
    outcome     text NOT NULL,
    attempts    integer NOT NULL,
    duration_ms bigint NOT NULL,
    key_hash    text NOT NULL
);
CREATE INDEX adapter_calls_at ON adapter_calls (at);
CREATE INDEX adapter_calls_system ON adapter_calls (system, at);
