-- wrk script: POSTs with a small JSON body, each with its own X-Request-Id ("post-<thread>-<n>"),
-- so the upstream can tell a request sent twice from two requests.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local n = 0

request = function()
  n = n + 1
  return wrk.format("POST", "/storage/orders", {
    ["Content-Type"] = "application/json",
    ["X-Request-Id"] = "post-" .. tid .. "-" .. n,
  }, '{"item": "n-' .. n .. '", "quantity": 1}')
end
