-- The notifications about one subject ($1 kind, $2 id), oldest first.
SELECT id, created_at, event, channel, recipient, lang, status, attempts, next_attempt_at, sent_at, last_error
FROM notification_outbox
WHERE subject_kind = $1 AND subject_id = $2
ORDER BY id
LIMIT 1000
