-- Vector objects the staff draw or upload on an application (a detailed plan, a network), each
-- with who may see it (policy::applications::ObjectAccess).
CREATE TABLE application_objects (
    id              bigserial PRIMARY KEY,
    application_id  bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('plan', 'network', 'other')),
    title           text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    access          text NOT NULL CHECK (access IN ('staff', 'applicant', 'public')),
    -- Attributes the uploaded file carried (layer, CAD layer name, ...).
    props           jsonb NOT NULL DEFAULT '{}'::jsonb,
    geom            geometry(Geometry, 4326) NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX application_objects_application ON application_objects (application_id, id);
