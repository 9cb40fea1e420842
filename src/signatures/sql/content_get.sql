SELECT content, parties, application_id FROM document_contents WHERE code = $1
