#!/usr/bin/env python3
"""A slow guest cannot stall the others on the same tunnel; SNI picks the
certificate; the embedded TURN server serves TURN users and not the
traversal account; the inside refuses an outside node whose certificate
lacks the server name; the shipped conf files pass --check."""
import os
import re
import shutil
import socket
import subprocess
import sys
import time

from edgelab import HOST, Lab, Proc, check, done, free_port, port_open, read_all, tls_connect, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

# ---- a guest that stops reading a big download does not stall others (one tunnel)
lab = Lab(connections=1, turn=True, extra_outside="").start()
slow = tls_connect(lab.w_port, lab.certs.ca, HOST)
slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
slow.sendall(b"GET /big?n=200000000 HTTP/1.1\r\nHost: cmsweb.octavio.com\r\n\r\n")
slow.recv(1000)                  # the response has started; now stop reading
ok_all = True
for i in range(30):
    code, body, _ = lab.curl("/big?n=500000", timeout=20)
    ok_all &= code == 200 and len(body) == 500000
check(ok_all, "30 downloads on the same tunnel while a guest stalls a 200 MB one")
st = lab.status("outside")
check(st and len({t["connection"] for t in st["tunnels"]}) == 1, "(all on one tunnel connection)")
slow.close()
code, _, _ = lab.curl("/")
check(code == 200, "the stalled guest leaving frees its stream")

# ---- the embedded TURN server: turnuser allocates, Tuser is not a TURN user
sys.path.insert(0, os.path.join(HERE, "..", "turn"))
try:
    import stunclient
    c = stunclient.Client(("127.0.0.1", lab.turn_port), user="turnuser", password="cisco")
    r = c.allocate()
    check(r.error_code is None, "embedded TURN: turnuser allocates", repr(r))
    c.close()
    c = stunclient.Client(("127.0.0.1", lab.turn_port), user="Tuser", password="traversal-secret")
    r = c.allocate()
    check(r.error_code == 401, "embedded TURN: the traversal account is not a TURN user", repr(r))
    c.close()
except Exception as e:  # a broken client must fail the test, not skip it
    check(False, "embedded TURN allocation", repr(e))
lab.inside.term(); lab.outside.term()

# ---- SNI picks the certificate
lab = Lab(backend=True)
join_crt, join_key = lab.certs.leaf("join", ["join.octavio.com"])
conf = open(lab.outside_conf).read().replace("hosts = cmsweb.octavio.com", "hosts = cmsweb.octavio.com, join.octavio.com")
conf = conf.replace("[admin]", "certificate = %s\nkey = %s\n[admin]" % (join_crt, join_key))
open(lab.outside_conf, "w").write(conf)
lab.start()
for name in ("cmsweb.octavio.com", "join.octavio.com"):
    s = tls_connect(lab.w_port, lab.certs.ca, name)   # verifies the name against the served cert
    sans = [v for k, v in s.getpeercert().get("subjectAltName", ())]
    check(name in sans, "SNI %s gets a certificate naming it" % name, sans)
    s.close()
code, body, _ = lab.curl("/", host="join.octavio.com")
check(code == 400, "a served host the inside does not own: the inside refuses it (400)", body)
# a second inside node whose Guest account client URI is join.octavio.com:
# the outside routes each host to the tunnels of the node that serves it
from edgelab import Proc, free_port
conf2 = open(lab.inside_conf).read().replace("https://cmsweb.octavio.com", "https://join.octavio.com")
conf2 = conf2.replace("listen = 127.0.0.1:%d" % lab.a_in, "listen = 127.0.0.1:%d" % free_port())
conf2 = conf2.replace("name = vcsc", "name = vcsc-join")
conf2 += "_cms-web._tls.join.octavio.com = 10 10 %d join.octavio.com\njoin.octavio.com = 127.0.0.1\n" % lab.b_port
join_inside = Proc("inside-join", [lab.bin, "edge", "-c", lab._write("inside-join.conf", conf2)], lab.d).start()
check(wait_for(lambda: lab.active_tunnels() == 4, 20), "a second inside node for join.octavio.com connects")
codes = [lab.curl("/headers", host=h)[0] for h in ("join.octavio.com", "cmsweb.octavio.com") * 5]
check(all(c == 200 for c in codes), "each host is routed to the inside node that serves it", codes)
join_inside.term()
lab.inside.term(); lab.outside.term()

# ---- the inside refuses an outside node whose certificate lacks server-name
lab = Lab(server_name="vcse.elsewhere.com").start(wait_active=False)
check(wait_for(lambda: "the outside node's certificate subjectAltName does not include vcse.elsewhere.com"
               in lab.inside.text(), 15), "inside: outside's certificate lacks server-name", lab.inside.text()[-1500:])
check(wait_for(lambda: "failed before authentication" in lab.outside.text(), 15),
      "outside: logs the refused connection", lab.outside.text()[-1500:])
lab.inside.term(); lab.outside.term()

# ---- unauthenticated connections to the traversal port are capped
lab = Lab().start()
idle = []
for _ in range(40):
    try:
        idle.append(socket.create_connection(("127.0.0.1", lab.t_port), 2))
    except OSError:
        pass
check(wait_for(lambda: "too many tunnel connections" in lab.outside.text(), 10),
      "more than 32 unauthenticated traversal connections are refused", lab.outside.text()[-1500:])
check(lab.curl("/")[0] == 200, "established tunnels keep serving meanwhile")
for s_ in idle:
    s_.close()
lab.inside.term(); lab.outside.term()

# ---- no [dns] override: the system resolver (SRV, then A/AAAA) finds the web bridge
lab = Lab(guest_uri="https://localhost:%d" % 1, outside_web_sans=["localhost", "vcse.octavio.com"])
conf = open(lab.inside_conf).read().replace("https://localhost:1", "https://localhost:%d" % lab.b_port)
conf = re.sub(r"\[dns\].*", "", conf, flags=re.S)
open(lab.inside_conf, "w").write(conf)
conf = open(lab.outside_conf).read().replace("hosts = cmsweb.octavio.com", "hosts = localhost")
open(lab.outside_conf, "w").write(conf)
lab.start()
check(wait_for(lambda: "localhost resolved (no SRV record; A/AAAA)" in lab.inside.text(), 30),
      "system resolver: no SRV, then A/AAAA", lab.inside.text()[-1500:])
check(wait_for(lambda: lab.curl("/", host="localhost", timeout=5)[0] == 200, 20),
      "served through the system-resolved web bridge")
lab.inside.term(); lab.outside.term()

# ---- out of file descriptors: the outside pauses accepting, then serves again
lab = Lab().start()
subprocess.run(["prlimit", "--pid", str(lab.outside.p.pid), "--nofile=40:40"], check=True)
held = []
for _ in range(60):
    try:
        held.append(tls_connect(lab.w_port, lab.certs.ca, HOST, 2))
    except Exception:
        pass
check(wait_for(lambda: "out of file descriptors" in lab.outside.text(), 10), "EMFILE: logged, accepting paused")
for s_ in held:
    s_.close()
check(wait_for(lambda: lab.curl("/", timeout=5)[0] == 200, 20), "EMFILE: guests served again once descriptors free")
check(lab.outside.alive(), "EMFILE: the outside node keeps running")
lab.inside.term(); lab.outside.term()

# ---- a request body that stops arriving is cut (slow POST)
lab = Lab(idle_timeout=3).start()
s_ = tls_connect(lab.w_port, lab.certs.ca, HOST)
s_.sendall(b"POST /echo HTTP/1.1\r\nHost: cmsweb.octavio.com\r\nContent-Length: 100\r\n\r\n0123456789")
s_.settimeout(20)
try:
    closed = s_.recv(100) == b""
except (OSError, socket.timeout):
    closed = False
check(closed, "a stalled request body is cut after idle-timeout")
check(wait_for(lambda: "request body stalled" in lab.outside.text(), 5), "the outside log says so")
check(lab.curl("/")[0] == 200, "others are served")
lab.inside.term(); lab.outside.term()

# ---- [traversal] connect by name: asynchronous lookup, every address tried
lab = Lab()
conf = open(lab.inside_conf).read().replace("connect = 127.0.0.1:%d" % lab.t_port, "connect = localhost:%d" % lab.t_port)
open(lab.inside_conf, "w").write(conf)
lab.start()
check(lab.active_tunnels() == 2, "connect = localhost: the system resolver's addresses are tried in order",
      lab.inside.text()[-1500:])
check(lab.curl("/")[0] == 200, "served through tunnels dialled by name")
lab.inside.term(); lab.outside.term()

# ---- SIGHUP: the traversal password rotated on both nodes, no restart
lab = Lab(turn=True).start()
for conf in (lab.outside_conf, lab.inside_conf):
    text = open(conf).read().replace("traversal-secret", "rotated-secret")
    open(conf, "w").write(text)
lab.outside.p.send_signal(1)
lab.inside.p.send_signal(1)
check(wait_for(lambda: "reloaded: local user database" in lab.outside.text() and
               "reloaded: traversal credentials" in lab.inside.text(), 10), "SIGHUP reloads both nodes")
check(lab.curl("/")[0] == 200, "established tunnels keep serving across the reload")
lab.inside.term()
lab.inside = Proc("inside", lab.inside.args, lab.d).start()
check(wait_for(lambda: lab.active_tunnels() == 2, 20), "a new inside with the rotated password is accepted")
text = open(lab.outside_conf).read().replace("role = outside", "role = inside")
open(lab.outside_conf, "w").write(text)
lab.outside.p.send_signal(1)
check(wait_for(lambda: "reload refused" in lab.outside.text(), 10) and lab.outside.alive(),
      "a reload that does not validate changes nothing")
lab.inside.term(); lab.outside.term()

# ---- several web bridges: weighted round-robin by SRV, failover by priority
lab = Lab()
b2_port, b3_port = free_port(), free_port()
conf = open(lab.inside_conf).read().replace(
    "_cms-web._tls.cmsweb.octavio.com = 10 10 %d cmsweb.octavio.com" % lab.b_port,
    "_cms-web._tls.cmsweb.octavio.com = 10 1 %d cmsweb.octavio.com, 10 2 %d cmsweb.octavio.com, "
    "20 1 %d cmsweb.octavio.com" % (lab.b_port, b2_port, b3_port))
open(lab.inside_conf, "w").write(conf)
backends = {}
for name, port in (("b2", b2_port), ("b3", b3_port)):
    backends[name] = Proc(name, [sys.executable, os.path.join(HERE, "backend.py"), str(port), lab.wb_crt,
                                 lab.wb_key, name], lab.d).start()
    wait_for(lambda: port_open(port))
lab.start()
check(wait_for(lambda: sum(1 for w in (lab.status("inside") or {}).get("web_bridges", [])
                           if w["health"] == "Healthy") == 3, 20), "three web bridges Healthy")
seen = [lab.curl("/whoami")[1] for _ in range(12)]
check(seen.count("backend") == 4 and seen.count("b2") == 8, "priority 10 shared by SRV weight 1:2, priority 20 idle", seen)
lab.backend.kill9()
backends["b2"].kill9()
seen = [lab.curl("/whoami") for _ in range(6)]
check(all(c == 200 and b == "b3" for c, b, _ in seen), "priority 10 gone: failover to priority 20 without errors",
      seen)
check("trying another" in lab.inside.text() or "Failed" in lab.inside.text(), "the failover is logged")
backends["b3"].term()
lab.inside.term(); lab.outside.term()

# ---- the shipped conf files are valid (certificate paths pointed at a test CA)
lab = Lab(backend=False)
for role, crt, key in (("outside", lab.out_crt, lab.out_key), ("inside", lab.in_crt, lab.in_key)):
    text = open(os.path.join(ROOT, "conf", "edge-%s.conf" % role)).read()
    text = text.replace("state/certs/ca.crt", lab.certs.ca)
    text = re.sub(r"state/certs/vcs[ce]\.crt", crt, text)
    text = re.sub(r"state/certs/vcs[ce]\.key", key, text)
    path = lab._write("shipped-%s.conf" % role, text)
    r = subprocess.run([lab.bin, "edge", "--check", "-c", path], capture_output=True, text=True)
    check(r.returncode == 0, "conf/edge-%s.conf passes --check" % role, r.stdout + r.stderr)
done()
