#!/usr/bin/env python3
"""turn-auth: long-term credentials (RFC 8489 9.2.4 order) and what the
operator reads in the log when they fail (the seed's fourth failure: a
wrong TURN password must be obvious).  Uses coturn's turnutils_uclient for
the wrong-password and unknown-user cases, and stunclient.py for the rest.
Usage: auth.py PORTICO"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, fatal, spawn)

portico = portico_arg()
uclient = shutil.which('turnutils_uclient')
if not uclient:
    fatal('turnutils_uclient not found (Debian package coturn)')

NONCE_LIFETIME = 30
prehashed = hashlib.md5(b'hashuser:octavio.com:hashpass').hexdigest()
# RFC 5769 2.4's password: SASLprep maps it to "TheMatrIX"
users = {'turnuser': 'cisco', 'hashuser': '0x' + prehashed, 'matrix': 'The\u00adM\u00aatr\u2168'}
servers = []


def err(r):
    return r.error_code if r.cls == S.ERROR else 'success'


def run_uclient(srv, user, password):
    p = spawn([uclient, '-p', str(srv.port), '-u', user, '-w', password, '-e', '127.0.0.1',
               '-r', '9', '-m', '1', '-n', '1', '127.0.0.1'],
              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return p.returncode, out.decode('utf-8', 'replace')


# A nonce from a server instance that no longer exists.
old = Server(portico, users=users).start()
servers.append(old)
oc = S.Client(old.addr)
oc.challenge()
old_nonce = oc.nonce
old.check_clean_stop('first server instance')

srv = Server(portico, users=users, log_level='debug',
             turn=['nonce-lifetime = %d' % NONCE_LIFETIME, 'allowed-peers = 127.0.0.0/8']).start()
servers.append(srv)

# Take a nonce now; it is used after its lifetime at the end of the test.
ec = S.Client(srv.addr)
ec.challenge()
expiring_nonce = ec.nonce
nonce_taken = time.monotonic()

# --- coturn client, wrong password
rc, out = run_uclient(srv, 'turnuser', 'wrong')
check(rc != 0 or '401' in out, 'turnutils_uclient with a wrong password fails',
      'rc=%s output tail: %s' % (rc, out[-300:]))
WRONG_PW = (r'Allocate request rejected: integrity check failed: password does not match: '
            r'user="turnuser" realm="octavio.com" client=udp:127\.0\.0\.1:\d+')
# (reject lines are limited per second: if uclient's burst went unlogged,
# the same failure from our client must be)
check(srv.wait_log(WRONG_PW, 10) or
      srv.wait_log_after(lambda: S.Client(srv.addr, password='wrong').allocate(), WRONG_PW),
      'log: "integrity check failed: password does not match" with user="turnuser", realm and client')
check('allocation created' not in srv.log(), 'no allocation was created with the wrong password')

# --- coturn client, unknown user
rc, out = run_uclient(srv, 'nobody', 'cisco')
check(rc != 0 or '401' in out, 'turnutils_uclient with an unknown user fails',
      'rc=%s output tail: %s' % (rc, out[-300:]))
UNKNOWN = r'Allocate request rejected: unknown user: user="nobody" realm="octavio.com" client=udp:127\.0\.0\.1:\d+'
check(srv.wait_log(UNKNOWN, 5) or
      srv.wait_log_after(lambda: S.Client(srv.addr, user='nobody').allocate(), UNKNOWN),
      'log: "unknown user" with user="nobody"')

# --- the same with our client: exact codes
c = S.Client(srv.addr, password='wrong')
r = c.allocate()
check_eq(err(r), 401, 'wrong password: Allocate gets 401')
check(r.get(S.REALM) == b'octavio.com' and r.get(S.NONCE) is not None,
      'the 401 for a wrong password carries REALM and NONCE', r)
check(r.get(S.MESSAGE_INTEGRITY) is None, 'that 401 has no MESSAGE-INTEGRITY')

c = S.Client(srv.addr, user='nobody')
r = c.allocate()
check_eq(err(r), 401, 'unknown user: Allocate gets 401')

c = S.Client(srv.addr)
c.challenge()
r = c.allocate(realm='wrong.example')
check_eq(err(r), 401, 'wrong realm: Allocate gets 401')
check(srv.wait_log_after(lambda: c.allocate(realm='wrong.example'),
                         r'Allocate request rejected: wrong realm.*user="turnuser" realm="wrong\.example"'),
      'log: wrong realm named, with the realm the client sent')

# a user name crafted to forge log lines is neutralised in the log
evil = 'x"\n2001-01-01T00:00:00.000Z notice turn: forged'
ev = S.Client(srv.addr, user=evil)
r = ev.allocate()
check_eq(err(r), 401, 'a user name with a quote and a newline gets 401 (unknown user)')
srv.wait_log_after(lambda: ev.allocate(), r'unknown user: user="x\?', tries=4)
check(re.search(r'^2001-01-01T00:00:00\.000Z notice turn: forged', srv.log(), re.M) is None
      and re.search(r'unknown user: user="x\?\?2001-01-01T00:00:00\.000Z notice turn: forged"', srv.log()),
      'log: quote and newline of a user name are escaped (no forged log line)')

# MESSAGE-INTEGRITY without USERNAME / NONCE / REALM -> 400 (9.2.4 step 2)
key = S.long_term_key('turnuser', 'octavio.com', 'cisco')
transport = (S.REQUESTED_TRANSPORT, bytes([17, 0, 0, 0]))
for missing in (S.USERNAME, S.REALM, S.NONCE):
    attrs = [transport] + [(t, v) for t, v in [(S.USERNAME, b'turnuser'), (S.REALM, b'octavio.com'),
                                                (S.NONCE, c.nonce.encode())] if t != missing]
    tid = S.new_tid()
    r = c.transact(S.build(S.ALLOCATE, S.REQUEST, attrs, tid=tid, key=key), tid)
    check_eq(err(r), 400, 'MESSAGE-INTEGRITY without attribute 0x%04x gets 400' % missing)

# --- nonces
r = c.allocate(nonce=old_nonce)
check_eq(err(r), 438, 'a nonce from a previous server instance gets 438')
check(r.get(S.NONCE) is not None and r.get(S.NONCE).decode() != old_nonce,
      'the 438 carries a fresh NONCE', r.get(S.NONCE))
check(r.get(S.REALM) == b'octavio.com', 'the 438 carries REALM')
c.learn_challenge(r)
r = c.allocate()
check_eq(err(r), 'success', 'retrying with the fresh nonce succeeds')

other = S.Client(srv.addr)
r = other.allocate(nonce=c.nonce)
check_eq(err(r), 438, 'a nonce issued to another client address gets 438')

r = c.allocate(nonce='0' * 24)
check_eq(err(r), 438, 'a forged nonce gets 438')

# --- pre-hashed key in [users]
h = S.Client(srv.addr, user='hashuser', password='hashpass')
r = h.allocate()
check_eq(err(r), 'success', '[users] 0x<32 hex> pre-hashed key: Allocate with the password succeeds')

# --- a non-ASCII password in [users] is SASLprep'd (RFC 8489 9.2.2)
mx = S.Client(srv.addr, user='matrix', password='TheMatrIX')
r = mx.allocate()
check_eq(err(r), 'success', '[users] password "The\\u00adM\\u00aatr\\u2168" is SASLprep\'d to "TheMatrIX"')

# --- the nonce taken at the start, used after nonce-lifetime
left = NONCE_LIFETIME + 3 - (time.monotonic() - nonce_taken)
if left > 0:
    print('# waiting %.0f s for a nonce to expire (nonce-lifetime = %d)' % (left, NONCE_LIFETIME))
    time.sleep(left)
r = ec.allocate(nonce=expiring_nonce)
check_eq(err(r), 438, 'an expired nonce gets 438')
check(r.get(S.NONCE) is not None and r.get(S.NONCE).decode() != expiring_nonce,
      'the 438 for an expired nonce carries a fresh NONCE')
check(srv.wait_log(r'Allocate request rejected: stale nonce: user="turnuser"', 10),
      'log (debug level): "stale nonce" for the expired nonce')
ec.learn_challenge(r)
r = ec.allocate()
check_eq(err(r), 'success', 'retrying with the fresh nonce succeeds')

srv.check_clean_stop('server')
dump_log_on_failure(*servers)
finish()
