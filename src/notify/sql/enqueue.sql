-- A notification into the outbox: $1 subject kind, $2 subject id, $3 event, $4 channel,
-- $5 recipient, $6 language, $7 template values.
INSERT INTO notification_outbox (subject_kind, subject_id, event, channel, recipient, lang, data)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
