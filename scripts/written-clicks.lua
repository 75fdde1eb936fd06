-- Written clicks for wrk (scripts/load.sh, scripts/load-compare.sh): a
-- random client per request, so nearly every click is a plain one
-- (recorded, nothing to react to), as real traffic mostly is.
math.randomseed(7)
request = function()
  local ip = string.format("23.%d.%d.%d", math.random(24, 99), math.random(0, 255), math.random(1, 254))
  return wrk.format("GET", nil, {
    ["CF-Connecting-IP"] = ip,
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    ["Referer"] = "https://www.google.com/",
  })
end
