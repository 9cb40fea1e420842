-- The stages each application went through (applications/workflow/timeline.rs), kept in step with
-- its history by every action, so that analytics sums time per stage in SQL rather than reading
-- every application's history. `working_days` is the working time spent with corrections taken
-- out, set when the stage is left (NULL while it is being worked). Applications acted on before
-- this migration get their rows at their next action.
CREATE TABLE application_stage_visits (
    application_id bigint NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    seq            integer NOT NULL,
    service_id     text NOT NULL,
    stage          text NOT NULL,
    branch         integer,
    executor       text,
    entered_at     timestamptz NOT NULL,
    left_at        timestamptz,
    working_days   double precision,
    PRIMARY KEY (application_id, seq)
);
CREATE INDEX application_stage_visits_stage ON application_stage_visits (service_id, stage);
