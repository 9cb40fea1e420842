-- wrk: submit the ready drafts FIRST..LAST, each once: thread k of 2 takes FIRST + k, + 2, ...
local first = tonumber(os.getenv("FIRST"))
local last = tonumber(os.getenv("LAST"))
local auth = os.getenv("AUTH")
local threads = 0
function setup(thread)
  thread:set("slice", threads)
  threads = threads + 1
end
function init(args)
  n = 0
end
request = function()
  local id = math.min(first + slice + n * 2, last)
  n = n + 1
  return wrk.format("POST", "/api/applications/" .. id .. "/actions",
    { ["Authorization"] = auth, ["If-Match"] = "\"v1\"", ["Content-Type"] = "application/json" },
    '{"action": "submit"}')
end
