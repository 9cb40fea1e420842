-- Issue 15: an application has one document its parties sign. The decision PDF is recorded per
-- issuer (each caller's copy names who issued it), so without this the applicant and the akimat
-- would each sign their own copy; the first copy stored is the one everybody signs and downloads.
CREATE UNIQUE INDEX document_contents_application ON document_contents (application_id)
    WHERE application_id IS NOT NULL;
