-- Signed clicks for wrk (scripts/load.sh): each request a fresh genuine
-- signature (a one-time ticket the instance keeps with the click's row)
-- from a client of its own. Arguments: the file of signed paths
-- (core/examples/sign_many.rs) and wrk's thread count; thread i takes
-- every i-th path, so no path is sent twice (a replay) unless the file
-- runs out.
local counter = 0
setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local paths, next_path = {}, 1
init = function(args)
  local n, every = 0, tonumber(args[2])
  for line in io.lines(args[1]) do
    if n % every == id then paths[#paths + 1] = line end
    n = n + 1
  end
  math.randomseed(11 + id)
end

request = function()
  local path = paths[next_path]
  next_path = next_path % #paths + 1
  local ip = string.format("23.%d.%d.%d", math.random(24, 99), math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", path, {
    ["CF-Connecting-IP"] = ip,
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    ["Referer"] = "https://www.google.com/",
  })
end
