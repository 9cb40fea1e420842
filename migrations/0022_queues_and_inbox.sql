-- The reviewer's queues and the in-app notifications (issue 14).
--
-- `pool`: the keys (as policy::applications::caller_keys gives them: `<org>`, `<org>/<dept>`,
-- `<org>/*`) of those who may claim one of the application's unclaimed current stages; empty when
-- nothing waits in a pool. `untouched`: no one but the applicant has acted on it yet (the "new"
-- queue). Both follow `state` through a trigger, so every write path keeps them current.
ALTER TABLE applications ADD COLUMN pool text[] NOT NULL DEFAULT '{}';
ALTER TABLE applications ADD COLUMN untouched boolean NOT NULL DEFAULT true;

CREATE FUNCTION qala_application_queues() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'in_progress' THEN
        NEW.pool := '{}';
    ELSE
        SELECT coalesce(array_agg(DISTINCT k ORDER BY k), '{}') INTO NEW.pool
        FROM jsonb_array_elements(NEW.state -> 'tokens') AS t
        JOIN services s ON s.id = NEW.service_id AND s.version = NEW.service_version
        CROSS JOIN LATERAL jsonb_array_elements(s.definition -> 'workflow' -> 'stages') AS sd
        CROSS JOIN LATERAL unnest(CASE
            WHEN sd ->> 'dept' IS NULL THEN ARRAY[coalesce(sd ->> 'org', NEW.org), coalesce(sd ->> 'org', NEW.org) || '/*']
            ELSE ARRAY[coalesce(sd ->> 'org', NEW.org) || '/' || (sd ->> 'dept')] END) AS k
        WHERE sd ->> 'id' = t ->> 'stage'
          AND coalesce(sd ->> 'kind', 'task') = 'task'
          AND coalesce(t ->> 'executor', '') = '';
    END IF;
    NEW.untouched := NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(NEW.state -> 'history') AS h WHERE h ->> 'actor' <> NEW.applicant);
    RETURN NEW;
END $$;

CREATE TRIGGER applications_queues BEFORE INSERT OR UPDATE OF state, status, org ON applications
    FOR EACH ROW EXECUTE FUNCTION qala_application_queues();

-- Applications written before this migration.
UPDATE applications SET state = state;

CREATE INDEX applications_pool ON applications USING gin (pool) WHERE status = 'in_progress';

-- In-app notifications: what changed on a user's applications or in its queue. Written in the
-- transaction of the action that caused it; the texts are made when read, in the reader's language.
CREATE TABLE inbox (
    id              bigserial PRIMARY KEY,
    login           text NOT NULL,
    application_id  bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    -- `submitted`, `returned`, `resubmitted`, `approved`, `refused`, `withdrawn`, `comment`,
    -- `assigned`, `in_pool`.
    event           text NOT NULL,
    -- The stage it concerns, when one does.
    stage           text,
    at              timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz
);

CREATE INDEX inbox_login ON inbox (login, id DESC);
CREATE INDEX inbox_unread ON inbox (login) WHERE read_at IS NULL;
