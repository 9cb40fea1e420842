-- What the quarterly usage report (RPT-1) needs that the tables do not keep: when a layer was
-- added, changed, retired or restored (the `layers` row only holds its last sync).

CREATE TABLE layer_changes (
    id          bigserial PRIMARY KEY,
    layer_id    text NOT NULL,
    change      text NOT NULL CHECK (change IN ('added', 'changed', 'retired', 'restored')),
    title_ru    text NOT NULL,
    title_kk    text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX layer_changes_at ON layer_changes (at);

CREATE FUNCTION qala_layer_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        what := 'added';
    ELSIF OLD.active AND NOT NEW.active THEN
        what := 'retired';
    ELSIF NOT OLD.active AND NEW.active THEN
        what := 'restored';
    ELSIF OLD.file_sha256 IS DISTINCT FROM NEW.file_sha256 THEN
        what := 'changed';
    ELSE
        RETURN NULL;
    END IF;
    INSERT INTO layer_changes (layer_id, change, title_ru, title_kk)
    VALUES (NEW.id, what, NEW.title_ru, NEW.title_kk);
    RETURN NULL;
END $$;

CREATE TRIGGER layers_changes AFTER INSERT OR UPDATE ON layers
    FOR EACH ROW EXECUTE FUNCTION qala_layer_changes();
