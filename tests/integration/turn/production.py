#!/usr/bin/env python3
"""turn-production: what issue 3 adds for production use, against real
clients.

- coturn's turnutils_uclient over TLS (-t -S), over TCP with TURN REST
  credentials (-W), over TLS with REST credentials, and with an IPv6 relay
  (-x) where loopback IPv6 exists: 0 % loss, every message echoed.
- SIGHUP during a TLS run with a new certificate: the run loses nothing,
  new TLS connections get the new certificate.
- REST secrets: rotation on SIGHUP, expired usernames refused and logged.
- /metrics counts match exactly the packets this test relayed; /status and
  `portico turn status` show the allocation with the same numbers.
Usage: production.py PORTICO"""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.request

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as sc  # noqa: E402
from turntest import (Server, check, check_eq, fatal, finish, free_port,  # noqa: E402
                      have_ipv6, portico_arg, run, spawn, tmpdir)

portico = portico_arg()
for tool in ('turnutils_uclient', 'turnutils_peer', 'openssl'):
    if not shutil.which(tool):
        fatal('%s not found' % tool)

work = tmpdir()
SECRET1 = 'first-shared-secret-0123456789'
SECRET2 = 'second-shared-secret-9876543210'


def make_cert(name, cn):
    key, crt = os.path.join(work, name + '.key'), os.path.join(work, name + '.crt')
    rc, out = run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                   '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=' + cn])
    if rc != 0:
        fatal('openssl failed: %s' % out)
    return crt, key


crt_a, key_a = make_cert('a', 'turn-a.octavio.com')
crt_b, key_b = make_cert('b', 'turn-b.octavio.com')
live_crt, live_key = os.path.join(work, 'live.crt'), os.path.join(work, 'live.key')
shutil.copy(crt_a, live_crt)
shutil.copy(key_a, live_key)

tls_port = free_port()
v6 = have_ipv6()
turn_lines = ['allowed-peers = 127.0.0.0/8, ::1', 'legacy-channels = yes',
              'tls-listen = 127.0.0.1:%d' % tls_port,
              'certificate = ' + live_crt, 'key = ' + live_key,
              'auth-secret = ' + SECRET1]
if v6:
    turn_lines.append('relay-address = ::1')
srv = Server(portico, turn=turn_lines, nports=120, v6=v6).start()
check(srv.wait_log(r'listening on 127\.0\.0\.1:%d \(TLS\)' % tls_port), 'log: TLS listener announced')

# ---------------------------------------------------------------- peers
peer_port = free_port()
peer_cmd = [shutil.which('turnutils_peer'), '-p', str(peer_port), '-L', '127.0.0.1']
if v6:
    peer_cmd += ['-L', '::1']
peer = spawn(peer_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.settimeout(0.2)
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    probe.sendto(b'ping', ('127.0.0.1', peer_port))
    try:
        if probe.recvfrom(16)[0] == b'ping':
            break
    except socket.timeout:
        pass
else:
    fatal('turnutils_peer did not answer')

M, N = 4, 30   # uclient runs clients in groups of 4


def uclient(name, extra, server='127.0.0.1', port=None, peer_ip='127.0.0.1', n=N, wait=True):
    args = [shutil.which('turnutils_uclient'), '-p', str(port or srv.port), '-m', str(M),
            '-n', str(n), '-l', '160', '-e', peer_ip, '-r', str(peer_port)] + extra + [server]
    p = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if not wait:
        return p
    return uclient_result(name, p, n)


def uclient_result(name, p, n=N):
    try:
        out = p.communicate(timeout=120)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        out = p.communicate()[0]
    out = out.decode('utf-8', 'replace')
    tot = re.findall(r'start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)', out)
    want = (str(M * n), str(M * n))
    good = p.returncode == 0 and 'Total lost packets 0 (0.000000%)' in out and tot and tot[-1] == want
    check(good, 'uclient %s: exit 0, 0 %% loss, %d messages echoed' % (name, M * n),
          '\n'.join(out.splitlines()[-12:]))
    return good


user_pw = ['-u', 'turnuser', '-w', 'cisco']
uclient('TLS (-t -S)', ['-t', '-S'] + user_pw, port=tls_port)
uclient('TCP with REST secret (-t -W)', ['-t', '-W', SECRET1, '-u', 'alice'])
uclient('TLS with REST secret (-t -S -W)', ['-t', '-S', '-W', SECRET1, '-u', 'bob'], port=tls_port)
uclient('UDP with REST secret (-W)', ['-W', SECRET1, '-u', 'carol'])
check(re.search(r'allocation created: user=\d+:alice client=tcp:', srv.log()) is not None,
      'log: REST allocation shows the ephemeral user name')
check(re.search(r'allocation created: user=turnuser client=tls:127\.0\.0\.1:\d+', srv.log()) is not None,
      'log: TLS allocations say tls:')
if v6:
    uclient('IPv6 relay (-x), IPv6 client', ['-x'] + user_pw, server='::1', peer_ip='::1')
    uclient('IPv6 relay (-x) over TLS', ['-t', '-S', '-x'] + user_pw, port=tls_port, peer_ip='::1')
    check(re.search(r'allocation created: user=turnuser client=\S+ relay=\[::1\]:\d+', srv.log()) is not None,
          'log: IPv6 relay addresses')
else:
    print('# no IPv6 loopback here: the -x runs are skipped')


# ------------------------------------------------- certificate reload
def peer_cert_cn():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(('127.0.0.1', tls_port), timeout=10) as s:
        with ctx.wrap_socket(s) as t:
            der = t.getpeercert(binary_form=True)
    pem = ssl.DER_cert_to_PEM_cert(der)
    r = subprocess.run(['openssl', 'x509', '-noout', '-subject'], input=pem, capture_output=True, text=True)
    return r.stdout.strip()


check('turn-a.octavio.com' in peer_cert_cn(), 'TLS serves the first certificate')
long_run = uclient('TLS across a certificate reload', ['-t', '-S', '-z', '20'] + user_pw,
                   port=tls_port, n=150, wait=False)
check(srv.wait_log(r'allocation created: user=turnuser client=tls:', count=5), 'TLS run under way')
shutil.copy(crt_b, live_crt + '.new')
shutil.copy(key_b, live_key + '.new')
os.rename(live_crt + '.new', live_crt)
os.rename(live_key + '.new', live_key)
srv.signal(signal.SIGHUP)
check(srv.wait_log(r'reloaded .*TLS certificate'), 'log: SIGHUP reloaded the certificate')
check('turn-b.octavio.com' in peer_cert_cn(), 'new TLS connections get the new certificate')
uclient_result('TLS across a certificate reload', long_run, n=150)

# ---------------------------------------------------- REST secrets
realm = srv.realm


def rest_client(secret, user, expiry_delta=3600):
    name = '%d:%s' % (int(time.time()) + expiry_delta, user)
    pw = base64.b64encode(hmac.new(secret.encode(), name.encode(), hashlib.sha1).digest()).decode()
    return sc.Client(srv.addr, user=name, password=pw)


def rest_allocate(secret, user, expiry_delta=3600):
    c = rest_client(secret, user, expiry_delta)
    try:
        r = c.allocate()
        ok = r.cls == sc.SUCCESS
        if ok:
            c.refresh(lifetime=0)
        return ok, r
    finally:
        c.close()


ok, _ = rest_allocate(SECRET1, 'dave')
check(ok, 'REST credentials from secret 1 allocate')
ok, r = rest_allocate(SECRET2, 'dave')
check(not ok and r.error_code == 401, 'secret 2 not yet configured: 401', r)
ok, r = rest_allocate(SECRET1, 'erin', expiry_delta=-120)
check(not ok and r.error_code == 401, 'expired REST username: 401', r)
check(srv.wait_log(r'rejected: expired REST username \(expired 1[12]\d s ago\): user="\d+:erin"'),
      'log: expired REST username, with how long ago')

# rotation: add secret 2, then drop secret 1
srv.turn = [l for l in srv.turn] + ['auth-secret = ' + SECRET2]
srv.write_conf()
srv.signal(signal.SIGHUP)
check(srv.wait_log(r'reloaded .*2 REST secrets'), 'log: reload with 2 secrets')
# Workers apply a reload from their control queue just after the log line:
# wait (bounded) until the new secret is honoured, then both must work.
deadline = time.monotonic() + 10
while not rest_allocate(SECRET2, 'dave')[0] and time.monotonic() < deadline:
    time.sleep(0.1)
check(rest_allocate(SECRET1, 'dave')[0] and rest_allocate(SECRET2, 'dave')[0],
      'during rotation both secrets work')
srv.turn = [l for l in srv.turn if l != 'auth-secret = ' + SECRET1]
srv.write_conf()
srv.signal(signal.SIGHUP)
# The certificate reload above logged "1 REST secrets" too: wait for the second.
check(srv.wait_log(r'reloaded .*1 REST secrets', count=2), 'log: reload with 1 secret')


def old_secret_refused():
    # Workers take the new credentials from their control queue right
    # after the control thread logs the reload: poll (bounded) for it.
    global r
    ok, r = rest_allocate(SECRET1, 'dave')
    return not ok and r.error_code == 401


deadline = time.monotonic() + 10
while not old_secret_refused() and time.monotonic() < deadline:
    time.sleep(0.1)
check(r.cls != sc.SUCCESS and r.error_code == 401, 'after rotation the old secret is refused', r)
check(srv.wait_log(r'REST password does not match any auth-secret'), 'log: names the REST mismatch')
check(rest_allocate(SECRET2, 'dave')[0], 'after rotation the new secret works')

# ----------------------------------------------- metrics match traffic
def metrics():
    with urllib.request.urlopen('http://127.0.0.1:%d/metrics' % srv.admin_port, timeout=10) as f:
        text = f.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            k, v = line.rsplit(' ', 1)
            out[k] = int(v)
    return out


before = metrics()
echo = sc.Echo()
c = sc.Client(srv.addr, user='turnuser', password='cisco')
check(c.allocate().cls == sc.SUCCESS, 'metrics: allocation')
check(c.create_permission([echo.addr]).cls == sc.SUCCESS, 'metrics: permission')
K, L = 25, 333
received = 0
for i in range(K):
    c.send_indication(echo.addr, bytes([i]) * L)
    echo.recv()
    kind, _, payload = c.recv_data()
    received += payload == bytes([i]) * L
check_eq(received, K, 'metrics: every datagram relayed both ways')
after = metrics()


def delta(key):
    return after.get(key, 0) - before.get(key, 0)


check_eq(delta('portico_turn_relayed_packets_total{direction="client_to_peer"}'), K,
         '/metrics: client_to_peer packets = what the test sent')
check_eq(delta('portico_turn_relayed_packets_total{direction="peer_to_client"}'), K,
         '/metrics: peer_to_client packets = what the peer echoed')
check_eq(delta('portico_turn_relayed_bytes_total{direction="client_to_peer"}'), K * L,
         '/metrics: client_to_peer bytes')
check_eq(delta('portico_turn_relayed_bytes_total{direction="peer_to_client"}'), K * L,
         '/metrics: peer_to_client bytes')
check_eq(delta('portico_turn_allocations'), 1, '/metrics: one more allocation active (uclient leaves its RTCP ones to expire)')
check(delta('portico_turn_auth_failures_total{reason="bad_password"}') == 0,
      '/metrics: no bad-password failure counted for this traffic')

with urllib.request.urlopen('http://127.0.0.1:%d/status' % srv.admin_port, timeout=10) as f:
    st = json.loads(f.read().decode())
mine = [a for a in st['allocations'] if a['client'] == 'udp:127.0.0.1:%d' % c.local[1]]
check(len(mine) == 1 and mine[0]['client_to_peer'] == {'packets': K, 'bytes': K * L}
      and mine[0]['peer_to_client'] == {'packets': K, 'bytes': K * L} and mine[0]['permissions'] == 1,
      '/status: the allocation with its exact counts', mine)
rc, out = run([portico, 'turn', '-c', srv.conf, 'status'])
check(rc == 0 and 'turnuser' in out and 'udp:127.0.0.1:%d' % c.local[1] in out,
      '`portico turn status` lists the allocation', out)
c.refresh(lifetime=0)
c.close()

# wrong password counted by reason
bad = sc.Client(srv.addr, user='turnuser', password='wrong')
bad.allocate()
bad.close()
check(metrics().get('portico_turn_auth_failures_total{reason="bad_password"}', 0) >=
      before.get('portico_turn_auth_failures_total{reason="bad_password"}', 0) + 1,
      '/metrics: a wrong password is counted as bad_password')

srv.check_clean_stop()
finish()
