INSERT INTO maintenance_windows (starts_at, ends_at, message_kk, message_ru, message_en, announced_at, announced_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
