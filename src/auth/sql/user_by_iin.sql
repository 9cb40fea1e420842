-- The account of an IIN: the oldest active-or-blocked user carrying it.
SELECT login FROM users WHERE iin = $1 ORDER BY id LIMIT 1
