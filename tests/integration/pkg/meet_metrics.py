#!/usr/bin/env python3
"""The meeting server's status listener: with the shipped meet.conf (and
the certificates postinst makes) on free ports, /metrics answers on the
unix socket named after the config, in Prometheus text, counting a guest
login and API requests by status; a second server with the same config
name runs without the socket (no fixed status port to collide on).
Usage: meet_metrics.py PATH/TO/portico"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pkgtest import check, done, free_range, log_text, run, start_node, skip_all, src_root, wait_for  # noqa: E402

portico = sys.argv[1]
if run([portico, "help"])[1].find("  meet ") < 0:
    skip_all("built without meet")
tmp = tempfile.mkdtemp(prefix="portico-meet-metrics-")
env = dict(os.environ, XDG_RUNTIME_DIR=os.path.join(tmp, "run"))
os.mkdir(env["XDG_RUNTIME_DIR"], 0o700)
env["RUNTIME_DIRECTORY"] = os.path.join(env["XDG_RUNTIME_DIR"], "portico")
os.mkdir(env["RUNTIME_DIRECTORY"], 0o700)
sock = os.path.join(env["RUNTIME_DIRECTORY"], "meet.sock")
run(["sh", os.path.join(src_root(), "debian", "make-certs"), tmp + "/tls", str(os.getgid())])
base = free_range(10)
procs = []


def conf(d, web, api):
    os.makedirs(os.path.join(tmp, d))
    with open(os.path.join(src_root(), "conf", "etc", "meet.conf")) as f:
        text = f.read()
    text = text.replace("/etc/portico/tls", tmp + "/tls").replace("/var/lib/portico/meet", tmp + "/" + d + "/state")
    text = text.replace("127.0.0.1:8443", "127.0.0.1:%d" % web).replace("127.0.0.1:8445", "127.0.0.1:%d" % api)
    path = os.path.join(tmp, d, "meet.conf")
    with open(path, "w") as f:
        f.write(text)
    return path


def start(path):
    return start_node(procs, portico, "meet", path, env)


def curl(*args):
    return run(["curl", "-sS", "--max-time", "10"] + list(args), timeout=30)


try:
    a = conf("a", base, base + 1)
    pa, la = start(a)
    check(wait_for(lambda: os.path.exists(sock) or pa.poll() is not None, 60) and pa.poll() is None,
          "meet with the shipped config listens on <runtime>/meet.sock", log_text(la))
    curl("-k", "-o", "/dev/null", "https://127.0.0.1:%d/api/v1/system/status" % (base + 1))
    curl("-k", "-o", "/dev/null", "-X", "POST", "-d", "token=nope&name=Guest",
         "https://127.0.0.1:%d/api/guest/login" % base)
    rc, out = curl("--unix-socket", sock, "http://localhost/metrics")
    names = ["portico_meet_calls ", "portico_meet_call_legs ", "portico_meet_participants ",
             "portico_meet_sfu_packets_forwarded ", "portico_meet_sfu_forwarded_packets_total ",
             "portico_meet_sfu_dropped_bytes_total ", "# TYPE portico_meet_turn_probe_rtt_seconds gauge",
             'portico_meet_api_requests_total{status="401"} 1', "portico_meet_guest_logins_total{outcome="]
    missing = [n for n in names if n not in out]
    check(rc == 0 and not missing, "/metrics: calls, legs, participants, SFU, probes, API by status, logins",
          "missing %s\n%s" % (missing, out))
    b = conf("b", base + 2, base + 3)
    pb, lb = start(b)
    wait_for(lambda: "status listener off" in log_text(lb) or pb.poll() is not None, 60)
    check(pb.poll() is None and "status listener off" in log_text(lb),
          "a second meet with the same config name runs without the socket", log_text(lb))
    pa.send_signal(signal.SIGTERM)
    check(pa.wait(60) == 0 and not os.path.exists(sock), "stopping removes the socket", log_text(la))
finally:
    for p, log in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
    shutil.rmtree(tmp, True)
done()
