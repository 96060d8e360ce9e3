-- The benchmark's canned OpenAI-dialect upstream, run by nginx (bench/upstream.nginx.conf).
--
-- Any path prefix works: POST <prefix>/chat/completions answers a chat completion whose content
-- is "echo: hello bench" (as Server-Sent Events when the body has "stream": true),
-- POST <prefix>/embeddings one small vector per input, GET <prefix>/models a model list.
-- The first path segment is the request's lane (/openai/v1/... is lane "openai"). Per lane,
-- POST /_bench/config sets a fixed delay before answering (before the first byte of a stream),
-- a share of requests that hang for hang_ms before answering, and a share that answer 500 with
-- OpenAI's error body; lane "*" (the default) applies wherever a lane sets nothing itself.
-- The values live in a shared dict, so every nginx worker sees them; each worker keeps a copy
-- and re-reads it only when the dict's version number moves.
-- A lane with record=1 also notes when each chat completion and embeddings request arrived
-- (nginx's own start time of the request, in ms), so a benchmark can count what reached the
-- upstream rather than trust the proxy's word: GET /_bench/arrivals?lane=L counts them,
-- DELETE answers them and forgets them.
-- The body is not decoded (no cjson in Debian's LuaJIT); the few fields read are found as
-- strings, which is all a canned answer needs. Plain searches where possible: LuaJIT compiles
-- them, and every microsecond here is a microsecond of DIRECT's figure.

local _M = {}

local find, sub = string.find, string.sub

local config = ngx.shared.bench_config
local arrivals = ngx.shared.bench_arrivals
local ALL = "*"
local DEFAULTS = { delay_ms = 0, error_rate = 0, hang_rate = 0, hang_ms = 30000, record = 0 }
local BOUNDED = { error_rate = 1, hang_rate = 1, record = 1 } -- fields that run from 0 to 1
local FINGERPRINT = "fp_bench0001"
local DEFAULT_MODEL = "gpt-4o-mini"
local PIECES = { "echo:", " hello", " bench" } -- together the content, "echo: hello bench"
local CONTENT = table.concat(PIECES)
local PROMPT_TOKENS, COMPLETION_TOKENS = 9, #PIECES
local EMBEDDING = "[0.0123,-0.0456,0.0789,-0.0101,0.0202,-0.0303,0.0404,-0.0505]"

local USAGE = string.format(
   '{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,'
      .. '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},'
      .. '"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,'
      .. '"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}',
   PROMPT_TOKENS, COMPLETION_TOKENS, PROMPT_TOKENS + COMPLETION_TOKENS)

-- OpenAI's answer to a failure on its side (HTTP 500).
local SERVER_ERROR = '{"error":{"message":"The server had an error while processing your '
   .. 'request. Sorry about that!","type":"server_error","param":null,"code":null}}'

local MODELS = '{"object":"list","data":['
   .. '{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"},'
   .. '{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},'
   .. '{"id":"text-embedding-3-small","object":"model","created":1705948997,'
   .. '"owned_by":"system"}]}'

local function send_json(body, status)
   if status then ngx.status = status end -- Content-Type is nginx's default_type
   ngx.header["Content-Length"] = #body
   ngx.print(body)
end

local function not_found()
   local where = ngx.req.get_method() .. " " .. ngx.var.uri:gsub("[^%w%./_%-]", "")
   send_json('{"error":{"message":"Invalid URL (' .. where .. ')","type":"invalid_request_error",'
      .. '"param":null,"code":null}}', 404)
end

-- Lane settings ---------------------------------------------------------------------------

local seen_version, lanes = -1, { [ALL] = DEFAULTS }
local unset_lanes = {} -- per lane without settings of its own: the defaults, under its name
local id_prefix, id_count = "", 0

local function read_lanes()
   local raw = {}
   for _, key in ipairs(config:get_keys(0)) do
      local lane, field = key:match("^(.+)|([%w_]+)$")
      if lane then
         raw[lane] = raw[lane] or {}
         raw[lane][field] = config:get(key)
      end
   end
   local base, out = raw[ALL] or {}, { [ALL] = DEFAULTS }
   for lane, values in pairs(raw) do
      local settings = {}
      for field, default in pairs(DEFAULTS) do
         local value = values[field]
         if value == nil then value = base[field] end
         if value == nil then value = default end
         settings[field] = value
      end
      settings.lane = lane
      out[lane] = settings
   end
   return out
end

local function settings_for(lane)
   local version = config:get("version") or 0
   if version ~= seen_version then
      lanes = read_lanes() -- read after the version: a write in between only means a re-read
      seen_version = version
   end
   local own = lanes[lane]
   if own then return own end
   -- A lane that sets nothing takes lane "*"'s values but keeps its own name (for arrivals).
   local base = lanes[ALL]
   local cached = unset_lanes[lane]
   if cached == nil or cached.base ~= base then
      cached = setmetatable({ lane = lane, base = base }, { __index = base })
      unset_lanes[lane] = cached
   end
   return cached
end

-- The request's arrival, kept under its lane when the lane records (dropped when the dict is
-- full, and counted as dropped).
local function note_arrival(settings)
   if settings.record <= 0 then return end
   local ok = arrivals:rpush(settings.lane, ngx.req.start_time())
   if not ok then arrivals:incr("dropped|" .. settings.lane, 1, 0) end
end

-- Delay, hang, injected error; true when the request has been answered (with the error).
local function misbehave(settings)
   if settings.delay_ms > 0 then ngx.sleep(settings.delay_ms / 1000) end
   if settings.hang_rate > 0 and math.random() < settings.hang_rate then
      ngx.sleep(settings.hang_ms / 1000)
   end
   if settings.error_rate > 0 and math.random() < settings.error_rate then
      send_json(SERVER_ERROR, 500)
      return true
   end
   return false
end

-- The OpenAI endpoints -----------------------------------------------------------------------

local function request_body()
   ngx.req.read_body()
   local body = ngx.req.get_body_data()
   if body then return body end
   local path = ngx.req.get_body_file() -- a body over client_body_buffer_size
   if not path then return "" end
   local file = io.open(path, "rb")
   if not file then return "" end
   body = file:read("*a")
   file:close()
   return body
end

-- Where `"name": <value>` begins in a JSON body (any spacing), or nil.
local function value_at(body, name)
   local at = find(body, name, 1, true)
   while at do
      local _, colon = find(body, "^%s*:%s*", at + #name)
      if colon then return colon + 1 end
      at = find(body, name, at + 1, true)
   end
   return nil
end

local function is_true(body, name)
   local at = value_at(body, name)
   return at ~= nil and sub(body, at, at + 3) == "true"
end

-- A string value without escapes (a model name with a quote in it is not echoed).
local function plain_string(body, name)
   local at = value_at(body, name)
   if not at or sub(body, at, at) ~= '"' then return nil end
   local close = find(body, '"', at + 1, true)
   local value = close and sub(body, at + 1, close - 1)
   if value and not find(value, "\\", 1, true) then return value end
   return nil
end

local COMPLETION_TAIL = '","choices":[{"index":0,"message":{"role":"assistant","content":"'
   .. CONTENT .. '","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],'
   .. '"usage":' .. USAGE .. ',"service_tier":"default","system_fingerprint":"' .. FINGERPRINT
   .. '"}'

local function completion(id, created, model)
   return '{"id":"' .. id .. '","object":"chat.completion","created":' .. created
      .. ',"model":"' .. model .. COMPLETION_TAIL
end

local function stream_completion(id, created, model, include_usage)
   ngx.header["Content-Type"] = "text/event-stream; charset=utf-8"
   ngx.header["Cache-Control"] = "no-cache"
   local head = '{"id":"' .. id .. '","object":"chat.completion.chunk","created":' .. created
      .. ',"model":"' .. model .. '","service_tier":"default","system_fingerprint":"'
      .. FINGERPRINT .. '","choices":'
   -- With include_usage every chunk carries "usage":null until the last one (OpenAI's API).
   local tail = include_usage and ',"usage":null}\n\n' or '}\n\n'
   local function send(delta, finish)
      ngx.print("data: ", head, '[{"index":0,"delta":', delta,
         ',"logprobs":null,"finish_reason":', finish, "}]", tail)
      ngx.flush(true)
   end
   send('{"role":"assistant","content":"","refusal":null}', "null")
   for _, piece in ipairs(PIECES) do send('{"content":"' .. piece .. '"}', "null") end
   send("{}", '"stop"')
   if include_usage then
      ngx.print("data: ", head, '[],"usage":', USAGE, "}\n\n")
      ngx.flush(true)
   end
   ngx.print("data: [DONE]\n\n")
end

local function chat(settings)
   local body = request_body()
   local model = plain_string(body, '"model"') or DEFAULT_MODEL
   local stream = is_true(body, '"stream"')
   note_arrival(settings)
   if misbehave(settings) then return end
   id_count = id_count + 1
   local id, created = id_prefix .. id_count, ngx.time()
   if stream then
      return stream_completion(id, created, model, is_true(body, '"include_usage"'))
   end
   send_json(completion(id, created, model))
end

-- How many inputs an embeddings body has: one string, or the elements of an array of strings
-- (an array of token ids is one input, an array of arrays one input per inner array).
local function input_count(body)
   local _, stop = body:find('"input"%s*:%s*%[%s*')
   if not stop then return 1 end
   local first = body:sub(stop + 1, stop + 1)
   if first == "]" then return 0 end
   if first:match("[%d%-]") then return 1 end
   local count, depth, in_string, escaped = 1, 0, false, false
   for i = stop + 1, #body do
      local c = body:sub(i, i)
      if in_string then
         if escaped then escaped = false
         elseif c == "\\" then escaped = true
         elseif c == '"' then in_string = false end
      elseif c == '"' then in_string = true
      elseif c == "[" then depth = depth + 1
      elseif c == "]" then
         if depth == 0 then return count end
         depth = depth - 1
      elseif c == "," and depth == 0 then count = count + 1 end
   end
   return count
end

local function embeddings(settings)
   local body = request_body()
   local model = plain_string(body, '"model"') or "text-embedding-3-small"
   note_arrival(settings)
   if misbehave(settings) then return end
   local n, items = input_count(body), {}
   for i = 1, n do
      items[i] = '{"object":"embedding","index":' .. (i - 1) .. ',"embedding":' .. EMBEDDING .. "}"
   end
   send_json('{"object":"list","data":[' .. table.concat(items, ",") .. '],"model":"' .. model
      .. '","usage":{"prompt_tokens":' .. 2 * n .. ',"total_tokens":' .. 2 * n .. "}}")
end

local function models(settings)
   if misbehave(settings) then return end
   send_json(MODELS)
end

-- The request's lane: the first path segment.
local function lane_of(uri)
   local slash = find(uri, "/", 2, true)
   return slash and sub(uri, 2, slash - 1) or ALL
end

-- nginx's locations pick the endpoint by the path's end (bench/upstream.nginx.conf).
local function endpoint(method, handler)
   return function()
      if ngx.req.get_method() ~= method then return not_found() end
      return handler(settings_for(lane_of(ngx.var.uri)))
   end
end

_M.chat = endpoint("POST", chat)
_M.embeddings = endpoint("POST", embeddings)
_M.models = endpoint("GET", models)
_M.not_found = not_found

-- The control endpoint -----------------------------------------------------------------------

local function lanes_json()
   local parts = {}
   for lane, settings in pairs(read_lanes()) do
      local fields = {}
      for field in pairs(DEFAULTS) do
         fields[#fields + 1] = '"' .. field .. '":' .. tostring(settings[field])
      end
      parts[#parts + 1] = '"' .. lane .. '":{' .. table.concat(fields, ",") .. "}"
   end
   return '{"lanes":{' .. table.concat(parts, ",") .. "}}"
end

-- Query arguments, then the fields of a flat JSON object body (query arguments win).
local function control_args()
   local args = ngx.req.get_uri_args()
   ngx.req.read_body()
   local body = ngx.req.get_body_data() or ""
   for key, value in body:gmatch('"([%w_]+)"%s*:%s*"?([^",}%s]*)') do
      if args[key] == nil then args[key] = value end
   end
   for key, value in pairs(args) do
      if type(value) == "table" then args[key] = value[#value] end
   end
   return args
end

local function set_lane(lane, args)
   local values = {}
   for field in pairs(DEFAULTS) do
      local raw = args[field]
      if raw ~= nil then
         local value = tonumber(raw)
         local limit = BOUNDED[field] or math.huge
         if value == nil or value < 0 or value > limit then
            return field .. " must be a number from 0 to " .. tostring(limit)
         end
         values[field] = value
      end
   end
   for field, value in pairs(values) do config:set(lane .. "|" .. field, value) end
   return nil
end

local function clear(lane)
   for _, key in ipairs(config:get_keys(0)) do
      if key ~= "version" and (lane == nil or key:sub(1, #lane + 1) == lane .. "|") then
         config:delete(key)
      end
   end
end

function _M.control()
   local method, args = ngx.req.get_method(), control_args()
   local lane = args.lane
   if lane ~= nil and not (lane == ALL or lane:match("^[%w%._%-]+$")) then
      return send_json('{"error":"lane must be * or letters, digits, . _ -"}', 400)
   end
   if method == "POST" or method == "PUT" then
      local problem = set_lane(lane or ALL, args)
      if problem then return send_json('{"error":"' .. problem .. '"}', 400) end
   elseif method == "DELETE" then
      clear(lane) -- every lane when none is named
   elseif method ~= "GET" then
      return send_json('{"error":"GET, POST or DELETE"}', 405)
   end
   -- Never reset to an earlier number: a worker's copy is keyed by it.
   if method ~= "GET" then config:incr("version", 1, 0) end
   send_json(lanes_json())
end

-- GET: how many arrivals a lane holds; DELETE: answer them (seconds since the epoch, in order)
-- and forget them. Both say how many were dropped because the dict was full.
function _M.arrivals()
   local method, args = ngx.req.get_method(), ngx.req.get_uri_args()
   local lane = args.lane
   if type(lane) ~= "string" or not lane:match("^[%w%._%-]+$") then
      return send_json('{"error":"lane must be letters, digits, . _ -"}', 400)
   end
   local dropped = arrivals:get("dropped|" .. lane) or 0
   if method == "GET" then
      local count = arrivals:llen(lane) or 0
      return send_json('{"lane":"' .. lane .. '","count":' .. count .. ',"dropped":' .. dropped
         .. "}")
   end
   if method ~= "DELETE" then
      return send_json('{"error":"GET or DELETE"}', 405)
   end
   local times = {}
   while true do
      local at = arrivals:lpop(lane)
      if at == nil then break end
      times[#times + 1] = string.format("%.3f", at)
   end
   arrivals:delete("dropped|" .. lane)
   send_json('{"lane":"' .. lane .. '","dropped":' .. dropped .. ',"times":['
      .. table.concat(times, ",") .. "]}")
end

function _M.init_worker()
   math.randomseed(ngx.now() * 1000 + ngx.worker.pid())
   -- Unique per worker and start; cheaper than a random id per answer.
   id_prefix = string.format("chatcmpl-B%x%xz", ngx.worker.pid(), ngx.now() * 1000)
end

return _M
