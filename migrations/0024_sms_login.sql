-- Issue 15: sign-in by IIN with a one-time code sent by SMS to the phone the mobile citizens base
-- (БМГ) has for that IIN (AUTH-1).
--
-- One row per code sent. The code is never stored: only the SHA-256 of a random salt, the IIN and
-- the code. A code lives 5 minutes, is used once, and dies after 5 wrong tries or when a newer code
-- is sent for the same IIN. The rows are also the counters of the limits (codes per IIN, per phone
-- and per client address in the last hour, a resend not before 60 s); rows older than a day are
-- removed as new codes are sent.
CREATE TABLE sms_login_codes (
    id          bigserial PRIMARY KEY,
    iin         char(12) NOT NULL CHECK (iin ~ '^[0-9]{12}$'),
    -- SHA-256 of the phone the code went to (the phone itself is not kept).
    phone_key   text NOT NULL CHECK (phone_key ~ '^[0-9a-f]{64}$'),
    -- The client address that asked (its /64 for IPv6), for the per-address limit.
    ip          text NOT NULL,
    salt        text NOT NULL,
    code_sha256 text NOT NULL CHECK (code_sha256 ~ '^[0-9a-f]{64}$'),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    failures    integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    used_at     timestamptz,
    dead        boolean NOT NULL DEFAULT false
);
CREATE INDEX sms_login_codes_iin ON sms_login_codes (iin, created_at DESC);
CREATE INDEX sms_login_codes_phone ON sms_login_codes (phone_key, created_at DESC);
CREATE INDEX sms_login_codes_ip ON sms_login_codes (ip, created_at DESC);
CREATE INDEX sms_login_codes_created ON sms_login_codes (created_at);
