#!/usr/bin/env python3
"""`portico lab` end to end: certificates, seed, guest path, stop, reuse,
a dying child reported.  Real processes on loopback, free ports."""
import base64
import hashlib
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labctl import Lab, check, done, wait_for, pid_alive  # noqa: E402


def sans(path):
    t = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-ext", "subjectAltName"],
                       capture_output=True, text=True).stdout
    return set(re.findall(r"DNS:([^,\s]+)", t)) | set(re.findall(r"IP Address:([^,\s]+)", t))


def spki(path):
    pub = subprocess.run(["openssl", "x509", "-in", path, "-pubkey", "-noout"], capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub,
                         capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


lab = Lab().start()
check(lab.ready.is_set(), "portico lab prints the ready line", lab.text())
check(set(lab.pids) == {"meet", "edge-outside", "edge-inside"}, "three children reported with pids",
      lab.text())

# Certificates: the seed's SANs, chained to the lab CA.
certs = os.path.join(lab.state, "certs")
seed_sans = {"vcse.octavio.com", "vcse.octavio.local", "cmsweb.octavio.com", "cmsweb.octavio.local",
             "octavio.local", "cms.octavio.local", "octavio.com"}
check(seed_sans <= sans(os.path.join(certs, "vcse.crt")), "outside certificate has the seed's SANs",
      sans(os.path.join(certs, "vcse.crt")))
check("vcsc.octavio.local" in sans(os.path.join(certs, "vcsc.crt")),
      "inside certificate carries the traversal subject name vcsc.octavio.local")
check({"cmsweb.octavio.com", "cmsweb.cms.octavio.local"} <= sans(os.path.join(certs, "webbridge.crt")),
      "web bridge certificate names the external and internal web bridge names")
for c in ("vcse", "vcsc", "webbridge", "callbridge", "admin"):
    r = subprocess.run(["openssl", "verify", "-CAfile", lab.ca(), "-purpose", "sslserver",
                        os.path.join(certs, c + ".crt")], capture_output=True, text=True)
    check(r.returncode == 0, "%s.crt chains to the lab CA" % c, r.stdout + r.stderr)
key_mode = os.stat(os.path.join(certs, "ca.key")).st_mode & 0o777
check(key_mode == 0o600, "CA key is 0600", oct(key_mode))
m = re.search(r"--ignore-certificate-errors-spki-list=(\S+)", lab.text())
check(m and m.group(1) == spki(os.path.join(certs, "vcse.crt")),
      "the Chromium command line pins the guest certificate's SPKI", lab.text())
check("--host-resolver-rules=\"MAP cmsweb.octavio.com 127.0.0.1\"" in lab.text(),
      "the Chromium command line maps the external name without system files")
check(re.search(r"admin API\s+https://127\.0\.0\.2:%d/api/v1\s+user admin\s+password %s" %
                (lab.api, lab.password()), lab.text()), "banner gives the admin API URL and credentials")
check("https://cmsweb.octavio.com:%d/" % lab.webproxy in lab.text() and "100101" in lab.text(),
      "banner gives the join URL and the call ID")

# The configurations it wrote are valid for each node's own --check.
for sub, conf in (("meet", "meet.conf"), ("edge", "edge-outside.conf"), ("edge", "edge-inside.conf")):
    r = subprocess.run([lab.bin, sub, "--check", "-c", os.path.join(lab.state, conf)], capture_output=True,
                       text=True)
    check(r.returncode == 0, "portico %s --check accepts %s" % (sub, conf), r.stdout + r.stderr)
mode = os.stat(os.path.join(lab.state, "edge-outside.conf")).st_mode & 0o777
check(mode == 0o600, "the outside config (it holds [users] passwords) is 0600", oct(mode))

# The guest path through the outside edge, with the lab CA.
code, body = lab.curl_guest("/")
check(code == 200 and "<html" in body.lower(), "join URL answers through the outside edge", (code, body[:300]))
code, body = lab.curl_guest("/api/guest/config")
check(code == 200 and '"link":true' in body, "web bridge link to the call bridge is up (Join call)", body)
check("via tunnel" in lab.log("edge-outside"), "the request crossed the tunnel", lab.log("edge-outside")[-2000:])

# The seed through the API.
code, body = lab.api_get("/coSpaces?filter=100101")
check(code == 200 and "Proxy webRTC" in body and "<callId>100101</callId>" in body,
      "API lists the seeded space Proxy webRTC, call ID 100101", body)
code, body = lab.api_get("/inboundDialPlanRules")
check("cms.octavio.local" in body and "octavio.com" in body, "inbound rules for both domains", body)
code, body = lab.api_get("/turnServers")
tid = re.search(r'turnServer id="([^"]+)"', body)
check(code == 200 and 'total="1"' in body and "<serverAddress>127.0.0.1</serverAddress>" in body and
      "<clientAddress>127.0.0.1</clientAddress>" in body, "API lists the turnServers entry", body)
code, body = lab.api_get("/turnServers/%s" % tid.group(1)) if tid else (0, "")
check("<tcpPortNumberOverride>%d</tcpPortNumberOverride>" % lab.turn in body and
      "<username>turnuser</username>" in body, "turnServers entry points at the edge's TURN port", body)
code, body = lab.api_get("/turnServers/%s/status" % tid.group(1)) if tid else (0, "")
check(body.count("<reachable>true</reachable>") >= 1 and "authenticationFailure" not in body,
      "the meeting server allocates on the edge's TURN with the seeded credentials", body)

# SIGTERM stops every child.
rc = lab.stop()
check(rc == 0, "SIGTERM: portico lab exits 0", lab.text()[-2000:])
check(lab.children_gone(), "SIGTERM: every child is gone", lab.pids)
check("portico lab: stopped" in lab.text(), "says it stopped")

# SIGTERM while it is still starting: no wait for readiness, no leftovers.
lab3 = Lab(state=lab.state, base=lab.base).start(wait=False)
wait_for(lambda: "edge-inside" in lab3.pids or lab3.p.poll() is not None, 60)
rc = lab3.stop()
check(rc == 0, "SIGTERM during startup: portico lab exits 0", lab3.text()[-1500:])
check(lab3.children_gone(), "SIGTERM during startup: every child is gone", lab3.pids)
check(not lab3.ready.is_set(), "SIGTERM during startup: no ready banner")

# Second run, same state: reused.
ca_before, pw_before = sha(lab.ca()), lab.password()
lab2 = Lab(state=lab.state, base=lab.base).start()
check(lab2.ready.is_set(), "second run with the same state becomes ready", lab2.text())
check(sha(lab.ca()) == ca_before and lab2.password() == pw_before,
      "second run reuses the CA and the admin password")
code, body = lab2.api_get("/turnServers")
check('total="1"' in body, "second run updates the turnServers entry instead of adding one", body)
code, body = lab2.api_get("/coSpaces")
check(body.count("<callId>100101</callId>") == 1, "second run keeps one seeded space", body)
code, _ = lab2.curl_guest("/")
check(code == 200, "second run serves the join URL")

# A child that dies is reported, and the rest are stopped.
os.kill(lab2.pids["edge-inside"], signal.SIGKILL)
wait_for(lambda: lab2.p.poll() is not None, 60)
check(lab2.p.returncode not in (None, 0), "a dead child makes portico lab exit non-zero", lab2.p.returncode)
check(re.search(r"edge-inside \(pid \d+\) was killed by signal 9", lab2.text()),
      "the dead child is named with its signal", lab2.text()[-1500:])
check(lab2.children_gone(), "the other children are stopped", lab2.pids)
done()
