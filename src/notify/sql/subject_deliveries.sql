-- The attempts of the notifications $1, in order.
SELECT outbox_id, attempt, at, outcome, detail
FROM notification_deliveries
WHERE outbox_id = ANY($1)
ORDER BY outbox_id, id
