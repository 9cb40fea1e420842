INSERT INTO document_signatures (code, party, signer_login, signer_iin, signer_bin, signer_name,
    organisation, certificate_serial, certificate_issuer, algorithm, cms, signing_time, received_at, verdict)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (code, party) DO NOTHING
RETURNING id, code, party, signer_login, signer_iin, signer_bin, signer_name, organisation,
       certificate_serial, certificate_issuer, algorithm, cms, signing_time, received_at, verdict
