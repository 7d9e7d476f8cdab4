"""Attempt limits by prefix (issue 17) and the challenge round-trip (issue 13):
python-requests-shaped HTTP (urllib) against a real `portico meet`; the
client addresses come from X-Forwarded-For of a trusted proxy (loopback)."""
import base64
import http.client
import ssl

from meetlib import Meet, Procs, Tap, PASSWORD

t = Tap()
procs = Procs()
m = Meet(procs, extra={"api": {"auth-attempts": "3", "trusted-proxies": "127.0.0.1"}}).start()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def get(path, user=None, password=None, xff=None):
    c = http.client.HTTPSConnection("127.0.0.1", m.api_port, context=ctx, timeout=30)
    h = {"Accept": "*/*", "User-Agent": "python-requests/2.31"}
    if user is not None:
        h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    if xff:
        h["X-Forwarded-For"] = xff
    c.request("GET", "/api/v1" + path, headers=h)
    r = c.getresponse()
    body = r.read().decode(errors="replace")
    c.close()
    return r.status, r.reason, dict((k.lower(), v) for k, v in r.getheaders()), body


for i in range(12):
    st, _, hdr, _ = get("/coSpaces", xff="2001:db8:5::1")
t.eq(st, 401, "12 requests without credentials: still 401 (a challenge, never counted)")
t.ok("basic" in hdr.get("www-authenticate", "").lower(), "... with WWW-Authenticate")
st, _, _, _ = get("/coSpaces", "admin", PASSWORD, xff="2001:db8:5::1")
t.eq(st, 200, "then the right credentials: 200")

for i in range(3):
    st, _, _, _ = get("/coSpaces", "admin", "wrong", xff="2001:db8:1:2::%x" % (i + 1))
t.eq(st, 401, "wrong passwords from three addresses of one /64: 401")
st, reason, hdr, _ = get("/coSpaces", "admin", PASSWORD, xff="2001:db8:1:2:ffff::9")
t.eq(st, 429, "a fourth address of that /64 is refused (one budget per /64)")
t.eq(reason, "Too Many Requests", "reason phrase Too Many Requests")
t.ok(int(hdr.get("retry-after", "0")) > 0, "Retry-After: %s" % hdr.get("retry-after"))
st, _, _, _ = get("/coSpaces", "admin", PASSWORD, xff="2001:db8:1:3::1")
t.eq(st, 200, "the next /64 is another client")
st, _, _, _ = get("/coSpaces", "admin", PASSWORD, xff="198.51.100.1, 2001:db8:1:2::1")
t.eq(st, 429, "the right-most forwarded hop counts, not a spoofed left one")
st, _, _, body = get("/coSpaces?limit=%20%201", "admin", PASSWORD)
t.eq(st, 400, "limit=  1 is 400")
t.match(r'parameter="limit"', body, "... naming limit")
t.match(r"authentication failure from 2001:db8:1:2::1", m.read_log(), "the log names the forwarded address")
m.stop()
t.done()
