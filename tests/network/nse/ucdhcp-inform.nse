local dhcp = require "dhcp"
local ipOps = require "ipOps"
local math = require "math"
local nmap = require "nmap"
local stdnse = require "stdnse"
local string = require "string"
local table = require "table"

description = [[
Sends the DHCPINFORM a Lync phone sends (option 60 "MS-UC-Client", option 55 asking for 43
and 120) to the target's UDP port 67 with nmap's own dhcp library, and prints the reply's
header fields and every option as raw hex, one per line ("option 120: 0006..."), because the
library's parser hides options it does not know (43, 120).
]]

---
-- @usage
-- nmap -n -Pn -sn --script ucdhcp-inform.nse --script-args ucdhcp-inform.ciaddr=10.1.2.60 <server>
--
-- @args ucdhcp-inform.ciaddr the client address sent in ciaddr (default: nmap's source address)
-- @args ucdhcp-inform.timeout seconds to wait for the reply (default 5)
--
-- @output
-- Host script results:
-- | ucdhcp-inform:
-- |   xid: 1234abcd
-- |   option 53: 05
-- |   option 54: 0a01020a
-- |   option 43: 010c4d532d...
-- |_  option 120: 0006706f6f6c...

author = "ucdhcp tests"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"discovery", "safe"}

hostrule = function(host)
  return true
end

local function raw_options(data)
  -- BOOTP header (236 bytes) + magic cookie: options start at byte 241 (Lua is 1-based).
  local lines = {}
  local pos = 241
  while pos <= #data do
    local code = string.byte(data, pos)
    if code == 255 then
      break
    elseif code == 0 then
      pos = pos + 1
    else
      local length = string.byte(data, pos + 1)
      local value = string.sub(data, pos + 2, pos + 1 + length)
      table.insert(lines, string.format("option %d: %s", code, stdnse.tohex(value)))
      pos = pos + 2 + length
    end
  end
  return lines
end

action = function(host)
  local ciaddr_arg = stdnse.get_script_args(SCRIPT_NAME .. ".ciaddr")
  local ciaddr = ciaddr_arg and ipOps.ip_to_str(ciaddr_arg) or host.bin_ip_src
  if not ciaddr then
    return "ERROR: no source address known; give --script-args ucdhcp-inform.ciaddr=A.B.C.D"
  end
  local timeout = tonumber(stdnse.get_script_args(SCRIPT_NAME .. ".timeout") or "5")
  local mac = host.mac_addr_src or "\x02\x00\x00\x00\x00\x01"
  local xid = string.pack("<I4", math.random(0, 0x7FFFFFFF))
  local options = {{number = 60, type = "string", value = "MS-UC-Client"}}

  local built, packet = dhcp.dhcp_build(dhcp.request_types.DHCPINFORM, ciaddr, mac, options,
    string.char(43, 120), nil, nil, xid)
  if not built then
    return "ERROR build: " .. tostring(packet)
  end

  local socket = nmap.new_socket("udp")
  socket:bind(nil, 68)
  socket:set_timeout(timeout * 1000)
  local sent, err = socket:sendto(host, {number = 67, protocol = "udp"}, packet)
  if not sent then
    socket:close()
    return "ERROR send: " .. tostring(err)
  end

  -- Bounded: at most ten datagrams, each waited for at most `timeout`.
  local status, data
  for _ = 1, 10 do
    status, data = socket:receive()
    if not status or string.sub(data, 5, 8) == xid then
      break
    end
  end
  socket:close()
  if not status then
    return "ERROR receive: " .. tostring(data)
  end

  -- The library's parser checks op (BOOTREPLY), the xid and the magic cookie.
  local parsed, result = dhcp.dhcp_parse(data, xid)
  if not parsed then
    return "ERROR parse: " .. tostring(result)
  end
  local lines = {"xid: " .. stdnse.tohex(xid), "ciaddr: " .. result.ciaddr_str,
    "yiaddr: " .. result.yiaddr_str}
  for _, line in ipairs(raw_options(data)) do
    table.insert(lines, line)
  end
  return stdnse.format_output(true, lines)
end
