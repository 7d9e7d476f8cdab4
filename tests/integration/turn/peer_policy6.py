#!/usr/bin/env python3
"""turn-peer-policy6: the peer policy on an IPv6 relay (issue 17).

On an IPv4 relay any IPv6 peer gets 443 (RFC 6156) before the policy shows,
so the IPv6 forms that carry an IPv4 address (IPv4-translated, NAT64
well-known and local-use, 6to4, Teredo, IPv4-compatible) are checked here
on a relay bound to ::1: each form of a loopback, private, link-local or
denied-peers host gets 403 on CreatePermission and ChannelBind, and the same
forms of public hosts get success.  Exits 77 (skipped) without ::1.
Usage: peer_policy6.py PORTICO"""

import os
import socket
import sys

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, have_ipv6)

portico = portico_arg()
if not have_ipv6():
    print('# skip: no ::1 on this machine')
    sys.exit(77)
# Every client comes from ::1: the per-source limit on unauthenticated
# answers would drop challenges this test counts on.
NORATE = 'unauthenticated-rate = 0'
RAF_V6 = (S.REQUESTED_ADDRESS_FAMILY, b'\x02\0\0\0')
servers = []


def err(r):
    return r.error_code if r.cls == S.ERROR else 'success'


def teredo(server, client):
    """2001:0:<server>:0:0:<client XOR ffffffff> (RFC 4380 section 4)."""
    s = socket.inet_aton(server)
    c = bytes(b ^ 0xff for b in socket.inet_aton(client))
    return socket.inet_ntop(socket.AF_INET6, b'\x20\x01\0\0' + s + b'\0' * 4 + c)


class Echo6(S.Echo):
    """stunclient.Echo on an IPv6 address."""

    def __init__(self, ip='::1', echo=True):
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.echo = echo

    @property
    def addr(self):
        return self.sock.getsockname()[:2]


def allocate6(srv, what):
    c = S.Client(('::1', srv.port))
    r = c.allocate(extra=[RAF_V6])
    relay = r.xor_addr(S.XOR_RELAYED_ADDRESS) if r.cls == S.SUCCESS else None
    check(relay is not None and relay[0] == '::1',
          '%s: Allocate with REQUESTED-ADDRESS-FAMILY IPv6 gets a relay on ::1' % what, r)
    return c, relay


# Refused by the default policy or by denied-peers = 198.51.100.0/24.
DENIED = [
    ('::ffff:0:127.0.0.1', 'IPv4-translated loopback (issue 17)'),
    ('::ffff:0:10.0.0.1', 'IPv4-translated private (issue 17)'),
    ('::ffff:0:169.254.169.254', 'IPv4-translated metadata service'),
    ('::ffff:0:0.0.0.0', 'IPv4-translated unspecified'),
    ('64:ff9b:1::7f00:1', 'local-use NAT64 loopback (issue 17)'),
    ('64:ff9b:1::a00:1', 'local-use NAT64 private (issue 17)'),
    ('64:ff9b:1:ab::c0a8:101', 'local-use NAT64 private, non-zero subnet'),
    ('64:ff9b::7f00:1', 'NAT64 loopback'),
    ('64:ff9b::a00:1', 'NAT64 private'),
    ('64:ff9b::a9fe:a9fe', 'NAT64 metadata service'),
    ('64:ff9b::e000:1', 'NAT64 multicast'),
    ('2002:7f00:1::1', '6to4 of loopback'),
    ('2002:a00:1::1', '6to4 of a private host'),
    ('2002:c0a8:101:1::5', '6to4 of 192.168.1.1'),
    ('2002:a9fe:a9fe::1', '6to4 of the metadata service'),
    (teredo('65.54.227.120', '127.0.0.1'), 'Teredo, loopback client'),
    (teredo('65.54.227.120', '10.0.0.1'), 'Teredo, private client'),
    (teredo('127.0.0.1', '8.8.8.8'), 'Teredo, loopback server'),
    (teredo('10.0.0.1', '8.8.8.8'), 'Teredo, private server'),
    ('::127.0.0.1', 'IPv4-compatible loopback'),
    ('::10.0.0.1', 'IPv4-compatible private'),
    ('::ffff:127.0.0.1', 'IPv4-mapped loopback (judged before the family)'),
    ('::1', 'IPv6 loopback'),
    ('::', 'IPv6 unspecified'),
    ('::2', 'reserved ::/112'),
    ('fe80::1', 'IPv6 link-local'),
    ('ff02::1', 'IPv6 multicast'),
    ('fd12:3456::1', 'unique local'),
    ('fec0::1', 'site-local'),
    ('100::1', 'discard-only'),
    ('2001:2::1', 'IPv6 benchmarking'),
    ('5f00::1', 'SRv6 SIDs'),
    ('4000::1', 'reserved (outside 2000::/3)'),
    ('64:ff9b::c633:6407', 'NAT64 of a denied-peers host (198.51.100.7)'),
    ('64:ff9b:1::c633:6407', 'local-use NAT64 of a denied-peers host'),
    ('::ffff:0:198.51.100.7', 'IPv4-translated denied-peers host'),
    ('2002:c633:6407::1', '6to4 of a denied-peers host'),
    (teredo('65.54.227.120', '198.51.100.7'), 'Teredo client in denied-peers'),
]

# Public hosts in every form: a relay on an IPv6 network reaches them.
ALLOWED = [
    ('2001:db8::1', 'public IPv6'),
    ('2606:4700::1111', 'public IPv6 (global unicast)'),
    ('::ffff:0:8.8.8.8', 'IPv4-translated public'),
    ('64:ff9b::808:808', 'NAT64 public'),
    ('64:ff9b::cb00:7105', 'NAT64 of 203.0.113.5 (not in denied-peers)'),
    ('64:ff9b:1::808:808', 'local-use NAT64 public'),
    ('2002:808:808::1', '6to4 public'),
    (teredo('65.54.227.120', '192.0.2.45'), 'Teredo public'),
    ('::8.8.8.8', 'IPv4-compatible public'),
    ('2001:1::2', 'TURN anycast'),
]

# ============================================== default policy, IPv6 relay
srv = Server(portico, v6=True, turn=['relay-address = ::1', 'denied-peers = 198.51.100.0/24',
                                     NORATE]).start()
servers.append(srv)
c, relay = allocate6(srv, 'IPv6 relay')

for ip, what in DENIED:
    r = c.create_permission([(ip, 3480)])
    check_eq(err(r), 403, 'IPv6 relay: CreatePermission to %s (%s) gets 403' % (ip, what))
for n, (ip, what) in enumerate(DENIED):
    r = c.channel_bind(0x4000 + n, (ip, 3480))
    check_eq(err(r), 403, 'IPv6 relay: ChannelBind to %s (%s) gets 403' % (ip, what))

for ip, what in ALLOWED:
    r = c.create_permission([(ip, 3480)])
    check_eq(err(r), 'success', 'IPv6 relay: CreatePermission to %s (%s) succeeds' % (ip, what))
for n, (ip, what) in enumerate(ALLOWED):
    r = c.channel_bind(0x4800 + n, (ip, 3480))
    check_eq(err(r), 'success', 'IPv6 relay: ChannelBind to %s (%s) succeeds' % (ip, what))

# An IPv4-mapped public peer is an IPv4 peer: 443 on an IPv6-only relay.
r = c.create_permission([('::ffff:8.8.8.8', 3480)])
check_eq(err(r), 443, 'IPv6 relay: CreatePermission to ::ffff:8.8.8.8 (an IPv4 peer) gets 443')
r = c.create_permission([('8.8.8.8', 3480)])
check_eq(err(r), 443, 'IPv6 relay: CreatePermission to 8.8.8.8 gets 443')
r = c.create_permission([('64:ff9b::808:808', 3480), ('64:ff9b:1::7f00:1', 3480)])
check_eq(err(r), 403, 'IPv6 relay: a public and a translated loopback peer together get 403 (all or nothing)')

check(srv.wait_log(r'CreatePermission refused: peer ::ffff:0:7f00:1 is not allowed '
                   r'\(loopback via IPv4-translated\): user=turnuser', 5),
      'log names the translated peer and what it carries')
check(srv.wait_log(r'refused: peer 64:ff9b:1::7f00:1 is not allowed \(loopback via local-use NAT64\)', 5),
      'log names the local-use NAT64 form')
check(srv.wait_log(r'refused: peer 64:ff9b::c633:6407 is not allowed \(listed in denied-peers\)', 5),
      'log: denied-peers caught through NAT64')

# Sends to refused forms are dropped; the relay stays alive and answers.
echo = Echo6()
for ip in ('64:ff9b:1::7f00:1', '::ffff:0:127.0.0.1', '::1'):
    c.send_indication((ip, echo.addr[1]), b'must not arrive via ' + ip.encode())
r = c.binding()      # barrier: the server handled the Sends before answering this
check(r.cls == S.SUCCESS, 'Binding after the Sends answered (server alive)', r)
check_eq(echo.drain(), [], 'Send indications to refused IPv6 forms are dropped')
srv.check_clean_stop('IPv6 relay server')

# ================= allowed-peers on an IPv6 relay: IPv6 ranges admit IPv6
srv2 = Server(portico, v6=True, turn=['relay-address = ::1', NORATE,
                                      'allowed-peers = ::1, 10.0.0.0/8, 64:ff9b::a00:0/120']).start()
servers.append(srv2)
c, relay = allocate6(srv2, 'allowed-peers')
echo = Echo6()
r = c.create_permission([echo.addr])
check_eq(err(r), 'success', 'allowed-peers = ::1: CreatePermission to [::1] succeeds')
r = c.channel_bind(0x4000, echo.addr)
check_eq(err(r), 'success', 'allowed-peers = ::1: ChannelBind to [::1] succeeds')
c.send_indication(echo.addr, b'v6 relay ok')
try:
    data, src = echo.recv(5)
    check_eq((data, src[:2]), (b'v6 relay ok', relay), 'Send to [::1] arrives from the IPv6 relay')
    check_eq(c.recv_data(5), ('channel', 0x4000, b'v6 relay ok'), 'its echo comes back on the channel')
except S.Timeout as e:
    check(False, 'Send to the allowed [::1] peer arrives and comes back', e)
r = c.create_permission([('64:ff9b::a00:1', 3480)])
check_eq(err(r), 'success', 'allowed-peers = 64:ff9b::a00:0/120 admits 64:ff9b::a00:1')
for ip, what in [('64:ff9b::a00:101', 'NAT64 of 10.0.1.1 (outside the listed /120)'),
                 ('::ffff:0:10.0.0.1', 'IPv4-translated 10.0.0.1 (10/8 admits IPv4 only)'),
                 ('64:ff9b:1::a00:1', 'local-use NAT64 of 10.0.0.1'),
                 ('2002:a00:1::1', '6to4 of 10.0.0.1'),
                 ('::2', 'reserved, not listed'),
                 ('fe80::1', 'link-local, never')]:
    r = c.create_permission([(ip, 3480)])
    check_eq(err(r), 403, 'allowed-peers still refuses %s (%s)' % (ip, what))
r = c.create_permission([('10.0.0.1', 3480)])
check_eq(err(r), 443, 'allowed-peers = 10.0.0.0/8: the IPv4 peer 10.0.0.1 is admitted, then 443 on the IPv6 relay')
srv2.check_clean_stop('IPv6 relay server with allowed-peers')

dump_log_on_failure(*servers)
finish()
