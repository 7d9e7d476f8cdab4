#!/usr/bin/env python3
"""Guests through outside -> tunnel -> inside -> web bridge: pages, bodies,
WebSocket echo, status/metrics, and the outside's refusals (unknown Host,
methods, CONNECT, absolute-URI, smuggling attempts, slowloris)."""
import concurrent.futures
import socket
import json
import subprocess
import time
import urllib.request

from edgelab import HOST, Lab, check, done, read_all, tls_connect, wait_for, ws_session

lab = Lab().start()
check(lab.active_tunnels() == 2, "two tunnels Active on the outside")
check(lab.active_tunnels("inside") == 2, "two tunnels Active on the inside")

code, body, err = lab.curl("/")
check(code == 200 and "Join call" in body, "GET / through the tunnel", err + body)
code, body, _ = lab.curl("/", "-I")
check(code == 200, "HEAD /")
code, body, _ = lab.curl("/big?n=3000000")
check(code == 200 and len(body) == 3000000, "3 MB download", len(body))
r = subprocess.run(["curl", "-sS", "--cacert", lab.certs.ca, "--resolve", "%s:%d:127.0.0.1" % (HOST, lab.w_port),
                    "-o", "/dev/null", "-w", "%{size_download}", "https://%s:%d/big?n=100000000" % (HOST, lab.w_port)],
                   capture_output=True, text=True, timeout=120)
check(r.returncode == 0 and r.stdout == "100000000", "100 MB download arrives whole (stream windows, buffer caps)",
      r.stdout + r.stderr)
with open(lab.d + "/up30", "wb") as f:
    f.write(b"u" * 30000000)
r = subprocess.run(["curl", "-sS", "--cacert", lab.certs.ca, "--resolve", "%s:%d:127.0.0.1" % (HOST, lab.w_port),
                    "-o", "/dev/null", "-w", "%{size_download}", "--data-binary", "@" + lab.d + "/up30",
                    "https://%s:%d/echo" % (HOST, lab.w_port)], capture_output=True, text=True, timeout=120)
check(r.returncode == 0 and r.stdout == "30000005", "30 MB upload echoed whole", r.stdout + r.stderr)
code, body, _ = lab.curl("/echo", "--data-binary", "hello guest")
check(code == 200 and body == "echo:hello guest", "POST with Content-Length", body)
code, body, _ = lab.curl("/echo", "-H", "Transfer-Encoding: chunked", "--data-binary", "chunky")
check(code == 200 and body == "echo:chunky", "POST with chunked body", body)
open(lab.d + "/2mb", "w").write("x" * 2000000)
code, body, _ = lab.curl("/echo", "-X", "PUT", "--data-binary", "@" + lab.d + "/2mb")
check(code == 200 and len(body) == 2000005, "PUT 2 MB body", len(body))
code, body, _ = lab.curl("/thing", "-X", "DELETE")
check(code == 204, "DELETE", code)
code, body, _ = lab.curl("/slow")
check(code == 200 and body.count("tick") == 10, "streamed chunked response", body)
code, body, _ = lab.curl("/headers", "-H", "X-Forwarded-For: 6.6.6.6", "-H", "Connection: keep-alive, X-Hop",
                         "-H", "X-Hop: secret")
check("x-forwarded-for: 127.0.0.1" in body and "6.6.6.6" not in body, "X-Forwarded-For replaced", body)
check("forwarded: for=127.0.0.1;proto=https;host=cmsweb.octavio.com" in body, "Forwarded added", body)
check("x-hop" not in body, "headers named by Connection stripped", body)

# keep-alive: several requests on one connection
code, body, err = lab.curl("/", "-o", "/dev/null", "https://%s:%d/headers" % (HOST, lab.w_port))
check(code == 200, "two requests on one keep-alive connection", err)

echoes, head = ws_session(lab, [b"hello", b"x" * 1000, b"bye"])
check(echoes == [b"hello", b"x" * 1000, b"bye"], "WebSocket echo through the tunnel (RFC 8441)", head)

# concurrency
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    res = list(ex.map(lambda i: lab.curl("/big?n=%d" % (100000 + i)), range(48)))
check(all(r[0] == 200 and len(r[1]) == 100000 + i for i, r in enumerate(res)), "48 concurrent downloads")

r = lab.raw(b"GET /slow HTTP/1.0\r\nHost: cmsweb.octavio.com\r\n\r\n")
check(r.startswith(b"HTTP/1.1 200") and b"chunked" not in r.split(b"\r\n\r\n")[0].lower() and r.count(b"tick") == 10,
      "HTTP/1.0 guest: close-delimited body, not chunked", r[:300])
s_ = tls_connect(lab.w_port, lab.certs.ca, HOST)
s_.sendall(b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nContent-Length: 3\r\nExpect: 100-continue\r\n"
           b"Connection: close\r\n\r\n")
first = s_.recv(100)
s_.sendall(b"abc")
rest = read_all(s_)
check(first.startswith(b"HTTP/1.1 100 Continue") and b"echo:abc" in first + rest, "Expect: 100-continue answered by the edge",
      first + rest)

# ---- refusals ----
code, body, _ = lab.curl("/", "-H", "Host: evil.example.com")
check(code == 400, "unknown Host -> 400", code)
# Host must be the name the TLS connection was opened for (SNI): 421
import ssl as _ssl
ctx = _ssl.create_default_context(cafile=lab.certs.ca)
ctx.check_hostname = False
raw_ = socket.create_connection(("127.0.0.1", lab.w_port), 10)
s_ = ctx.wrap_socket(raw_, server_hostname="other.octavio.com")
s_.sendall(b"GET / HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nConnection: close\r\n\r\n")
r = read_all(s_)
check(r.startswith(b"HTTP/1.1 421 Misdirected Request\r\n"), "Host differs from the TLS SNI -> 421", r[:200])
s_ = tls_connect(lab.w_port, lab.certs.ca, "CMSWEB.octavio.com")
s_.sendall(b"GET / HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nConnection: close\r\n\r\n")
r = read_all(s_)
check(r.startswith(b"HTTP/1.1 200"), "SNI and Host equal but for case -> 200", r[:200])
code, body, _ = lab.curl("/", "-X", "OPTIONS")
check(code == 405, "OPTIONS -> 405", code)
code, body, _ = lab.curl("/", "-X", "TRACE")
check(code == 405, "TRACE -> 405", code)
r = lab.raw(b"CONNECT internal.octavio.local:445 HTTP/1.1\r\nHost: internal.octavio.local:445\r\n\r\n")
check(r.startswith(b"HTTP/1.1 400"), "CONNECT -> 400", r[:100])
r = lab.raw(b"GET http://internal.octavio.local/ HTTP/1.1\r\nHost: cmsweb.octavio.com\r\n\r\n")
check(r.startswith(b"HTTP/1.1 400"), "absolute-URI -> 400", r[:100])

smuggles = {
    "CL and TE": b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nContent-Length: 4\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
    "two CL": b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nContent-Length: 4\r\n"
              b"Content-Length: 40\r\n\r\nabcd",
    "TE not chunked": b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "TE with space before colon": b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\n"
                                  b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "obs-fold": b"GET / HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nX-A: 1\r\n  folded\r\n\r\n",
    "bare LF": b"GET / HTTP/1.1\nHost: cmsweb.octavio.com\n\n",
    "two Host": b"GET / HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nHost: evil.com\r\n\r\n",
    "no Host": b"GET / HTTP/1.1\r\n\r\n",
    "oversized head": b"GET / HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
    "bad chunk size": b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"zz\r\nhello\r\n0\r\n\r\n",
    "CL with sign": b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nContent-Length: +4\r\n\r\nabcd",
}
for name, req in smuggles.items():
    r = lab.raw(req)
    check(r.startswith(b"HTTP/1.1 400"), "smuggling attempt refused: " + name, r[:200])

# slowloris: a client dribbling its head is cut off; others are served
slow = tls_connect(lab.w_port, lab.certs.ca, HOST)
slow.sendall(b"GET / HTTP/1.1\r\nHost: cmsweb.octavio.com\r\n")
code, body, _ = lab.curl("/")
check(code == 200, "a guest is served while a slowloris client holds a connection")
t0 = time.monotonic()
cut = False
try:
    slow.settimeout(1)
    while time.monotonic() - t0 < 15:
        try:
            slow.sendall(b"X-a: b\r\n")
        except OSError:
            cut = True
            break
        try:
            if slow.recv(1024) == b"":
                cut = True
                break
        except TimeoutError:
            pass
        except Exception:
            cut = True
            break
except OSError:
    cut = True
check(cut, "slowloris client cut off by the header timeout")

# ---- status ----
st = lab.status("inside")
check(st and st["web_bridges"] and st["web_bridges"][0]["health"] == "Healthy",
      "inside status: web bridge Healthy", json.dumps(st))
check(st and "resolved" in st["resolution"] and "cmsweb.octavio.com 127.0.0.1" in st["resolution"],
      "inside status: guest URI resolution", st and st["resolution"])
check(st and {t["domain"] for t in st["tunnels"]} == {"octavio.local", "octavio.com", "cmsweb.octavio.com"},
      "inside status: tunnels per domain")
with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % lab.a_out) as r:
    m = r.read().decode()
check("portico_edge_tunnels_active 2" in m and "portico_edge_requests_total" in m, "outside /metrics", m)
r = subprocess.run([lab.bin, "edge", "status", "-c", lab.inside_conf], capture_output=True, text=True)
check(r.returncode == 0 and "Active" in r.stdout and "Healthy" in r.stdout, "portico edge status", r.stdout + r.stderr)

# ---- shutdown is clean (ASan leak check included) ----
rc_in = lab.inside.term()
rc_out = lab.outside.term()
check(rc_in == 0, "inside exits 0 on SIGTERM", lab.inside.text()[-3000:])
check(rc_out == 0, "outside exits 0 on SIGTERM", lab.outside.text()[-3000:])
logs = lab.inside.text() + lab.outside.text()
bad = [l for l in logs.splitlines() if "Sanitizer" in l or "runtime error" in l or l.startswith("    #")]
check(not bad, "no sanitizer reports (ASan, UBSan, leaks)", "\n".join(bad[:40]))
done()
