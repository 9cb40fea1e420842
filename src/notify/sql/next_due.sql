-- When the next notification of the channels $1 falls due (a retry, or a lease that ends).
SELECT min(next_attempt_at) FROM notification_outbox
WHERE status IN ('pending', 'sending') AND channel = ANY($1)
