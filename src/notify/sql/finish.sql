-- Ends attempt $2 of notification $1 with status $3 ('sent', 'pending' for a retry at $4, or
-- 'failed'), $5 the time it was sent, $6 the last error. Only the holder of the lease (the attempt
-- number it took) may end it.
UPDATE notification_outbox
SET status = $3,
    next_attempt_at = coalesce($4, next_attempt_at),
    locked_until = NULL,
    sent_at = $5,
    last_error = $6
WHERE id = $1 AND attempts = $2 AND status = 'sending'
