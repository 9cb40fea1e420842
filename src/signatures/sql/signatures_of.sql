SELECT id, code, party, signer_login, signer_iin, signer_bin, signer_name, organisation,
       certificate_serial, certificate_issuer, algorithm, cms, signing_time, received_at, verdict
FROM document_signatures WHERE code = $1 ORDER BY received_at, id
