SELECT id, starts_at, ends_at, message_kk, message_ru, message_en, announced_at, announced_by
FROM maintenance_windows
WHERE cancelled_at IS NULL AND ends_at > $1
ORDER BY starts_at
LIMIT 100
