-- wrk: request the paths of the file in PATHS in turn; PREFIX and SUFFIX wrap each one. With
-- ENCODING set, each request sends it as Accept-Encoding (as browsers and MapLibre do).
local paths = {}
local i = 0
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local prefix = os.getenv("PREFIX") or ""
local suffix = os.getenv("SUFFIX") or ""
local encoding = os.getenv("ENCODING")
local headers = {}
if encoding and encoding ~= "" then headers["Accept-Encoding"] = encoding end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", prefix .. paths[i] .. suffix, headers)
end
