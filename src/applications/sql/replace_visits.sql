-- The stage visits of application $1 (service $2) become $3, a JSON array of
-- workflow::timeline::StageVisit with its position `seq`: rows are upserted by position, and rows past the end
-- (none unless the history shrank) removed, in one statement.
WITH v AS (
    SELECT * FROM jsonb_to_recordset($3)
        AS x(seq int, stage text, branch int, executor text, entered_at timestamptz, left_at timestamptz, working_days float8)
), gone AS (
    DELETE FROM application_stage_visits
    WHERE application_id = $1 AND seq >= (SELECT count(*) FROM v)
)
INSERT INTO application_stage_visits (application_id, seq, service_id, stage, branch, executor, entered_at, left_at, working_days)
SELECT $1, seq, $2, stage, branch, executor, entered_at, left_at, CASE WHEN left_at IS NULL THEN NULL ELSE working_days END
FROM v
ON CONFLICT (application_id, seq) DO UPDATE SET
    stage = EXCLUDED.stage, branch = EXCLUDED.branch, executor = EXCLUDED.executor,
    entered_at = EXCLUDED.entered_at, left_at = EXCLUDED.left_at, working_days = EXCLUDED.working_days
