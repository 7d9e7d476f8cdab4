#!/usr/bin/env python3
"""The web bridge's guest API over real HTTPS with curl: call ID and
passcode resolution, guest accounts, invitation secrets, per-client
rate limiting of failed attempts, bounded bodies."""
import json

from meetlib import Meet, Procs, Tap, location_id

t = Tap()
procs = Procs()
m = Meet(procs, extra={"webbridge": {"guest-attempts": "3", "guest-attempt-window": "3600"}}).start()


def guest(path, data=None, raw=None, xff=None, srv=None):
    srv = srv or m
    hdrs = ["X-Forwarded-For: " + xff] if xff else None
    st, h, body = srv.curl("POST", "", data, user=None, url=srv.web + path, raw_body=raw, headers=hdrs)
    try:
        return st, json.loads(body)
    except ValueError:
        return st, {"raw": body}


st, h, _ = m.curl("POST", "/coSpaces", [("name", "Board"), ("uri", "board"), ("callId", "777001"),
                                        ("passcode", "2468")])
board = location_id(h)
st, h, _ = m.curl("POST", "/coSpaces/%s/accessMethods" % board, [("callId", "777002"), ("passcode", "1357")])

st, _, body = m.curl("GET", "", user=None, url=m.web + "/api/guest/config")
cfg = json.loads(body)
t.eq(cfg["link"], True, "the web bridge link to the call bridge is up")

st, r = guest("/api/guest/resolve", [("callId", "100101")])
t.eq((st, r.get("spaceName")), (200, "Proxy webRTC"), "call ID 100101 resolves to Proxy webRTC")
token = r["token"]
st, r = guest("/api/guest/login", [("token", token), ("name", "Invité Ünicode")])
t.eq(st, 200, "login with a display name")
t.ok(r.get("jid", "").startswith("guest") and r["jid"].endswith("@cms.octavio.local"),
     "guest account guest<digits>@cms.octavio.local", r)
st, r = guest("/api/guest/login", [("token", token), ("name", "Again")])
t.eq((st, r.get("error")), (404, "expired"), "a resolution token is used once")

st, r = guest("/api/guest/resolve", [("callId", "777001")])
t.eq((st, r.get("error")), (403, "passcodeRequired"), "a space with a passcode asks for it")
st, r = guest("/api/guest/resolve", [("callId", "777001"), ("passcode", "2468")])
t.eq((st, r.get("spaceName")), (200, "Board"), "right passcode")
st, r = guest("/api/guest/resolve", [("callId", "777002"), ("passcode", "1357")])
t.eq((st, r.get("spaceName")), (200, "Board"), "an access method's call ID and passcode reach its space")
st, r = guest("/api/guest/resolve", [("callId", "777002"), ("passcode", "2468")])
t.eq((st, r.get("error")), (403, "badPasscode"), "the space's passcode does not open the access method")

_, _, body = m.curl("GET", "/coSpaces/" + board)
import re
secret = re.search(r"<secret>([^<]+)</secret>", body).group(1)
st, r = guest("/api/guest/resolve", [("callId", "777001"), ("secret", secret)])
t.eq((st, r.get("spaceName")), (200, "Board"), "an invitation secret needs no passcode")
st, _, _ = m.curl("GET", "", user=None, url=m.web + "/invited.sf?id=777001&secret=" + secret)
t.eq(st, 302, "invited.sf redirects into the app")

for bad in ([("callId", "12a")], [("callId", "")], [("callId", "1" * 19)], [("passcode", "x")]):
    st, r = guest("/api/guest/resolve", bad)
    t.eq(st, 400, "malformed resolve %r -> 400" % (bad,))
st, r = guest("/api/guest/login", [("token", "x"), ("name", "   ")])
t.eq(st, 400, "blank display name -> 400")
st, r = guest("/api/guest/login", [("token", "x"), ("name", "n" * 65)])
t.eq(st, 400, "display name over 64 characters -> 400")
st, r = guest("/api/guest/resolve", raw="callId=1&callId=2")
t.eq(st, 400, "duplicate field -> 400")
st, r = guest("/api/guest/resolve", raw="callId=" + "1" * 9000)
t.eq(st, 413, "body over the guest cap -> 413")

# Failed attempts are limited per client address: 3 here, then refused even
# for a valid call ID.  (The passcode failure above already counted one.)
st, r = guest("/api/guest/resolve", [("callId", "999999")])
t.eq((st, r.get("error")), (404, "notFound"), "unknown call ID -> notFound")
st, r = guest("/api/guest/resolve", [("callId", "999998")])
t.eq(st, 404, "second unknown call ID")
st, r = guest("/api/guest/resolve", [("callId", "100101")])
t.eq((st, r.get("error")), (429, "rateLimited"), "after 3 failures the client is refused, even for a valid ID")

st, r = guest("/api/guest/resolve", [("callId", "100101")], xff="198.51.100.7")
t.eq(st, 429, "X-Forwarded-For from an untrusted peer is ignored (no escape from the limit)")

log = m.read_log()
for pat in (r"web bridge link 1: new guest login request \d+ received",
            r"guest login request \d+: passcode resolution scheduled",
            r"guest login request \d+: resolution in progress",
            r"created guest account with user ID \"guest\d+@cms\.octavio\.local\"",
            r"successful login request from guest\d+@cms\.octavio\.local",
            r"guest login request \d+: refused, too many failed attempts from 127\.0\.0\.1"):
    t.match(pat, log, "event log: " + pat)
t.ok("2468" not in log and "1357" not in log and secret not in log, "no passcode or secret in the log")
t.eq(m.stop(), 0, "portico meet exits 0")

# Behind the edge: the inside edge (trusted proxy) forwards the guest's
# address; limits and logs apply to the guest, not to the edge.
e = Meet(procs, extra={"webbridge": {"guest-attempts": "2", "guest-attempt-window": "3600",
                                     "trusted-proxies": "127.0.0.0/8, ::1"}}).start()
for _ in range(2):
    guest("/api/guest/resolve", [("callId", "999999")], xff="203.0.113.5", srv=e)
st, r = guest("/api/guest/resolve", [("callId", "100101")], xff="203.0.113.5", srv=e)
t.eq(st, 429, "guest 203.0.113.5 behind the trusted edge is limited")
st, r = guest("/api/guest/resolve", [("callId", "100101")], xff="203.0.113.5, 203.0.113.9", srv=e)
t.eq(st, 200, "another guest (last X-Forwarded-For entry) behind the same edge is not")
t.match(r"resolution failed \(notFound\) from 203\.0\.113\.5", e.read_log(), "the log names the guest's address")
t.eq(e.stop(), 0, "second portico meet exits 0")
t.done()
