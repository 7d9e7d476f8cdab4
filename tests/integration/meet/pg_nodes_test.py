#!/usr/bin/env python3
"""Two meeting nodes on one private PostgreSQL ([meet] database): a space
written through one node is read through the other at once (nothing
cached), changes go both ways, and 100 acknowledged writes survive kill -9
of the node that took them.  GET /callBridges on either node lists both
with their state from the heartbeat; a killed node turns down."""
import re
import signal
import time

from meetlib import Meet, Procs, Tap, location_id
from pglib import Postgres

t = Tap()
procs = Procs()
pg = Postgres().start()
a = Meet(procs, extra={"meet": {"database": pg.uri, "node": "alpha"}}).start()
b = Meet(procs, extra={"meet": {"database": pg.uri, "seed": "no", "node": "beta"}}).start()


def bridges(m):
    """{name: (id, address, state)} from GET /callBridges on node m."""
    _, _, body = m.curl("GET", "/callBridges")
    return {n: (i, addr, state) for i, n, addr, state in re.findall(
        r'<callBridge id="([^"]+)"><name>([^<]*)</name><address>([^<]*)</address><state>(\w+)</state>', body)}


def wait_state(m, name, want):
    """Polls (bounded, 90 s) until node name is in state want; the last list."""
    for _ in range(900):
        got = bridges(m)
        if got.get(name, (0, 0, None))[2] == want:
            break
        time.sleep(0.1)
    return got

st, h, _ = a.curl("POST", "/coSpaces", [("name", "Shared"), ("uri", "shared"), ("callId", "777001")])
sid = location_id(h)
t.eq(st, 200, "node A creates a space")
st, _, body = b.curl("GET", "/coSpaces/" + sid)
t.eq(st, 200, "node B reads it at once")
t.match(r"<name>Shared</name><uri>shared</uri><callId>777001</callId>", body, "with its properties")
st, _, _ = b.curl("PUT", "/coSpaces/" + sid, [("name", "Renamed")])
t.eq(st, 200, "node B changes it")
_, _, body = a.curl("GET", "/coSpaces/" + sid)
t.match(r"<name>Renamed</name>", body, "node A sees the change at once")
_, _, body = b.curl("GET", "/coSpaces")
t.ok("Proxy webRTC" in body, "node A's first-start seed is visible on node B", body)
a.user_add("ops", "ops-pw-2")
st, _, _ = b.curl("GET", "/coSpaces", user="ops", password="ops-pw-2")
t.eq(st, 200, "an API user added through one node's config authenticates on the other")

for m, who in ((a, "A"), (b, "B")):
    got = bridges(m)
    t.eq(sorted(got), ["alpha", "beta"], "callBridges on node %s lists both nodes" % who)
    t.ok(all(v[2] == "up" for v in got.values()), "both up (seen from %s)" % who, got)
got = bridges(b)
t.eq(got["alpha"][1], a.web, "alpha's address is its web bridge URL")
st, _, body = a.curl("GET", "/callBridges/" + got["beta"][0])
t.match(r"<callBridge id=\"%s\"><name>beta</name>" % got["beta"][0], body, "callBridges/<id> of the other node")
t.eq(a.curl("GET", "/callBridges/" + sid)[0], 404, "callBridges/<a space id> is 404")

acked = []
for i in range(100):
    st, h, _ = a.curl("POST", "/coSpaces", [("name", "k%d" % i), ("uri", "k%d" % i)])
    if st == 200 and location_id(h):
        acked.append(location_id(h))
t.eq(len(acked), 100, "100 writes acknowledged by node A")
a.stop(signal.SIGKILL)
t.eq(wait_state(b, "alpha", "down")["alpha"][2], "down", "killed node A turns down on node B")
lost = [cid for cid in acked if b.curl("GET", "/coSpaces/" + cid)[0] != 200]
t.eq(lost, [], "after kill -9 of node A, node B reads every acknowledged write")
a.start()
t.eq(wait_state(b, "alpha", "up")["alpha"][2], "up", "restarted node A is up again, same id")
t.eq(len(bridges(b)), 2, "still two nodes (the restart reused its row)")
_, _, body = a.curl("GET", "/coSpaces?filter=k&limit=200")
total = int(re.search(r'total="(\d+)"', body).group(1))
t.eq(total, 100, "node A restarted counts the 100 spaces")
st, _, _ = b.curl("DELETE", "/coSpaces/" + sid)
t.eq(st, 200, "node B deletes the shared space")
st, _, _ = a.curl("GET", "/coSpaces/" + sid)
t.eq(st, 404, "node A no longer finds it")
t.eq(a.stop(), 0, "clean stop A")
t.eq(bridges(b)["alpha"][2], "down", "a cleanly stopped node is down at once")
t.eq(b.stop(), 0, "clean stop B")

solo = Meet(procs, extra={"meet": {"node": "solo"}}).start()  # SQLite
got = bridges(solo)
t.eq([(n, v[2]) for n, v in got.items()], [("solo", "up")], "on SQLite callBridges lists just this node")
t.eq(solo.stop(), 0, "clean stop of the SQLite node")
pg.stop()
t.done()
