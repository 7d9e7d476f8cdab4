#!/usr/bin/env python3
"""Two `portico turn` on one host, different listen ports, no admin-listen
key: both run (the admin listener is a unix socket named after each
config, not the fixed 127.0.0.1:9641), `portico turn status` finds each
one's socket, /metrics answers on it, and a third server whose default
socket is taken still runs (without one, saying so).
Usage: two_turns.py PATH/TO/portico"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pkgtest import check, done, free_range, log_text, run, start_node, wait_for  # noqa: E402

portico = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="portico-two-turns-")
env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(tmp, "run"))
env.pop("RUNTIME_DIRECTORY", None)
os.mkdir(env["XDG_RUNTIME_DIR"], 0o700)
if os.access("/run/portico", os.W_OK):
    # A host with the package: /run/portico would win; keep to our own.
    env["RUNTIME_DIRECTORY"] = os.path.join(env["XDG_RUNTIME_DIR"], "portico")
    os.mkdir(env["RUNTIME_DIRECTORY"], 0o700)
base = free_range(60)
procs = []


def conf(name, port, lo):
    path = os.path.join(tmp, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("[turn]\nlisten = 127.0.0.1:%d\nrelay-ports = %d-%d\nrealm = two\n"
                "[users]\nu = p\n" % (port, lo, lo + 9))
    return path


def start(path):
    return start_node(procs, portico, "turn", path, env)


a = conf("a/turn.conf", base, base + 10)
b = conf("b.conf", base + 1, base + 20)
c = conf("c/turn.conf", base + 2, base + 30)     # same stem as a: turn.sock
try:
    pa, la = start(a)
    pb, lb = start(b)
    up = wait_for(lambda: "admin listener on" in log_text(la) and "admin listener on" in log_text(lb), 30)
    check(up and pa.poll() is None and pb.poll() is None,
          "two servers with no admin-listen run side by side", log_text(la) + log_text(lb))
    check("unix:" in log_text(la) and "turn.sock" in log_text(la), "the default is a unix socket named after the config",
          log_text(la))
    rc, out = run([portico, "turn", "-c", a, "status"], env=env, timeout=30)
    check(rc == 0 and "allocations" in out, "portico turn status finds the first one's socket", out)
    rc, out = run([portico, "turn", "-c", b, "status"], env=env, timeout=30)
    check(rc == 0 and "allocations" in out, "... and the second one's", out)
    sock = [w for w in log_text(lb).split() if w.startswith("unix:")][0][5:]
    rc, out = run(["curl", "-sS", "--unix-socket", sock, "http://localhost/metrics"], timeout=30)
    check(rc == 0 and "portico_turn" in out, "/metrics on the socket (Prometheus text)", out[:2000])
    pc, lc = start(c)
    wait_for(lambda: "admin listener off" in log_text(lc) or pc.poll() is not None, 30)
    check(pc.poll() is None and "admin listener off" in log_text(lc),
          "a third server whose socket is taken runs without one, and says so", log_text(lc))
    pa.send_signal(signal.SIGTERM)
    pa.wait(30)
    path_a = [w for w in log_text(la).split() if w.startswith("unix:")][0][5:]
    check(not os.path.exists(path_a), "a stopped server removes its socket", path_a)
finally:
    for p, log in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
    shutil.rmtree(tmp, True)
done()
