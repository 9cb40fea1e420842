SELECT id, file FROM dems ORDER BY id
