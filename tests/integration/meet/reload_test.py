#!/usr/bin/env python3
"""SIGHUP on `portico meet`: a renewed certificate (same paths, new files)
is served to new connections without a restart; a changed key that is
bound at start is named in the log as waiting for a restart; a broken file
changes nothing and the server keeps serving."""
import os
import shutil
import signal
import ssl
import subprocess
import time

from meetlib import Meet, Procs, Tap, make_cert

t = Tap()
procs = Procs()


def served_cn(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    import socket
    with socket.create_connection(("127.0.0.1", port), 10) as s, ctx.wrap_socket(s) as ts:
        der = ts.getpeercert(binary_form=True)
    out = subprocess.run(["openssl", "x509", "-inform", "der", "-noout", "-subject"], input=der,
                         capture_output=True).stdout.decode()
    return out.strip()


def wait_log(m, text, timeout=15):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in m.read_log():
            return True
        time.sleep(0.1)
    return False


m = Meet(procs).start()
t.ok("CN = admin" in served_cn(m.api_port), "API serves the first certificate")
t.ok("CN = admin" in served_cn(m.web_port), "web bridge serves the first certificate")

# Renewal in place: new files at the same paths.
d = procs.tempdir()
crt, key = make_cert(d, "renewed")
shutil.copy(crt, m.crt)
shutil.copy(key, m.key)
m.proc.send_signal(signal.SIGHUP)
t.ok(wait_log(m, "reload done; 0 changed keys wait for a restart"), "SIGHUP: reload done", m.read_log()[-800:])
t.ok("CN = renewed" in served_cn(m.api_port), "API serves the renewed certificate")
t.ok("CN = renewed" in served_cn(m.web_port), "web bridge serves the renewed certificate")
code, _, _ = m.curl("GET", "/coSpaces")
t.eq(code, 200, "API answers after the reload")

# A key bound at start: named, not applied; the log level applies.
with open(m.conf) as f:
    conf = f.read()
with open(m.conf, "w") as f:
    f.write(conf.replace("[api]\n", "[api]\npage-limit = 7\n").replace("[meet]\n", "[meet]\nlog-level = debug\n"))
m.proc.send_signal(signal.SIGHUP)
t.ok(wait_log(m, "reload: [api] page-limit changed: takes effect at the next restart"),
     "a start-time key is named as waiting for a restart", m.read_log()[-800:])
t.ok(wait_log(m, "reload: [meet] log-level changed: applied"), "log-level applied")

# A broken file: refused, nothing changes, still serving.
with open(m.conf, "w") as f:
    f.write(conf + "[frob]\nx = 1\n")
m.proc.send_signal(signal.SIGHUP)
t.ok(wait_log(m, "reload refused, the running configuration stays"), "a broken file is refused",
     m.read_log()[-800:])
t.match(r"unknown section \[frob\]", m.read_log(), "... and the log says what is wrong")
# A certificate that does not load: refused, the renewed one stays.
with open(m.conf, "w") as f:
    f.write(conf)
with open(m.crt, "w") as f:
    f.write("not a certificate\n")
m.proc.send_signal(signal.SIGHUP)
t.ok(wait_log(m, "reload refused: certificates and log level unchanged"), "an unreadable certificate is refused",
     m.read_log()[-800:])
t.ok("CN = renewed" in served_cn(m.api_port), "the previous certificate still served")
t.eq(m.curl("GET", "/coSpaces")[0], 200, "API still answers")
t.eq(m.stop(), 0, "clean exit after reloads")
procs.cleanup()
t.done()
