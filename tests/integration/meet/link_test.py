#!/usr/bin/env python3
"""The web bridge <-> call bridge link (the seed's first failure): down while
the web bridge's trust bundle lacks the call bridge certificate (no Join
call, fault logged, alarm raised, guest requests refused), up once the
operator fixes the bundle (alarm cleared, guests resolve again)."""
import json
import os
import shutil
import time

from meetlib import Meet, Procs, Tap, make_cert

t = Tap()
procs = Procs()
d = procs.tempdir()
cb_crt, _ = make_cert(d, "callbridge")
other, _ = make_cert(d, "other")
trust = os.path.join(d, "trust.pem")
shutil.copy(other, trust)
m = Meet(procs, extra={"webbridge": {"trust": trust},
                       "callbridge": {"certificate": cb_crt, "link-retry": "1"}}).start()


def config():
    st, _, body = m.curl("GET", "", user=None, url=m.web + "/api/guest/config")
    return json.loads(body)


t.eq(config()["link"], False, "link down: the guest page is told to hide Join call")
t.match(r'Web bridge connection to "[^"]+" failed \(connect failure\): call bridge certificate not in the web bridge trust bundle',
        m.read_log(), "fault logged as in the seed")
st, _, body = m.curl("GET", "/system/alarms")
t.match(r"<type>webBridgeConnectionFailure</type>.*<failureReason>connectFailure</failureReason>", body,
        "webBridgeConnectionFailure alarm")
st, _, body = m.curl("POST", "", [("callId", "100101")], user=None, url=m.web + "/api/guest/resolve")
t.eq((st, json.loads(body).get("error")), (503, "linkDown"), "guest resolution refused while the link is down")

# The operator adds the call bridge certificate to the trust bundle.
with open(trust, "a") as out, open(cb_crt) as inp:
    out.write(inp.read())
up = False
for _ in range(200):  # bounded wait for the retry to notice
    if config()["link"]:
        up = True
        break
    time.sleep(0.05)
t.ok(up, "link comes up once the bundle holds the call bridge certificate")
st, _, body = m.curl("GET", "/system/alarms")
t.ok("webBridgeConnectionFailure" not in body, "alarm cleared", body)
t.match(r"alarm cleared: webBridgeConnectionFailure", m.read_log(), "clearing logged")
st, _, body = m.curl("POST", "", [("callId", "100101")], user=None, url=m.web + "/api/guest/resolve")
t.eq((st, json.loads(body).get("spaceName")), (200, "Proxy webRTC"), "guests resolve again")
# Breaking the bundle again under the running server takes the link down.
shutil.copy(other, trust)
down = False
for _ in range(200):  # bounded wait
    if not config()["link"]:
        down = True
        break
    time.sleep(0.05)
t.ok(down, "link goes down again when the bundle loses the certificate")
st, _, body = m.curl("GET", "/system/alarms")
t.match(r"<type>webBridgeConnectionFailure</type>", body, "alarm raised again")
t.eq(m.stop(), 0, "portico meet exits 0")
t.done()
