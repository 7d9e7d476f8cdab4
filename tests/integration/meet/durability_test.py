#!/usr/bin/env python3
"""State survives a restart, and kill -9 under a write loop loses no
acknowledged write (SQLite WAL, synchronous=FULL, one transaction per
request)."""
import re
import signal
import sqlite3
import threading

from meetlib import Meet, Procs, Tap, location_id

t = Tap()
procs = Procs()
m = Meet(procs).start()

st, h, _ = m.curl("POST", "/coSpaces", [("name", "Survivor"), ("uri", "survivor"), ("callId", "555001"),
                                        ("passcode", "1234")])
sid = location_id(h)
st, h, _ = m.curl("POST", "/turnServers", [("serverAddress", "172.16.85.168"), ("username", "turnuser"),
                                           ("password", "cisco")])
tid = location_id(h)
_, _, body = m.curl("GET", "/coSpaces")
seed = re.search(r'<coSpace id="([^"]+)"><name>Proxy webRTC', body).group(1)
st, _, _ = m.curl("DELETE", "/coSpaces/" + seed)
t.eq(st, 200, "the operator deletes the seed space")
t.eq(m.stop(), 0, "clean stop")

m.start()
_, _, body = m.curl("GET", "/coSpaces/" + sid)
t.match(r"<name>Survivor</name><uri>survivor</uri><callId>555001</callId><passcode>1234</passcode>", body,
        "coSpace survives a restart with its id")
st, _, body = m.curl("GET", "/turnServers/" + tid)
t.eq(st, 200, "turnServer survives")
_, _, body = m.curl("GET", "/coSpaces")
t.ok("Proxy webRTC" not in body, "the first-start seed is not re-created on restart", body)
st, _, _ = m.curl("GET", "/coSpaces", password="integration-pw-1")
t.eq(st, 200, "API user survives")

# ---- kill -9 under a write loop ----
acked = []
lock = threading.Lock()
stop = threading.Event()
enough = threading.Event()


def writer(n):
    i = 0
    while not stop.is_set():
        st, h, _ = m.curl("POST", "/coSpaces", [("name", "w%d-%d" % (n, i)), ("uri", "w%d-%d" % (n, i))])
        if st == 200 and location_id(h):
            with lock:
                acked.append(location_id(h))
                if len(acked) >= 40:
                    enough.set()
        elif st == 0:
            return  # server gone
        i += 1


threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
for th in threads:
    th.start()
enough.wait(240)
m.stop(signal.SIGKILL)
stop.set()
for th in threads:
    th.join()
t.ok(len(acked) >= 40, "writes were acknowledged before kill -9 (%d)" % len(acked))

db = sqlite3.connect("file:%s/state/meet.db" % m.dir, uri=True)
t.eq(db.execute("PRAGMA integrity_check").fetchone()[0], "ok", "database integrity after kill -9")
db.close()
m.start()
lost = []
for cid in acked:
    st, _, _ = m.curl("GET", "/coSpaces/" + cid)
    if st != 200:
        lost.append(cid)
t.eq(lost, [], "no acknowledged write lost")
_, _, body = m.curl("GET", "/coSpaces?filter=w")
total = int(re.search(r'total="(\d+)"', body).group(1))
t.ok(total >= len(acked), "every written space is whole (%d >= %d)" % (total, len(acked)))
_, _, body = m.curl("GET", "/coSpaces?filter=w&limit=1000")
t.ok(all("<uri>" in x for x in re.findall(r"<coSpace id=.*?</coSpace>", body)),
     "no half-written space (each has its uri)")
t.eq(m.stop(), 0, "clean stop after recovery")
t.done()
