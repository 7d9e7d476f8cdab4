#!/usr/bin/env python3
"""turn-peer-policy: peers a relay must refuse (../shared/reference/turn.md
section 3: CVE-2018-4058, CVE-2020-26262, CVE-2026-27624 and friends), in
every spelling, on CreatePermission, ChannelBind and Send.
Usage: peer_policy.py PORTICO"""

import os
import re
import sys

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, run)

portico = portico_arg()
# Every client here comes from 127.0.0.1: the server's per-source limit on
# unauthenticated answers (a reflection defence) would drop challenges and
# 400s this test counts on, so it is off.
NORATE = 'unauthenticated-rate = 0'
servers = []


def err(r):
    return r.error_code if r.cls == S.ERROR else 'success'


# Denied whatever allowed-peers says when loopback is not listed.
DENIED = [
    ('127.0.0.1', 'loopback'),
    ('127.255.255.254', 'loopback (top of 127/8)'),
    ('0.0.0.0', 'unspecified (CVE-2020-26262)'),
    ('0.1.2.3', '0.0.0.0/8'),
    ('::ffff:127.0.0.1', 'IPv4-mapped loopback (CVE-2026-27624)'),
    ('::ffff:0.0.0.0', 'IPv4-mapped unspecified'),
    ('::ffff:169.254.169.254', 'IPv4-mapped metadata service'),
    ('::ffff:10.0.0.1', 'IPv4-mapped private'),
    ('::127.0.0.1', 'IPv4-compatible loopback'),
    ('64:ff9b::7f00:1', 'NAT64 loopback'),
    ('2002:7f00:1::1', '6to4 of 127.0.0.1'),
    ('::1', 'IPv6 loopback (CVE-2020-26262)'),
    ('::', 'IPv6 unspecified (CVE-2020-26262)'),
    ('169.254.169.254', 'link-local metadata service'),
    ('169.254.1.1', 'link-local'),
    ('fe80::1', 'IPv6 link-local'),
    ('224.0.0.1', 'multicast'),
    ('239.255.255.250', 'multicast (SSDP)'),
    ('ff02::1', 'IPv6 multicast'),
    ('255.255.255.255', 'broadcast'),
    ('10.0.0.1', 'private 10/8'),
    ('172.16.0.1', 'private 172.16/12'),
    ('192.168.1.1', 'private 192.168/16'),
    ('100.64.0.1', 'shared address space'),
    ('fc00::1', 'IPv6 unique local'),
    ('fd12:3456::1', 'IPv6 unique local (fd)'),
    ('fec0::1', 'IPv6 site-local'),
    ('64:ff9b::a9fe:a9fe', 'NAT64 metadata service'),
    ('::ffff:224.0.0.1', 'IPv4-mapped multicast'),
    ('2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo'),
    ('198.18.0.1', 'benchmarking range'),
    ('240.0.0.1', 'reserved range'),
]

# ======================================== loopback NOT in allowed-peers
srv = Server(portico, turn=['allowed-peers = 203.0.113.0/24', NORATE]).start()
servers.append(srv)
c = S.Client(srv.addr)
r = c.allocate()
check(r.cls == S.SUCCESS, 'Allocate succeeds', r)
relay = r.xor_addr(S.XOR_RELAYED_ADDRESS)

for ip, what in DENIED:
    r = c.create_permission([(ip, 3480)])
    check_eq(err(r), 403, 'CreatePermission to %s (%s) gets 403' % (ip, what))
for n, (ip, what) in enumerate(DENIED):
    r = c.channel_bind(0x4000 + n, (ip, 3480))
    check_eq(err(r), 403, 'ChannelBind to %s (%s) gets 403' % (ip, what))

# all or nothing: one bad peer among good ones refuses the whole request
r = c.create_permission([('198.51.100.7', 3480), ('127.0.0.1', 3480)])
check_eq(err(r), 403, 'CreatePermission with a public and a loopback peer gets 403 (all or nothing)')

# a public peer is allowed; a public IPv6 peer on an IPv4 relay is a family mismatch
r = c.create_permission([('198.51.100.7', 3480)])
check_eq(err(r), 'success', 'CreatePermission to a public IPv4 peer (198.51.100.7) succeeds')
r = c.create_permission([('2001:db8::1', 3480)])
check_eq(err(r), 443, 'CreatePermission to a public IPv6 peer on an IPv4 relay gets 443 (RFC 6156)')
r = c.channel_bind(0x4F00, ('2001:db8::1', 3480))
check_eq(err(r), 443, 'ChannelBind to a public IPv6 peer on an IPv4 relay gets 443')
r = c.create_permission([('203.0.113.5', 3480)])
check_eq(err(r), 'success', 'CreatePermission to a peer listed in allowed-peers succeeds')

check(srv.wait_log(r'CreatePermission refused: peer 127\.0\.0\.1 is not allowed \(loopback\): user=turnuser', 5),
      'log names the refused peer and the reason')

# Send indications to denied peers are dropped (the loopback echo gets nothing)
echo = S.Echo('127.0.0.1')
for ip in ('127.0.0.1', '::ffff:127.0.0.1', '::127.0.0.1', '64:ff9b::7f00:1'):
    c.send_indication((ip, echo.addr[1]), b'must not arrive via ' + ip.encode())
r = c.binding()      # barrier: the server handled the Sends before answering this
check(r.cls == S.SUCCESS, 'Binding after the Sends answered (server alive)', r)
check_eq(echo.drain(), [], 'Send indications to 127.0.0.1 in any spelling are dropped')
check(srv.alive(), 'server still running')
srv.check_clean_stop('server without loopback')

# ============================= allowed-peers = 127.0.0.0/8, then denied-peers
srv2 = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE]).start()
servers.append(srv2)
c = S.Client(srv2.addr)
r = c.allocate()
relay = r.xor_addr(S.XOR_RELAYED_ADDRESS)
echo = S.Echo('127.0.0.1')
r = c.create_permission([echo.addr])
check_eq(err(r), 'success', 'allowed-peers = 127.0.0.0/8: CreatePermission to 127.0.0.1 succeeds')
r = c.create_permission([('::ffff:127.0.0.1', echo.addr[1])])
check_eq(err(r), 'success', 'allowed-peers = 127.0.0.0/8: the IPv4-mapped form is judged as IPv4 and allowed')
r = c.channel_bind(0x4000, echo.addr)
check_eq(err(r), 'success', 'allowed-peers = 127.0.0.0/8: ChannelBind to 127.0.0.1 succeeds')
c.send_indication(echo.addr, b'loopback ok')
try:
    data, src = echo.recv(5)
    check_eq((data, src), (b'loopback ok', relay), 'Send to the allowed loopback peer arrives from the relay')
except S.Timeout as e:
    check(False, 'Send to the allowed loopback peer arrives', e)
for ip, what in [('0.0.0.0', 'unspecified'), ('::', 'IPv6 unspecified'),
                 ('169.254.169.254', 'metadata service'), ('::ffff:169.254.169.254', 'mapped metadata'),
                 ('224.0.0.1', 'multicast'), ('::1', 'IPv6 loopback (not in 127/8)'),
                 ('10.0.0.1', 'private, not listed')]:
    r = c.create_permission([(ip, 3480)])
    check_eq(err(r), 403, 'allowed-peers = 127.0.0.0/8 still refuses %s (%s)' % (ip, what))
srv2.check_clean_stop('server with loopback allowed')

srv3 = Server(portico, turn=['allowed-peers = 127.0.0.0/8', 'denied-peers = 127.0.0.1', NORATE]).start()
servers.append(srv3)
c = S.Client(srv3.addr)
r = c.allocate()
relay = r.xor_addr(S.XOR_RELAYED_ADDRESS)
denied = S.Echo('127.0.0.1')
allowed = S.Echo('127.0.0.2')
for ip in ('127.0.0.1', '::ffff:127.0.0.1', '::127.0.0.1', '64:ff9b::7f00:1'):
    r = c.create_permission([(ip, denied.addr[1])])
    check_eq(err(r), 403, 'denied-peers overrides allowed-peers: CreatePermission to %s gets 403' % ip)
    r = c.channel_bind(0x4001, (ip, denied.addr[1]))
    check_eq(err(r), 403, 'denied-peers overrides allowed-peers: ChannelBind to %s gets 403' % ip)
r = c.create_permission([allowed.addr])
check_eq(err(r), 'success', 'a loopback address not in denied-peers (127.0.0.2) is allowed')
for ip in ('127.0.0.1', '::ffff:127.0.0.1'):
    c.send_indication((ip, denied.addr[1]), b'denied')
c.send_indication(allowed.addr, b'control')
try:
    data, src = allowed.recv(5)
    check_eq(data, b'control', 'control: Send to 127.0.0.2 arrives')
    check_eq(c.recv_data(5)[1:], (allowed.addr, b'control'), 'control: its echo comes back')
    check_eq(denied.drain(), [], 'Send indications to the denied 127.0.0.1 (plain and mapped) are dropped')
except S.Timeout as e:
    check(False, 'control Send to 127.0.0.2 arrives', e)
# the denied peer cannot send to the client either (no permission possible)
denied.sock.sendto(b'from denied', relay)
allowed.sock.sendto(b'from allowed', relay)
try:
    kind, peer, payload = c.recv_data(5)
    check_eq((peer, payload), (allowed.addr, b'from allowed'),
             'data from the denied peer is not relayed to the client')
except S.Timeout as e:
    check(False, 'data from the allowed peer relayed', e)
srv3.check_clean_stop('server with denied-peers')

# denied-peers written in IPv4-mapped form must deny the IPv4 peer too (the
# peer is judged after canonicalisation, so the list must be as well), or
# the configuration must be refused: silently not denying is the bypass.
for spelled in ('::ffff:127.0.0.1', '::ffff:127.0.0.0/104'):
    probe = Server(portico, turn=['allowed-peers = 127.0.0.0/8', 'denied-peers = ' + spelled, NORATE])
    rc, out = run([portico, 'turn', '--check', '-c', probe.conf])
    if rc != 0:
        check(re.search(re.escape(probe.conf) + r':\d+:', out) is not None,
              'denied-peers = %s is refused naming file:line' % spelled, out)
        continue
    probe.start()
    servers.append(probe)
    c = S.Client(probe.addr)
    c.allocate()
    for ip in ('127.0.0.1', '::ffff:127.0.0.1'):
        r = c.create_permission([(ip, 9)])
        check_eq(err(r), 403, 'denied-peers = %s (accepted by --check) denies %s' % (spelled, ip))
    probe.check_clean_stop('server with denied-peers = %s' % spelled)

dump_log_on_failure(*servers)
finish()
