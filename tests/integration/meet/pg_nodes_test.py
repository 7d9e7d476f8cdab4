#!/usr/bin/env python3
"""Two meeting nodes on one private PostgreSQL ([meet] database): a space
written through one node is read through the other at once (nothing
cached), changes go both ways, and 100 acknowledged writes survive kill -9
of the node that took them."""
import re
import signal

from meetlib import Meet, Procs, Tap, location_id
from pglib import Postgres

t = Tap()
procs = Procs()
pg = Postgres().start()
a = Meet(procs, extra={"meet": {"database": pg.uri}}).start()
b = Meet(procs, extra={"meet": {"database": pg.uri, "seed": "no"}}).start()

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

acked = []
for i in range(100):
    st, h, _ = a.curl("POST", "/coSpaces", [("name", "k%d" % i), ("uri", "k%d" % i)])
    if st == 200 and location_id(h):
        acked.append(location_id(h))
t.eq(len(acked), 100, "100 writes acknowledged by node A")
a.stop(signal.SIGKILL)
lost = [cid for cid in acked if b.curl("GET", "/coSpaces/" + cid)[0] != 200]
t.eq(lost, [], "after kill -9 of node A, node B reads every acknowledged write")
a.start()
_, _, body = a.curl("GET", "/coSpaces?filter=k&limit=200")
total = int(re.search(r'total="(\d+)"', body).group(1))
t.eq(total, 100, "node A restarted counts the 100 spaces")
st, _, _ = b.curl("DELETE", "/coSpaces/" + sid)
t.eq(st, 200, "node B deletes the shared space")
st, _, _ = a.curl("GET", "/coSpaces/" + sid)
t.eq(st, 404, "node A no longer finds it")
t.eq(a.stop(), 0, "clean stop A")
t.eq(b.stop(), 0, "clean stop B")
pg.stop()
t.done()
