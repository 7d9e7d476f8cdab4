#!/usr/bin/env python3
"""GET /api/v1/turnServers/<id>/status really probes: against a running
portico turn, then coturn on the same port; a wrong password is reported as
an authentication failure, a stopped server as unreachable."""
import os
import random
import re
import socket
import time

from meetlib import Meet, Procs, Tap, PORTICO, free_port_both, location_id

t = Tap()
procs = Procs()
port = free_port_both()
m = Meet(procs, extra={"callbridge": {"turn-udp-port": str(port)},
                       "api": {"probe-timeout-ms": "1500"}}).start()
d = m.dir


def wait_port(p):
    for _ in range(200):  # bounded wait for the TCP listener
        try:
            socket.create_connection(("127.0.0.1", p), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def hosts(body):
    return re.findall(r"<host>(.*?)</host>", body)


def status(tid):
    st, _, body = m.curl("GET", "/turnServers/%s/status" % tid)
    return st, body


# ---- portico turn ----
# Relay ranges picked at random so parallel tests rarely meet; both servers
# skip relay ports in use anyway.
relay = random.randrange(20000, 60000, 500)
tconf = os.path.join(d, "turn.conf")
with open(tconf, "w") as f:
    f.write("[turn]\nlisten = 127.0.0.1:%d\nrelay-address = 127.0.0.1\nrelay-ports = %d-%d\n"
            "realm = octavio.com\nallowed-peers = 127.0.0.0/8\nadmin-listen = off\n"
            "[users]\nturnuser = cisco\n"
            % (port, relay, relay + 199))
tlog = os.path.join(d, "turn.log")
turn = procs.start([PORTICO, "turn", "-c", tconf], tlog)
t.ok(wait_port(port), "portico turn listening", open(tlog).read() if os.path.exists(tlog) else "")
st, h, _ = m.curl("POST", "/turnServers", [("serverAddress", "127.0.0.1"), ("clientAddress", "10.88.246.156"),
                                           ("username", "turnuser"), ("password", "cisco"),
                                           ("type", "standard"), ("tcpPortNumberOverride", str(port))])
t.eq(st, 200, "POST turnServers (seed parameters, lab addresses)")
tid = location_id(h)
st, body = status(tid)
t.eq(st, 200, "GET status")
hs = hosts(body)
t.eq(len(hs), 2, "two hosts: UDP, and TCP because tcpPortNumberOverride is set")
for hst, proto in zip(hs, ("udp", "tcp")):
    t.match(r"<address>127\.0\.0\.1</address><portNumber>%d</portNumber><transport>%s</transport>"
            r"<reachable>true</reachable><roundTripTimeMs>\d+</roundTripTimeMs>"
            r"<mappedAddress>127\.0\.0\.1</mappedAddress><mappedPortNumber>\d+</mappedPortNumber>"
            r"<checkMethod>allocate</checkMethod>" % (port, proto), hst,
            "portico turn %s: reachable through an authenticated Allocate, mapped address" % proto)
    t.ok("failureReason" not in hst, "portico turn %s: no failure" % proto, hst)
tl = open(tlog).read()
t.eq(len(re.findall(r"allocation created: user=turnuser", tl)), 2, "portico turn saw two allocations (UDP, TCP)")
t.eq(len(re.findall(r"allocation deleted \(client refreshed with lifetime 0\)", tl)), 2,
     "... and both were released with Refresh lifetime 0")
st, _, body = m.curl("GET", "/system/alarms")
t.ok("turnServerUnavailable" not in body, "no alarm while reachable", body)

st, _, _ = m.curl("PUT", "/turnServers/" + tid, [("password", "wrong")])
st, body = status(tid)
for hst in hosts(body):
    t.match(r"<reachable>true</reachable>.*<failureReason>authenticationFailure</failureReason>", hst,
            "wrong password: the server answered, authentication failure")
st, _, body = m.curl("GET", "/system/alarms")
t.match(r"<type>turnServerUnavailable</type><activeTimeSeconds>\d+</activeTimeSeconds>"
        r"<failureReason>authenticationFailure</failureReason><turnServer>%s</turnServer>" % tid, body,
        "turnServerUnavailable alarm with failureReason authenticationFailure")

t.eq(procs.stop(turn), 0, "portico turn stopped")
st, _, _ = m.curl("PUT", "/turnServers/" + tid, [("password", "cisco")])
st, body = status(tid)
for hst in hosts(body):
    t.match(r"<reachable>false</reachable>.*<failureReason>connectFailure</failureReason>", hst,
            "stopped server: unreachable, not an authentication failure")
st, _, body = m.curl("GET", "/system/alarms")
t.match(r"<failureReason>connectFailure</failureReason><turnServer>%s</turnServer>" % tid, body,
        "alarm now says connectFailure")

# ---- coturn on the same port ----
clog = os.path.join(d, "coturn.log")
coturn = procs.start(["turnserver", "-n", "--listening-ip=127.0.0.1", "--listening-port=%d" % port,
                      "--relay-ip=127.0.0.1", "--realm=octavio.com", "--user=turnuser:cisco",
                      "--lt-cred-mech", "--no-tls", "--no-dtls", "--no-cli", "--min-port=%d" % (relay + 250),
                      "--max-port=%d" % (relay + 450), "--log-file=stdout", "--pidfile=" + os.path.join(d, "coturn.pid"),
                      "--userdb=" + os.path.join(d, "coturn.db")], clog)
t.ok(wait_port(port), "coturn listening")
st, body = status(tid)
hs = hosts(body)
for hst, proto in zip(hs, ("udp", "tcp")):
    t.match(r"<transport>%s</transport><reachable>true</reachable><roundTripTimeMs>\d+</roundTripTimeMs>"
            r"<mappedAddress>127\.0\.0\.1</mappedAddress>" % proto, hst, "coturn %s: reachable, mapped address" % proto)
st, _, body = m.curl("GET", "/system/alarms")
t.ok("turnServerUnavailable" not in body, "alarm cleared once reachable again", body)
st, _, _ = m.curl("PUT", "/turnServers/" + tid, [("password", "nope")])
st, body = status(tid)
for hst in hosts(body):
    t.match(r"<failureReason>authenticationFailure</failureReason>", hst, "coturn: wrong password -> authenticationFailure")
procs.stop(coturn)

# Binding fallback: no username configured.
st, h, _ = m.curl("POST", "/turnServers", [("serverAddress", "127.0.0.1"), ("type", "cms")])
st, body = status(location_id(h))
t.match(r"<checkMethod>binding</checkMethod>", body, "without credentials the probe uses Binding")
t.ok("cisco" not in m.read_log() and "nope" not in m.read_log(), "no TURN password in the log")
t.eq(m.stop(), 0, "portico meet exits 0")
t.done()
