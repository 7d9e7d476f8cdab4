#!/usr/bin/env python3
"""curl and a WebSocket client through outside -> tunnel -> inside -> the
web bridge of a real `portico meet`: the guest app loads, the guest API's
POSTs work, and the signalling WebSocket (RFC 8441 in the tunnel) delivers
the participant list.  Skipped (exit 77) when this build has no meet."""
import json
import os
import socket
import subprocess
import sys
import urllib.parse

from edgelab import HOST, Lab, Proc, check, done, port_open, tls_connect, wait_for, ws_frame

lab = Lab(backend=False)
if subprocess.run([lab.bin, "help"], capture_output=True, text=True).stdout.find(" meet ") < 0:
    print("1..0 # SKIP portico meet is not in this build")
    sys.exit(77)
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
api_port = __import__("edgelab").free_port()
meet_conf = lab._write("meet.conf", """
[meet]
state = %(d)s/meet-state
seed = yes
[webbridge]
listen = 127.0.0.1:%(b)d
certificate = %(c)s
key = %(k)s
web-root = %(web)s
url = https://cmsweb.octavio.com
[callbridge]
[api]
listen = 127.0.0.1:%(a)d
certificate = %(c)s
key = %(k)s
""" % dict(d=lab.d, b=lab.b_port, c=lab.wb_crt, k=lab.wb_key, web=os.path.join(root, "web"), a=api_port))
meet = Proc("meet", [lab.bin, "meet", "-c", meet_conf], lab.d).start()
check(wait_for(lambda: port_open(lab.b_port), 30), "portico meet's web bridge listens", meet.text()[-2000:])
lab.start()
check(lab.active_tunnels() == 2, "tunnels Active")
check(wait_for(lambda: (lab.status("inside") or {}).get("web_bridges", [{}])[0].get("health") == "Healthy", 20),
      "the inside sees portico meet's web bridge Healthy", json.dumps(lab.status("inside")))

code, body, err = lab.curl("/?lang=en")
check(code == 200 and "join-call" in body, "the guest app loads through the edge", err + body[:300])
code, body, _ = lab.curl("/app.js")
check(code == 200 and "WebSocket" in body, "its script loads")
code, body, _ = lab.curl("/api/guest/config")
check(code == 200 and body.startswith("{"), "GET /api/guest/config", body)
code, body, _ = lab.curl("/api/guest/resolve", "--data", "callId=100101&passcode=")
res = json.loads(body) if body.startswith("{") else {}
check(code == 200 and res.get("spaceName") == "Proxy webRTC", "POST resolve: call ID 100101 is Proxy webRTC", body)
code, body, _ = lab.curl("/api/guest/resolve", "--data", "callId=999999&passcode=")
check(code in (200, 400, 404) and "error" in body, "POST resolve: a wrong call ID is an error", body)
code, body, _ = lab.curl("/api/guest/login", "--data", urllib.parse.urlencode({"token": res.get("token", ""), "name": "Edge Guest"}))
login = json.loads(body) if body.startswith("{") else {}
check(code == 200 and login.get("session"), "POST login through the edge", body)

# the signalling WebSocket through the tunnel
import base64
key = base64.b64encode(os.urandom(16)).decode()
s = tls_connect(lab.w_port, lab.certs.ca, HOST)
s.settimeout(15)
s.sendall(("GET /ws?session=%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: https://%s\r\n\r\n"
           % (urllib.parse.quote(login.get("session", "")), HOST, key, HOST)).encode())
buf = b""
try:
    while b"\r\n\r\n" not in buf:
        b = s.recv(4096)
        if not b:
            break
        buf += b
    head, _, buf = buf.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 101"), "signalling WebSocket upgraded through the edge", head)
    # The page gets a welcome (its leg and profile) before the participant
    # list: read frames until the list arrives (bounded).
    msg, m = None, {}
    for _ in range(20):
        msg = None
        while msg is None:
            if len(buf) >= 2:
                n, off = buf[1] & 0x7F, 2
                if n == 126:
                    n, off = int.from_bytes(buf[2:4], "big"), 4
                if len(buf) >= off + n:
                    msg, buf = buf[off:off + n], buf[off + n:]
                    break
            b = s.recv(65536)
            if not b:
                break
            buf += b
        m = json.loads(msg) if msg else {}
        if not msg or m.get("type") == "participants":
            break
    check(m.get("type") == "participants" and any(p.get("name") == "Edge Guest" for p in m.get("participants", [])),
          "the participant list arrives over the tunnelled WebSocket", msg)
    s.sendall(ws_frame(b"", 8))
except (socket.timeout, OSError) as e:
    check(False, "signalling WebSocket through the edge", e)
s.close()
check(wait_for(lambda: "guest login request" in meet.text() and "successful login request" in meet.text(), 10),
      "portico meet's event log tells the guest login story")
lab.inside.term(); lab.outside.term(); meet.term()
done()
