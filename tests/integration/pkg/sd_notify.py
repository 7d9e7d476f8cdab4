#!/usr/bin/env python3
"""Type=notify readiness without systemd: `portico turn` under a $NOTIFY_SOCKET of the test's own
send READY=1 once listening, RELOADING=1 then READY=1 on SIGHUP (where the
role re-reads), STOPPING=1 on SIGTERM.
Usage: sd_notify.py PATH/TO/portico"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pkgtest import check, done, free_range  # noqa: E402

portico = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="portico-notify-")
sock_path = os.path.join(tmp, "notify")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
srv.bind(sock_path)
srv.settimeout(30)
base = free_range(20)


def recv_until(word):
    got = []
    try:
        while True:
            msg = srv.recv(4096).decode()
            got.append(msg)
            if word in msg.split("\n"):
                return True, got
    except socket.timeout:
        return False, got


conf = os.path.join(tmp, "turn.conf")
with open(conf, "w") as f:
    f.write("[turn]\nlisten = 127.0.0.1:%d\nrelay-ports = %d-%d\nadmin-listen = off\n" % (base, base + 10, base + 19))
env = dict(os.environ, NOTIFY_SOCKET=sock_path)
log = open(conf + ".log", "w+")
p = subprocess.Popen([portico, "turn", "-c", conf], stdout=log, stderr=subprocess.STDOUT, env=env)
try:
    ok, got = recv_until("READY=1")
    check(ok, "turn: READY=1 once listening", got)
    p.send_signal(signal.SIGHUP)
    ok1, got1 = recv_until("RELOADING=1")
    ok2, got2 = recv_until("READY=1")
    check(ok1 and ok2, "turn: RELOADING=1 then READY=1 on SIGHUP", got1 + got2)
    p.send_signal(signal.SIGTERM)
    ok, got = recv_until("STOPPING=1")
    check(ok, "turn: STOPPING=1 on SIGTERM", got)
    check(p.wait(30) == 0, "turn: exits 0")
finally:
    if p.poll() is None:
        p.kill()
    log.close()
    srv.close()
    shutil.rmtree(tmp, True)
done()
