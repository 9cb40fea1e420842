-- One attempt's outcome: $1 outbox id, $2 attempt, $3 when, $4 'sent' or 'failed', $5 why.
INSERT INTO notification_deliveries (outbox_id, attempt, at, outcome, detail)
VALUES ($1, $2, $3, $4, $5)
