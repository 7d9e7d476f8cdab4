#!/usr/bin/env python3
"""`portico meet --check` and `user add`: every config error names
file:line; the shipped conf/meet.conf is valid; passwords come from stdin."""
import os
import subprocess

from meetlib import Meet, Procs, Tap, PORTICO, make_cert

t = Tap()
procs = Procs()
d = procs.tempdir()
crt, key = make_cert(d, "admin")
here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", "..", ".."))


def check(text, cwd=None):
    p = os.path.join(d, "c.conf")
    with open(p, "w") as f:
        f.write(text)
    r = subprocess.run([PORTICO, "meet", "--check", "-c", p], capture_output=True, cwd=cwd)
    return r.returncode, (r.stdout + r.stderr).decode()


good = ("[meet]\nstate = %s/state\n[webbridge]\nlisten = 127.0.0.1:1\ncertificate = %s\nkey = %s\n"
        "[api]\nlisten = 127.0.0.1:2\ncertificate = %s\nkey = %s\n" % (d, crt, key, crt, key))
rc, out = check(good)
t.eq(rc, 0, "a minimal valid config passes --check")
rc, out = check(good + "[media]\nworkers = 2\nhost-candidates = no\naddresses = 127.0.0.1, ::1\n"
                "relay-timeout-ms = 3000\nice-timeout-ms = 10000\nbrowser-relay-only = yes\n"
                "browser-rest-secret = 0123456789abcdef\nbrowser-rest-ttl = 600\nport-min = 40000\nport-max = 40100\n")
t.eq(rc, 0, "every [media] key accepted " + out.strip())
cases = [
    (good + "colour = blue\n", r"c\.conf:11: unknown key \"colour\" in \[api\]", "unknown key"),
    (good + "[frob]\nx = 1\n", r"c\.conf:12: unknown section \[frob\]", "unknown section"),
    (good.replace("listen = 127.0.0.1:1", "listen = localhost"), r"c\.conf:4: listen: .*address:port",
     "bad listen address"),
    (good + "page-limit = 0\n", r"c\.conf:11: page-limit", "page-limit out of range"),
    (good + "auth-attempts = lots\n", r"c\.conf:11: auth-attempts", "non-numeric"),
    (good.replace("[meet]\n", "[meet]\nseed = perhaps\n"), r"c\.conf:2: seed", "bad boolean"),
    (good.replace("[meet]\n", "[meet]\nseed-domains = ok.example, bad domain\n"), r"c\.conf:2: seed-domains",
     "bad seed domain"),
    (good + "listen = 127.0.0.1:3\n", r"c\.conf:11: \"listen\" in \[api\] given twice", "duplicate key"),
    (good.replace("[meet]\n", "[meet]\nlog-level = chatty\n"), r"c\.conf:2: log-level", "bad log level"),
    (good.replace("key = %s\n[api]" % key, "[api]"), r"\[webbridge\] needs certificate and key", "missing key"),
    (good + "[media]\nhost-candidates = sometimes\n", r"c\.conf:12: host-candidates", "[media] bad boolean"),
    (good + "[media]\naddresses = 127.0.0.1, not-an-ip\n", r"c\.conf:12: addresses", "[media] bad address"),
    (good + "[media]\nrelay-timeout-ms = 5\n", r"c\.conf:12: relay-timeout-ms", "[media] timeout range"),
    (good + "[media]\nbrowser-rest-secret = short\n", r"c\.conf:12: browser-rest-secret.*16", "[media] short secret"),
    (good + "[media]\nport-min = 40000\n", r"port-min and port-max", "[media] half a port range"),
]
for text, pat, name in cases:
    rc, out = check(text)
    t.ok(rc != 0, "--check refuses: " + name, out)
    t.match(pat, out, "... and says where: " + name)
rc, out = check(good.replace("certificate = %s\nkey = %s\n[api]" % (crt, key),
                             "certificate = %s/none.crt\nkey = %s\n[api]" % (d, key)))
t.ok(rc != 0 and "none.crt" in out, "--check loads the certificates", out)

# The shipped config is valid once its certificate files exist.
state = os.path.join(d, "shipped")
os.makedirs(os.path.join(state, "state", "certs"))
for n in ("webbridge", "admin"):
    c, k = make_cert(os.path.join(state, "state", "certs"), n)
r = subprocess.run([PORTICO, "meet", "--check", "-c", os.path.join(repo, "conf", "meet.conf")],
                   capture_output=True, cwd=state)
t.eq(r.returncode, 0, "conf/meet.conf passes --check " + (r.stdout + r.stderr).decode().strip())

# user add: password on stdin, weak ones refused, bad names refused.
m = Meet(procs)
r = subprocess.run([PORTICO, "meet", "-c", m.conf, "user", "add", "ops"], input=b"short\n", capture_output=True)
t.ok(r.returncode != 0 and b"8-1024" in r.stderr, "a short password is refused")
r = subprocess.run([PORTICO, "meet", "-c", m.conf, "user", "add", "bad name"], input=b"longenough1\n",
                   capture_output=True)
t.ok(r.returncode != 0, "a user name with a space is refused")
r = subprocess.run([PORTICO, "meet", "-c", m.conf, "user", "add", "ops"], input=b"", capture_output=True)
t.ok(r.returncode != 0, "no password on stdin is an error")
m.user_add("ops", "ops-password-1")
m.start()
st, _, _ = m.curl("GET", "/system/status", user="ops", password="ops-password-1")
t.eq(st, 200, "the new user can use the API")
st, _, _ = m.curl("GET", "/system/status", user="ops", password="ops-password-2")
t.eq(st, 401, "with its password only")
t.eq(m.stop(), 0, "portico meet exits 0")
t.done()
