-- Each connection alternates: a new visitor opens the target page (no cookies, so it is assigned and
-- counted), then the same visitor opens /thanks with the cookies it was given (a conversion).
local cookie = nil

request = function()
  if cookie == nil then
    return wrk.format("GET", "/pricing", {})
  end
  local r = wrk.format("GET", "/thanks", { ["Cookie"] = cookie })
  cookie = nil
  return r
end

response = function(status, headers, body)
  local set = {}
  for k, v in pairs(headers) do
    if string.lower(k) == "set-cookie" then
      for piece in string.gmatch(v, "([^;,]+=[^;,]+);") do
        if string.find(piece, "sgen") then table.insert(set, (string.gsub(piece, "^%s+", ""))) end
      end
    end
  end
  if #set > 0 then cookie = table.concat(set, "; ") end
end
