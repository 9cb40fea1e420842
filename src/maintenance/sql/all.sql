SELECT id, starts_at, ends_at, message_kk, message_ru, message_en, announced_at, announced_by,
       cancelled_at, cancelled_by
FROM maintenance_windows
ORDER BY starts_at DESC
LIMIT $1
