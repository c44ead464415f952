-- Mixed load for bench/soak.sh (wrk -s soak.lua): each request is drawn at random, by weight, from
-- the mix below. Environment: SOAK_TOKEN (a JWT the /secure route accepts), SOAK_DELAY_MS (pause of
-- each connection after each answer: sets the rate, about connections x 1000 / (delay + latency)).
local token = os.getenv("SOAK_TOKEN") or ""
local delay_ms = tonumber(os.getenv("SOAK_DELAY_MS") or "0") or 0

-- weight, method, path (%d: a variant number 1..variants), variants, body bytes, with the token
local mix = {
  {26, "GET",  "/bare/1k",          1, 0,      false}, -- bare proxy route
  { 4, "GET",  "/bare/0",           1, 0,      false},
  { 4, "GET",  "/bare/16k",         1, 0,      false},
  { 3, "GET",  "/bare/256k",        1, 0,      false}, -- large responses
  { 4, "POST", "/bare/1k",          1, 1024,   false}, -- request bodies of a few sizes
  { 3, "POST", "/bare/1k",          1, 16384,  false},
  { 2, "POST", "/bare/1k",          1, 65536,  false},
  {15, "GET",  "/cached/1k?v=%d",   200, 0,    false}, -- cache: 200 keys, hits, expiries (ttl 5 s)
  { 3, "GET",  "/cached/256k?v=%d", 20, 0,     false},
  { 1, "POST", "/cached/1k",        1, 1024,   false}, -- invalidates every key of /cached/1k
  {14, "GET",  "/secure/1k",        1, 0,      true},  -- JWT + rate limit (some 429)
  { 2, "GET",  "/secure/1k",        1, 0,      false}, -- no token: 401
  { 3, "GET",  "/flaky/slow?ms=400", 1, 0,     false}, -- over the route timeout: 504
  { 2, "GET",  "/flaky/slow?ms=20", 1, 0,      false}, -- slow but in time: 200
  { 2, "GET",  "/flaky/fail",       1, 0,      false}, -- the service drops the connection: 502
  { 1, "GET",  "/down/x",           1, 0,      false}, -- nothing listens: 502
  { 1, "GET",  "/nowhere",          1, 0,      false}, -- no route: 404
}

local requests, weights, total = {}, {}, 0

init = function(args)
  for i, m in ipairs(mix) do
    local headers = {}
    if m[6] then headers["Authorization"] = "Bearer " .. token end
    local body = nil
    if m[5] > 0 then
      body = string.rep("x", m[5])
      headers["Content-Type"] = "application/octet-stream"
    end
    local variants = {}
    for v = 1, m[4] do
      variants[v] = wrk.format(m[2], string.format(m[3], v), headers, body)
    end
    requests[i] = variants
    total = total + m[1]
    weights[i] = total
  end
  math.randomseed(os.time() + (args and #args or 0))
end

request = function()
  local r = math.random(total)
  for i = 1, #weights do
    if r <= weights[i] then
      local variants = requests[i]
      return variants[math.random(#variants)]
    end
  end
end

delay = function()
  return delay_ms
end
