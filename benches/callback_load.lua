-- wrk script: sends the pre-sealed callbacks written by
-- `callback_load --dump FILE`, each once, in order (wrk -t1 only).
-- Set REQUESTS_FILE in the environment.
--
-- Every request is formatted in init(), before wrk starts its clock, so
-- that the load tool spends its share of the two cores on sending, not
-- on building strings in Lua: what is measured is the server.
local requests = {}
local next_index = 1
local healthz

function init(args)
  for line in io.lines(os.getenv("REQUESTS_FILE")) do
    local tab = string.find(line, "\t", 1, true)
    requests[#requests + 1] = wrk.format("POST", string.sub(line, 1, tab - 1),
      { ["Content-Type"] = "text/xml" }, string.sub(line, tab + 1))
  end
  healthz = wrk.format("GET", "/healthz")
end

function request()
  local r = requests[next_index]
  if r == nil then
    -- Out of events: send nothing new, ask for health instead.
    return healthz
  end
  next_index = next_index + 1
  return r
end
