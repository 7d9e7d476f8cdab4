#!/usr/bin/env python3
"""CDRs end to end: system/cdrReceivers validation, a receiver written here
(http.server on loopback) recording each POST, guest legs made with a raw
WebSocket (no browser), the record sequence and its fields; then the
receiver stopped, records made, portico restarted, the receiver started
again: every record arrives, in order, exactly once."""
import base64
import http.server
import json
import os
import re
import socket
import ssl
import threading
import time

from meetlib import Meet, Procs, Tap, free_port

t = Tap()
procs = Procs()
m = Meet(procs).start()
port = free_port()
bodies = []
lock = threading.Lock()


class Rcv(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode()
        with lock:
            bodies.append((self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


def receiver_start():
    srv = http.server.HTTPServer(("127.0.0.1", port), Rcv)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def records():
    """(session, type, recordIndex, inner xml) of every record received."""
    out = []
    with lock:
        got = list(bodies)
    for _, b in got:
        sess = re.search(r'<records session="([^"]+)"', b).group(1)
        for rt, ri, inner in re.findall(r'<record type="(\w+)" time="[^"]+" recordIndex="(\d+)"'
                                        r' correlatorIndex="\d+">(.*?)</record>', b):
            out.append((sess, rt, int(ri), inner))
    return out


def wait_for(n, what):
    for _ in range(600):  # bounded: the sender retries with backoff up to 60 s
        if len(records()) >= n:
            return True
        time.sleep(0.2)
    return t.ok(False, what, records())


def until(cond, timeout=30):
    """Polls cond() until true (bounded); its last value."""
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        time.sleep(0.1)
    return cond()


def alarmed():
    return "<type>cdrConnectionFailure</type>" in m.curl("GET", "/system/alarms")[2]


def guest_join(name):
    st, _, body = m.curl("POST", "", [("callId", "100101")], user=None, url=m.web + "/api/guest/resolve")
    token = json.loads(body)["token"]
    st, _, body = m.curl("POST", "", [("token", token), ("name", name)], user=None,
                         url=m.web + "/api/guest/login")
    session = json.loads(body)["session"]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", m.web_port), 10))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET /ws?session=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Origin: %s\r\n\r\n" % (session, key, m.web)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    t.match(r"^HTTP/1.1 101", head.decode(errors="replace"), "guest %s WebSocket opens" % name)
    return s


def wait_legs(n):
    for _ in range(300):
        _, _, body = m.curl("GET", "/callLegs")
        if re.search(r'<callLegs total="%d"' % n, body):
            return True
        time.sleep(0.1)
    return False


# ---- validation -----------------------------------------------------------
for bad in ("ftp://127.0.0.1/", "http://", "not a url", "http://u:p@127.0.0.1/", "http://x/" + "a" * 600):
    st, _, body = m.curl("PUT", "/system/cdrReceivers", [("uri", bad)])
    t.ok(st == 400 and "parameterError" in body, "uri %r refused with parameterError" % bad[:30], body)
st, _, body = m.curl("PUT", "/system/cdrReceivers", [("url", "http://127.0.0.1/")])
t.eq(st, 400, "unknown parameter refused")
_, _, body = m.curl("GET", "/system/cdrReceivers")
t.match(r'<cdrReceivers total="0"', body, "nothing stored after refusals")

rcv = receiver_start()
uri = "http://127.0.0.1:%d/cdr" % port
st, _, _ = m.curl("PUT", "/system/cdrReceivers", [("uri", uri), ("uri2", "https://127.0.0.1:9/x")])
t.eq(st, 200, "two receivers set")
_, _, body = m.curl("GET", "/system/cdrReceivers")
t.match(r'<cdrReceivers total="2"><cdrReceiver id="1"><uri>%s</uri>' % re.escape(uri), body, "listed")
_, _, body = m.curl("GET", "/system/cdrReceiver")
t.match(r"<cdrReceiver><uri>%s</uri></cdrReceiver>" % re.escape(uri), body, "legacy singular form")
st, _, _ = m.curl("PUT", "/system/cdrReceivers", [("uri2", "")])
t.eq(st, 200, "an empty value removes a receiver")
_, _, body = m.curl("GET", "/system/cdrReceivers")
t.match(r'total="1"', body, "one left")

# ---- one guest joins and leaves ----------------------------------------------
g = guest_join("Alice")
t.ok(wait_legs(1), "the leg is up")
_, _, body = m.curl("GET", "/system/multipartyLicensing")
t.match(r"<participants>1</participants>", body, "multipartyLicensing: one participant now")
t.match(r"<participantsPeakToday>1</participantsPeakToday>", body, "peak today")
g.close()
t.ok(wait_legs(0), "the leg is gone")
wait_for(4, "four records arrive")
recs = records()
types = [r[1] for r in recs]
t.eq([x for x in types if x != "callLegUpdate"], ["callStart", "callLegStart", "callLegEnd", "callEnd"],
     "record sequence")
t.eq([r[2] for r in recs], list(range(1, len(recs) + 1)), "recordIndex 1.. in order")
t.ok(all(ct and ct.startswith("text/xml") for ct, _ in bodies), "Content-Type text/xml")
t.match(r"<name>Proxy webRTC</name><callType>coSpace</callType>", recs[0][3], "callStart fields")
leg = next(r[3] for r in recs if r[1] == "callLegStart")
t.match(r"<displayName>Alice</displayName><remoteParty>guest\d+@", leg, "callLegStart fields")
t.match(r"<subType>webRTC</subType>", leg, "subType webRTC")
end = next(r[3] for r in recs if r[1] == "callLegEnd")
t.match(r"<reason>remoteTeardown</reason><remoteTeardown>true</remoteTeardown><durationSeconds>\d+",
        end, "callLegEnd reason remoteTeardown")
t.match(r"<callLegsCompleted>1</callLegsCompleted><callLegsMaxActive>1</callLegsMaxActive>",
        recs[-1][3], "callEnd counts")
_, _, body = m.curl("GET", "/system/multipartyLicensing")
t.match(r"<participants>0</participants>.*<participantsPeak>1</participantsPeak>", body, "peak kept")

# ---- receiver down, records made, portico restarted, receiver back -----------
rcv.shutdown()
rcv.server_close()
before = len(records())
for name in ("Bob", "Carol"):
    g = guest_join(name)
    wait_legs(1)
    g.close()
    wait_legs(0)
t.ok(until(alarmed), "cdrConnectionFailure alarm while it is down")
t.eq(m.stop(), 0, "portico meet stops cleanly with records queued")
m.start()
g = guest_join("Dave")
wait_legs(1)
g.close()
wait_legs(0)
rcv = receiver_start()
wait_for(before + 12, "all queued records arrive")
# Delivered means the alarm is cleared: any resend would have come by then.
until(lambda: not alarmed())
recs = records()[before:]
keys = [(r[0], r[2]) for r in recs]
t.eq(len(keys), len(set(keys)), "no record twice")
t.eq(len(recs), 12, "12 records: two calls before the restart, one after")
t.eq([x[1] for x in recs if x[1] != "callLegUpdate"],
     ["callStart", "callLegStart", "callLegEnd", "callEnd"] * 3, "in order across the restart")
names = re.findall(r"<displayName>(\w+)</displayName>", "".join(r[3] for r in recs))
t.eq(names, ["Bob", "Carol", "Dave"], "legs in order")
sessions = []
for r in recs:
    if r[0] not in sessions:
        sessions.append(r[0])
t.eq(len(sessions), 2, "two sessions (before and after the restart)")
for s in sessions:
    idx = [r[2] for r in recs if r[0] == s]
    t.eq(idx, sorted(idx), "recordIndex increases within a session")
_, _, body = m.curl("GET", "/system/alarms")
t.ok("cdrConnectionFailure" not in body, "alarm cleared once delivered", body)
rcv.shutdown()
t.eq(m.stop(), 0, "portico meet exits cleanly (no sanitizer report)")
t.done()
