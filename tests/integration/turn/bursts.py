#!/usr/bin/env python3
"""turn-bursts (issue 16 part 1): allocation bursts from one address and
retransmitted requests.

1. A client address that completed an authenticated request is no longer
   held to unauthenticated-rate: 300 allocations from 127.0.0.1, each from
   a fresh port (a new 5-tuple: the meeting server or a company NAT), get
   every 401 challenge at the first transmission, and the server counts no
   rate-limited answer.  (Without the exemption, rate 5 would have dropped
   most of them.)
2. A source that never authenticated (127.0.0.2 here, standing for a
   spoofed one) still gets at most the configured rate: of a flood of
   unauthenticated requests, no more answers arrive than the bucket's burst
   plus its refill over the flood's duration (a bound that holds however
   fast or slow the machine is, so no timing threshold).
3. A retransmitted request (same transaction ID, same 5-tuple) gets the
   same answer byte for byte, also after other requests of that client
   were answered in between: never 437 for an Allocate the server granted,
   and a Refresh(0) retransmitted after the allocation is gone still gets
   its success.
Usage: bursts.py PORTICO"""

import math
import os
import re
import socket
import sys
import time
import urllib.request

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure)

RATE = 5
portico = portico_arg()
srv = Server(portico, nports=40, workers=1,
             turn=['allowed-peers = 127.0.0.0/8', 'unauthenticated-rate = %d' % RATE]).start()
server = srv.addr


def rate_limited():
    with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % srv.admin_port, timeout=10) as f:
        text = f.read().decode()
    m = re.search(r'^portico_turn_dropped_packets_total\{reason="rate_limited"\} (\d+)$', text, re.M)
    return int(m.group(1)) if m else -1


def once(c, method, attrs=(), auth=True):
    """One request, never retransmitted: a dropped answer is a Timeout."""
    return c.request(method, attrs, auth=auth, retransmit=False, timeout=5)


ALLOC_ATTRS = [(S.REQUESTED_TRANSPORT, bytes([S.PROTO_UDP, 0, 0, 0]))]

# ------------------------------------------------ 1. one address, 300 allocations
N = 300
unanswered = failed = 0
for i in range(N):
    c = S.Client(server)
    try:
        r = once(c, S.ALLOCATE, ALLOC_ATTRS, auth=False)
        c.learn_challenge(r)
        if r.cls != S.ERROR or r.error_code != 401:
            failed += 1
            continue
        if once(c, S.ALLOCATE, ALLOC_ATTRS).cls != S.SUCCESS:
            failed += 1
            continue
        if once(c, S.REFRESH, [(S.LIFETIME, b'\0\0\0\0')]).cls != S.SUCCESS:
            failed += 1
    except S.Timeout:
        unanswered += 1
    finally:
        c.close()
check_eq(unanswered, 0, 'burst: every request of %d allocations from one address answered at once' % N)
check_eq(failed, 0, 'burst: every allocation granted and released')
check_eq(rate_limited(), 0, 'burst: no answer held back by the unauthenticated rate')

# ------------------------------------------------ 2. an unproven source, flooded
F = 200
flood = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flood.bind(('127.0.0.2', 0))
flood.settimeout(1.0)
before = rate_limited()
start = time.monotonic()
for i in range(F):
    flood.sendto(S.build(S.ALLOCATE, S.REQUEST, ALLOC_ATTRS), server)
answers, last = 0, start
while True:
    try:
        flood.recvfrom(2048)
    except socket.timeout:
        break
    answers += 1
    last = time.monotonic()
flood.close()
bound = 2 * RATE + math.ceil(RATE * (last - start)) + 1
check(0 < answers <= bound, 'flood: %d answers to %d requests, at most burst + rate x %.2f s = %d'
      % (answers, F, last - start, bound))
check(rate_limited() - before >= F - bound, 'flood: the rest counted as rate-limited')

# ------------------------------------------------ 3. retransmissions
c = S.Client(server)
c.challenge()
tid = S.new_tid()
alloc_req = S.build(S.ALLOCATE, S.REQUEST, ALLOC_ATTRS + [
    (S.USERNAME, c.user.encode()), (S.REALM, c.realm.encode()), (S.NONCE, c.nonce.encode())],
    tid=tid, key=c.key)
first = c.transact(alloc_req, tid, retransmit=False)
check(first.cls == S.SUCCESS, 'retransmit: Allocate granted')
echo = S.Echo()
check(c.create_permission([echo.addr]).cls == S.SUCCESS, 'retransmit: a CreatePermission in between')
check(c.refresh(lifetime=600).cls == S.SUCCESS, 'retransmit: and a Refresh')
again = c.transact(alloc_req, tid, retransmit=False)
check(again.cls == S.SUCCESS, 'retransmit: the Allocate again gets success, not %s'
      % (again.error_code if again.cls == S.ERROR else again.cls))
check(again.raw == first.raw, 'retransmit: byte for byte the first answer')
again = c.transact(alloc_req, tid, retransmit=False)
check(again.raw == first.raw, 'retransmit: a third copy too')

tid = S.new_tid()
del_req = S.build(S.REFRESH, S.REQUEST, [
    (S.LIFETIME, b'\0\0\0\0'), (S.USERNAME, c.user.encode()), (S.REALM, c.realm.encode()),
    (S.NONCE, c.nonce.encode())], tid=tid, key=c.key)
gone = c.transact(del_req, tid, retransmit=False)
check(gone.cls == S.SUCCESS, 'retransmit: Refresh(0) deletes the allocation')
again = c.transact(del_req, tid, retransmit=False)
check(again.cls == S.SUCCESS and again.raw == gone.raw,
      'retransmit: Refresh(0) retransmitted after the deletion: the same success, not 437')
check(c.refresh().cls == S.ERROR, 'retransmit: a new Refresh finds no allocation')
c.close()
echo.close()

srv.check_clean_stop()
dump_log_on_failure(srv)
finish()
