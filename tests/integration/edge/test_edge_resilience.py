#!/usr/bin/env python3
"""Tunnel resilience: kill -9 of the inside node, one of two tunnel
connections cut or silently black-holed, graceful drain on SIGTERM with
two inside nodes.  Bounded waits for conditions only."""
import concurrent.futures
import threading
import time

from edgelab import Lab, Proc, check, done, wait_for

# ---- one tunnel connection cut (RST) while guests keep asking: no request fails
lab = Lab(via_relay=True).start()
check(len(lab.relay.live()) == 2, "two tunnel connections through the relay")
stop = threading.Event()
results = []


failures = []


def guest_loop():
    while not stop.is_set():
        code, _, err = lab.curl("/")
        results.append(code)
        if code != 200:
            failures.append("%d %s" % (code, err.strip()[-200:]))


threads = [threading.Thread(target=guest_loop) for _ in range(4)]
for t in threads:
    t.start()
wait_for(lambda: len(results) >= 20, 30)
lab.relay.cut(lab.relay.live()[0])
n0 = len(results)
wait_for(lambda: len(results) >= n0 + 40, 60)
check(wait_for(lambda: lab.active_tunnels() == 2, 20), "the cut connection is re-established")
n1 = len(results)
wait_for(lambda: len(results) >= n1 + 20, 60)
stop.set()
for t in threads:
    t.join()
check(len(results) > 60 and all(c == 200 for c in results),
      "one of two tunnel connections cut: no request fails (%d requests)" % len(results),
      failures)

# ---- a dead link that stays open is detected by PING and replaced
victim = lab.relay.live()[0]
lab.relay.blackhole(victim)
check(wait_for(lambda: "no answer to PING" in lab.inside.text() or "no answer to PING" in lab.outside.text(), 15),
      "a black-holed tunnel is declared dead within 15 s")
check(wait_for(lambda: len(lab.relay.live()) >= 2 and lab.active_tunnels() == 2, 20),
      "and replaced by a new connection")
check(lab.curl("/")[0] == 200, "guests served after the dead link is replaced")
lab.inside.term(); lab.outside.term()

# ---- kill -9 the inside while requests stream: guests get an answer, then service resumes
lab = Lab().start()
with concurrent.futures.ThreadPoolExecutor(6) as ex:
    futs = [ex.submit(lab.curl, "/slow", timeout=20) for _ in range(6)]
    wait_for(lambda: "GET /slow" in lab.inside.text() or "/slow ->" in lab.inside.text(), 10)
    lab.inside.kill9()
    res = [f.result() for f in futs]
check(all(r[0] != 0 or "timed out" not in r[2] for r in res), "in-flight requests end (no hang) when the inside dies",
      res)
code, body, _ = lab.curl("/", timeout=10)
check(code == 502 and "unreachable" in body, "inside down: 502 page")
lab.inside = Proc("inside", lab.inside.args, lab.d).start()
check(wait_for(lambda: lab.active_tunnels() == 2, 30), "the restarted inside reconnects")
check(wait_for(lambda: lab.curl("/", timeout=5)[0] == 200, 30), "new requests succeed within a bounded wait")
lab.inside.term(); lab.outside.term()

# ---- graceful drain: two inside nodes; SIGTERM one while requests stream
lab = Lab(connections=1).start()
from edgelab import free_port
conf2 = lab._write("inside2.conf", open(lab.inside_conf).read().replace(
    "listen = 127.0.0.1:%d" % lab.a_in, "listen = 127.0.0.1:%d" % free_port()).replace("name = vcsc", "name = vcsc2"))
second = Proc("inside2", [lab.bin, "edge", "-c", conf2], lab.d).start()
check(wait_for(lambda: lab.active_tunnels() == 2, 20), "two inside nodes, one tunnel each")
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    futs = [ex.submit(lab.curl, "/slow", timeout=30) for _ in range(8)]
    wait_for(lambda: lab.inside.text().count("/slow ->") >= 1 and second.text().count("/slow ->") >= 1, 10)
    lab.inside.p.send_signal(15)
    later = [ex.submit(lab.curl, "/", timeout=20) for _ in range(6)]
    res = [f.result() for f in futs]
    res2 = [f.result() for f in later]
check(all(r[0] == 200 and r[1].count("tick") == 10 for r in res), "in-flight requests finish during the drain",
      [(r[0], r[1].count("tick")) for r in res])
check(all(r[0] == 200 for r in res2), "new requests go to the other inside node", [r[0] for r in res2])
check(wait_for(lambda: not lab.inside.alive(), 40) and lab.inside.p.returncode == 0,
      "the drained inside exits 0")
check("drained: nothing in flight" in lab.inside.text(), "the drain is logged")
second.term(); lab.outside.term()
logs = lab.outside.text() + second.text() + lab.inside.text()
bad = [l for l in logs.splitlines() if "Sanitizer" in l or "runtime error" in l]
check(not bad, "no sanitizer reports", "\n".join(bad[:20]))
done()
