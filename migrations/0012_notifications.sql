-- Notifications (NOT-1): an outbox written in the same transaction as the action that causes it,
-- sent by a worker with retries and backoff; every attempt is a delivery row.
CREATE TABLE notification_outbox (
    id              bigserial PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- What the notification is about, e.g. ('application', 42); its delivery log is shown there.
    subject_kind    text NOT NULL,
    subject_id      bigint,
    -- The event and the template it is written from, e.g. 'application.returned'.
    event           text NOT NULL,
    channel         text NOT NULL CHECK (channel IN ('email', 'sms')),
    -- An e-mail address or a phone number in +7XXXXXXXXXX form.
    recipient       text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
    lang            text NOT NULL CHECK (lang IN ('kk', 'ru', 'en')),
    -- The values the template is filled with.
    data            jsonb NOT NULL DEFAULT '{}'::jsonb,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A worker that took the row holds it until then; a row whose lease ran out is taken again.
    locked_until    timestamptz,
    sent_at         timestamptz,
    last_error      text
);

CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX notification_outbox_channel_status ON notification_outbox (channel, status);
CREATE INDEX notification_outbox_subject ON notification_outbox (subject_kind, subject_id);

CREATE TABLE notification_deliveries (
    id          bigserial PRIMARY KEY,
    outbox_id   bigint NOT NULL REFERENCES notification_outbox (id),
    -- Which attempt of its notification this was (1, 2, ...).
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    outcome     text NOT NULL CHECK (outcome IN ('sent', 'failed')),
    detail      text
);

CREATE INDEX notification_deliveries_outbox ON notification_deliveries (outbox_id);

-- The worker wakes as soon as a notification is committed (it also polls, in case it missed one).
CREATE FUNCTION qala_notification_wake() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('qala_notifications', '');
    RETURN NULL;
END $$;

CREATE TRIGGER notification_outbox_wake AFTER INSERT ON notification_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION qala_notification_wake();

-- The health of each channel: consecutive failed attempts, and whether it is flagged as failing
-- (set after a configured number of them, cleared by the next success) for the admins' alert.
CREATE TABLE notification_channels (
    channel              text PRIMARY KEY CHECK (channel IN ('email', 'sms')),
    consecutive_failures integer NOT NULL DEFAULT 0,
    failing              boolean NOT NULL DEFAULT false,
    failing_since        timestamptz,
    last_error           text,
    last_success_at      timestamptz
);

INSERT INTO notification_channels (channel) VALUES ('email'), ('sms');
