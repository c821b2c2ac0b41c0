-- wrk script: sends the pre-sealed callbacks written by
-- `callback_load --dump FILE`, each once, in order (wrk -t1 only).
-- Set REQUESTS_FILE in the environment.
local requests = {}
local next_index = 1

function init(args)
  for line in io.lines(os.getenv("REQUESTS_FILE")) do
    local tab = string.find(line, "\t", 1, true)
    requests[#requests + 1] = { string.sub(line, 1, tab - 1), string.sub(line, tab + 1) }
  end
end

function request()
  local r = requests[next_index]
  if r == nil then
    -- Out of events: send nothing new, ask for health instead.
    return wrk.format("GET", "/healthz")
  end
  next_index = next_index + 1
  return wrk.format("POST", r[1], { ["Content-Type"] = "text/xml" }, r[2])
end

