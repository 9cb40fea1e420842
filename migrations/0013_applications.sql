-- Applications (заявки, APP-1..3): services synced from `services/*.toml`, one row per version;
-- applications with their form, site, overlay report and workflow state; the working-day calendar
-- administrators edit on top of the files of ../shared/data/calendar.

-- Every version of every service file ever synced: an application keeps the version it was
-- submitted under, so a version is never changed once stored (a changed file needs a new version).
CREATE TABLE services (
    id          text NOT NULL CHECK (id ~ '^[a-z][a-z0-9_]{0,39}$'),
    version     integer NOT NULL CHECK (version > 0),
    provider    text NOT NULL,
    category    text NOT NULL,
    definition  jsonb NOT NULL,
    file_sha256 text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    -- The version applications are submitted under now (one per id).
    current     boolean NOT NULL DEFAULT true,
    synced_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version)
);
CREATE UNIQUE INDEX services_current ON services (id) WHERE current;

CREATE SEQUENCE application_number_seq;

CREATE TABLE applications (
    id              bigserial PRIMARY KEY,
    -- The public number, given on submission: A-2026-000042.
    number          text UNIQUE,
    service_id      text NOT NULL,
    service_version integer NOT NULL,
    applicant       text NOT NULL,
    -- The language notifications are written in.
    lang            text NOT NULL DEFAULT 'ru' CHECK (lang IN ('kk', 'ru', 'en')),
    -- The organisation it is routed to.
    org             text NOT NULL,
    status          text NOT NULL CHECK (status IN ('draft', 'in_progress', 'returned', 'approved', 'refused', 'withdrawn')),
    -- Stages being worked and their executors (denormalised from `state` for the table's filters).
    stages          text[] NOT NULL DEFAULT '{}',
    executors       text[] NOT NULL DEFAULT '{}',
    -- Who works it (policy::applications::access_keys: `org`, `org/dept`, `org/*`), for the
    -- staff's monitoring table.
    access          text[] NOT NULL DEFAULT '{}',
    form            jsonb NOT NULL DEFAULT '{}'::jsonb,
    documents       jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- The form as it was when returned for corrections: the resubmission's diff is against it.
    returned_form   jsonb,
    geom            geometry(Geometry, 4326),
    -- Its feature on the applications layer (tiles, the features API).
    feature_id      bigint,
    district        char(9),
    overlay         jsonb,
    state           jsonb NOT NULL,
    -- Bumped by every change: the ETag of the application.
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    submitted_at    timestamptz,
    due_at          timestamptz,
    closed_at       timestamptz,
    FOREIGN KEY (service_id, service_version) REFERENCES services (id, version)
);
CREATE INDEX applications_applicant ON applications (applicant, id DESC);
CREATE INDEX applications_org_status ON applications (org, status, id DESC);
CREATE INDEX applications_service ON applications (service_id, id DESC);
CREATE INDEX applications_due ON applications (due_at) WHERE status IN ('in_progress', 'returned');
CREATE INDEX applications_district ON applications (district);
CREATE INDEX applications_executors ON applications USING gin (executors);
CREATE INDEX applications_access ON applications USING gin (access);
-- The monitoring table's sorts (keyset by the column and the id), whole and within a status.
CREATE INDEX applications_status_due ON applications (status, due_at, id);
CREATE INDEX applications_status_submitted ON applications (status, submitted_at, id);
CREATE INDEX applications_due_id ON applications (due_at, id) WHERE status <> 'draft';
CREATE INDEX applications_submitted_id ON applications (submitted_at, id) WHERE status <> 'draft';
CREATE INDEX applications_geom ON applications USING gist (geom) WHERE status IN ('in_progress', 'returned');

-- Days administrators set on top of the files of ../shared/data/calendar (a decree that moves a
-- day off after the file was written); a row here wins over the file's row for the same date.
CREATE TABLE calendar_days (
    day         date PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('holiday', 'day_off_moved', 'working_day_moved')),
    name_kk     text NOT NULL CHECK (length(name_kk) BETWEEN 1 AND 200),
    name_ru     text NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 200),
    name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
