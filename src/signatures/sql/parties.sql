-- What identifies the parties of an application's document: the applicant's IIN and the
-- provider's BIN, when recorded.
SELECT (SELECT iin::text FROM users WHERE login = $1) AS applicant_iin,
       (SELECT bin::text FROM organisations WHERE id = $2) AS provider_bin
