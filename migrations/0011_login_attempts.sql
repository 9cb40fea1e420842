-- Failed logins counted per (login, client address) pair (issue 12). After 3 failures each attempt
-- is slowed down; after 5 the pair is locked for 15 minutes. The count starts again when the lock
-- ends or after 15 minutes without a failure (a successful login does not reset it). Unknown logins are counted the same way, so the answers do not tell which logins
-- exist. `pending` counts attempts whose password is being checked: an attempt is reserved before
-- Argon2 runs, so concurrent attempts cannot verify more wrong passwords than the limit.
-- `last_success` marks addresses the account has logged in from (they skip the per-account rate
-- limit). The users table's own `failed_logins` and `locked_until` are no longer written.
CREATE TABLE login_attempts (
    login        text NOT NULL,
    ip           text NOT NULL,
    failures     integer NOT NULL DEFAULT 0,
    pending      integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_failure timestamptz,
    last_success timestamptz,
    touched_at   timestamptz NOT NULL,
    PRIMARY KEY (login, ip)
);
CREATE INDEX login_attempts_touched ON login_attempts (touched_at);
