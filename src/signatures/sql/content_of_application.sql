-- The document an application's parties sign, if one is kept.
SELECT code, content FROM document_contents WHERE application_id = $1
