-- Contacts of users, for notifications to staff (assignments, deadline alerts): an e-mail address
-- and a phone number as +7XXXXXXXXXX, both optional.
ALTER TABLE users ADD COLUMN email text CHECK (email IS NULL OR length(email) BETWEEN 3 AND 254);
ALTER TABLE users ADD COLUMN phone text CHECK (phone IS NULL OR phone ~ '^\+7[0-9]{10}$');

-- The deadline alerts sent: one per stage visit and threshold (50, 80, 100% of its term).
CREATE TABLE application_alerts (
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    stage          text NOT NULL,
    entered_at     timestamptz NOT NULL,
    percent        smallint NOT NULL CHECK (percent IN (50, 80, 100)),
    sent_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (application_id, stage, entered_at, percent)
);
