-- APP-2: the output documents of applications (approvals and refusals) are recorded like prints
-- and passports, verifiable at /verify/{code}; one record per content, like passports.

ALTER TABLE documents DROP CONSTRAINT documents_kind_check;
ALTER TABLE documents ADD CONSTRAINT documents_kind_check CHECK (kind IN ('print', 'passport', 'decision'));
