-- Reacting clicks for wrk (scripts/load.sh): a residential pool's flood.
-- Each request a client of its own (a random IPv4 address, each wrk
-- thread and instance its own sequence) with a headless browser's
-- oversized user agent, so every click is blocked as fraud and reacts:
-- it auto-blocks its client and reports both (`fraud.detected`,
-- `ip.blocked`) to an endpoint. Argument: the instance's number.
local counter = 0
setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36 " .. string.rep("x", 520)

init = function(args)
  math.randomseed(13 + 100 * tonumber(args[1] or 0) + id)
end

request = function()
  local ip = string.format("23.%d.%d.%d", math.random(24, 99), math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", nil, {
    ["CF-Connecting-IP"] = ip,
    ["User-Agent"] = agent,
  })
end
