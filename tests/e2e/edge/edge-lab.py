#!/usr/bin/env python3
"""For the browser test: a `portico meet` behind a real edge pair (the
integration tests' edgelab), on loopback ports chosen free at run time.
Prints one JSON line {port, spki} when guests can be served, then waits
until stdin closes and stops everything it started.

usage: edge-lab.py PORTICO WEB_ROOT
"""
import base64
import hashlib
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration", "edge"))
import edgelab  # noqa: E402

portico, web_root = sys.argv[1], sys.argv[2]
os.environ["PORTICO"] = portico
sys.argv = [sys.argv[0], portico]
lab = edgelab.Lab(backend=False)
api_port = edgelab.free_port()
conf = lab._write("meet.conf", """
[meet]
state = %(d)s/meet-state
seed = yes
[webbridge]
listen = 127.0.0.1:%(b)d
certificate = %(c)s
key = %(k)s
web-root = %(web)s
url = https://cmsweb.octavio.com
[callbridge]
[api]
listen = 127.0.0.1:%(a)d
certificate = %(c)s
key = %(k)s
""" % dict(d=lab.d, b=lab.b_port, c=lab.wb_crt, k=lab.wb_key, web=web_root, a=api_port))
meet = edgelab.Proc("meet", [portico, "meet", "-c", conf], lab.d).start()
edgelab.wait_for(lambda: edgelab.port_open(lab.b_port), 30)
lab.start()
ok = edgelab.wait_for(lambda: lab.curl("/api/guest/config", timeout=5)[0] == 200, 30)
pub = subprocess.run(["openssl", "x509", "-in", lab.web_crt, "-pubkey", "-noout"], capture_output=True).stdout
der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub, capture_output=True).stdout
print(json.dumps({"ready": bool(ok), "port": lab.w_port, "spki": base64.b64encode(hashlib.sha256(der).digest()).decode(),
                  "logs": lab.d}), flush=True)
sys.stdin.read()
lab.inside.term()
lab.outside.term()
meet.term()
