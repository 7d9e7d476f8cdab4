#!/usr/bin/env python3
"""turn-protocol: RFC 8656 behaviour of `portico turn`, message by message,
with the test's own client (stunclient.py).  Usage: protocol.py PORTICO"""

import os
import struct
import sys

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, have_ipv6)

portico = portico_arg()
# Every client here comes from 127.0.0.1: the server's per-source limit on
# unauthenticated answers (a reflection defence) would drop challenges and
# 400s this test counts on, so it is off.
NORATE = 'unauthenticated-rate = 0'
servers = []


def is_success(r):
    return r is not None and r.cls == S.SUCCESS


def err(r):
    return (r.cls, r.error_code) if r.cls == S.ERROR else (r.cls, None)


def in_range(port, rng):
    return rng[0] <= port <= rng[1]


def udp_allocated(srv, **kw):
    c = S.Client(srv.addr, 'udp', **kw)
    r = c.allocate()
    return c, r


# ======================================================= main server
srv = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE],
             users={'turnuser': 'cisco', 'other': 'secret'}, nports=60).start()
servers.append(srv)
key = S.long_term_key('turnuser', 'octavio.com', 'cisco')

# --- Binding, no auth needed by default
c = S.Client(srv.addr)
r = c.binding()
check(is_success(r), 'Binding answered with success', r)
check_eq(r.xor_addr(S.XOR_MAPPED_ADDRESS), c.local, 'Binding XOR-MAPPED-ADDRESS is the client address')
check(r.check_fingerprint() is True, 'Binding response carries a valid FINGERPRINT (request had one)')

# --- 401 challenge
r = c.challenge()
check_eq(err(r), (S.ERROR, 401), 'unauthenticated Allocate gets 401')
check_eq(r.get(S.REALM), b'octavio.com', '401 carries REALM')
check(r.get(S.NONCE) is not None and len(r.get(S.NONCE)) > 0, '401 carries a NONCE')
check(r.get(S.MESSAGE_INTEGRITY) is None, '401 carries no MESSAGE-INTEGRITY')

# --- Allocate
tid = S.new_tid()
alloc_req = S.build(S.ALLOCATE, S.REQUEST,
                    [(S.REQUESTED_TRANSPORT, bytes([17, 0, 0, 0])),
                     (S.USERNAME, b'turnuser'), (S.REALM, c.realm.encode()),
                     (S.NONCE, c.nonce.encode())], tid=tid, key=key)
r = c.transact(alloc_req, tid, retransmit=False)
check(is_success(r), 'authenticated Allocate succeeds', r)
relay = r.xor_addr(S.XOR_RELAYED_ADDRESS)
check(relay is not None and relay[0] == '127.0.0.1' and in_range(relay[1], srv.ports),
      'XOR-RELAYED-ADDRESS is 127.0.0.1 with a port in relay-ports %d-%d' % srv.ports, relay)
check_eq(r.u32(S.LIFETIME), 600, 'LIFETIME is 600 s by default')
check_eq(r.xor_addr(S.XOR_MAPPED_ADDRESS), c.local, 'Allocate response has XOR-MAPPED-ADDRESS')
check(r.check_integrity(key) is True, 'Allocate success carries a valid MESSAGE-INTEGRITY')
check(r.check_fingerprint() is True, 'Allocate success carries a valid FINGERPRINT')
first = r.raw

# retransmission: same bytes, same transaction id
r2 = c.transact(alloc_req, tid, retransmit=False)
check(r2.raw == first, 'retransmitted Allocate (same transaction id) gets a byte-identical response',
      r2)
# a new transaction on the same 5-tuple
r3 = c.allocate()
check_eq(err(r3), (S.ERROR, 437), 'second Allocate on the same 5-tuple (new transaction) gets 437')
check(r3.check_integrity(key) is True,
      'an error answering an authenticated request (437) carries a valid MESSAGE-INTEGRITY (RFC 8489 9.2.4)')

check(srv.wait_log(r'allocation created: user=turnuser client=udp:127\.0\.0\.1:%d relay=127\.0\.0\.1:%d lifetime=600s'
                   % (c.local[1], relay[1]), 10),
      'log: "allocation created" with user, client 5-tuple, relay, lifetime')

# --- Refresh lifetimes
r = c.refresh(7200)
check(is_success(r) and r.u32(S.LIFETIME) == 3600, 'Refresh asking 7200 s gets LIFETIME 3600 (the cap)', r)
r = c.refresh(60)
check(is_success(r) and r.u32(S.LIFETIME) == 600, 'Refresh asking 60 s gets LIFETIME 600 (the default)', r)
r = c.refresh()
check(is_success(r) and r.u32(S.LIFETIME) == 600, 'Refresh without LIFETIME gets 600', r)

c2 = S.Client(srv.addr)
r = c2.allocate(lifetime=7200)
check(is_success(r) and r.u32(S.LIFETIME) == 3600, 'Allocate asking 7200 s gets LIFETIME 3600', r)
c2b = S.Client(srv.addr)
r = c2b.allocate(lifetime=0)
check(is_success(r) and r.u32(S.LIFETIME) == 600, 'Allocate asking 0 s gets LIFETIME 600 (the default)', r)
c2b.refresh(0)

# --- Allocate errors
c3 = S.Client(srv.addr)
r = c3.allocate(transport=None)
check_eq(err(r), (S.ERROR, 400), 'Allocate without REQUESTED-TRANSPORT gets 400')
r = c3.allocate(transport=S.PROTO_TCP)
check_eq(err(r), (S.ERROR, 442), 'Allocate with REQUESTED-TRANSPORT TCP gets 442')
r = c3.allocate(extra=[(0x0031, b'\x00\x01\x02\x03')])
check_eq(err(r), (S.ERROR, 420), 'Allocate with unknown comprehension-required attribute 0x0031 gets 420')
check_eq(r.unknown_attributes(), [0x0031], '420 lists 0x0031 in UNKNOWN-ATTRIBUTES')
r = c3.allocate(extra=[(0xC031, b'\x00\x01\x02\x03')])
check(is_success(r), 'an unknown comprehension-optional attribute (0xC031) is ignored: Allocate succeeds', r)
r = c3.allocate(token=b'12345678', even_port=True)
check_eq(err(r), (S.ERROR, 437), 'Allocate on a 5-tuple with an allocation: 437 before anything else')
c3.refresh(0)

# --- address families (RFC 8656 7.2, RFC 6156): this relay is IPv4 only
RAF, AAF, AEC = S.REQUESTED_ADDRESS_FAMILY, 0x8000, 0x8001
cf = S.Client(srv.addr)
r = cf.allocate(extra=[(RAF, b'\x02\0\0\0')])
check_eq(err(r), (S.ERROR, 440), 'REQUESTED-ADDRESS-FAMILY IPv6 on an IPv4-only server gets 440')
r = cf.allocate(extra=[(RAF, b'\x01\0\0\0'), (AAF, b'\x02\0\0\0')])
check_eq(err(r), (S.ERROR, 400), 'REQUESTED-ADDRESS-FAMILY with ADDITIONAL-ADDRESS-FAMILY gets 400')
r = cf.allocate(extra=[(AAF, b'\x01\0\0\0')])
check_eq(err(r), (S.ERROR, 400), 'ADDITIONAL-ADDRESS-FAMILY IPv4 gets 400')
r = cf.allocate(extra=[(AAF, b'\x02\0\0\0')])
aec = r.get(AEC) if is_success(r) else None
check(is_success(r) and r.xor_addr(S.XOR_RELAYED_ADDRESS)[0] == '127.0.0.1' and aec is not None
      and aec[0] == 0x02 and (aec[2] & 7) * 100 + aec[3] == 440,
      'ADDITIONAL-ADDRESS-FAMILY IPv6 on an IPv4-only server: IPv4 relay plus ADDRESS-ERROR-CODE 440 for IPv6', r)
if is_success(r):
    cf.refresh(0)
cf2 = S.Client(srv.addr)
r = cf2.allocate(extra=[(RAF, b'\x01\0\0\0')])
check(is_success(r), 'REQUESTED-ADDRESS-FAMILY IPv4 succeeds', r)
cf2.refresh(0)

# --- Refresh without allocation, then Refresh 0
c4 = S.Client(srv.addr)
r = c4.refresh()
check_eq(err(r), (S.ERROR, 437), 'Refresh without an allocation gets 437')
r = c4.allocate()
check(is_success(r), 'Allocate for the Refresh-0 test', r)
r = c4.refresh(0)
check(is_success(r) and r.u32(S.LIFETIME) == 0, 'Refresh with LIFETIME 0 succeeds with LIFETIME 0', r)
r = c4.refresh()
check_eq(err(r), (S.ERROR, 437), 'after Refresh 0 the allocation is gone: next Refresh gets 437')
check(srv.wait_log(r'allocation deleted \(client refreshed with lifetime 0\): user=turnuser client=udp:127\.0\.0\.1:%d .*'
                   r'client-to-peer=\d+ packets/\d+ bytes peer-to-client=\d+ packets/\d+ bytes' % c4.local[1], 10),
      'log: "allocation deleted" with the reason and byte counts')

# --- 441: other credentials on an existing allocation's 5-tuple
okey = S.long_term_key('other', 'octavio.com', 'secret')
r = c.request(S.REFRESH, [], user='other', key=okey)
check_eq(err(r), (S.ERROR, 441), 'Refresh with another user\'s valid credentials on the allocation gets 441')
r = c.refresh()
check(is_success(r), 'the owner can still refresh', r)

# --- permissions, Send and Data indications
echo = S.Echo('127.0.0.1')
r = c.create_permission([])
check_eq(err(r), (S.ERROR, 400), 'CreatePermission without XOR-PEER-ADDRESS gets 400')
r = c.create_permission([echo.addr])
check(is_success(r), 'CreatePermission to 127.0.0.1 (allowed-peers lists loopback) succeeds', r)
c.send_indication(echo.addr, b'hello peer')
try:
    data, src = echo.recv(5)
    check_eq(data, b'hello peer', 'Send indication: the peer receives the data')
    check_eq(src, relay, 'the peer sees the relayed address as the source')
    kind, peer, payload = c.recv_data(5)
    check_eq((kind, peer, payload), ('data', echo.addr, b'hello peer'),
             'the echo comes back as a Data indication with XOR-PEER-ADDRESS of the peer')
except S.Timeout as e:
    check(False, 'Send/Data indication round trip', e)

# a peer without permission cannot reach the client (per IP: 127.0.0.3 has none)
stranger = S.Echo('127.0.0.3')
stranger.sock.sendto(b'unsolicited', relay)
echo.sock.sendto(b'solicited', relay)
try:
    kind, peer, payload = c.recv_data(5)
    check_eq(payload, b'solicited', 'a peer without permission is not relayed (the permitted one is)')
except S.Timeout as e:
    check(False, 'permitted peer data after a stranger\'s', e)
c.send_indication(stranger.addr, b'no permission')
r = c.binding()     # barrier: the Send before it was handled
check(is_success(r), 'Binding on an allocated 5-tuple still answered', r)
check_eq(stranger.drain(), [], 'a Send indication to a peer without permission is dropped')

# --- channels
r = c.channel_bind(0x4001, echo.addr)
check(is_success(r), 'ChannelBind 0x4001 succeeds', r)
c.send_channel(0x4001, b'over channel')
try:
    data, src = echo.recv(5)
    check_eq(data, b'over channel', 'ChannelData 0x4001 reaches the peer')
    kind, num, payload = c.recv_data(5)
    check_eq((kind, num, payload), ('channel', 0x4001, b'over channel'),
             'the echo comes back as ChannelData on 0x4001')
except S.Timeout as e:
    check(False, 'ChannelData round trip', e)

r = c.channel_bind(0x5000, (echo.addr[0], echo.addr[1] + 1))
check_eq(err(r), (S.ERROR, 400), 'ChannelBind 0x5000 with legacy-channels off gets 400 (RFC 8656: 0x4000-0x4FFF)')
r = c.channel_bind(0x3FFF, (echo.addr[0], echo.addr[1] + 1))
check_eq(err(r), (S.ERROR, 400), 'ChannelBind 0x3FFF gets 400')
r = c.channel_bind(0x4001, stranger.addr)
check_eq(err(r), (S.ERROR, 400), 'ChannelBind of bound number 0x4001 to a different peer gets 400')
r = c.channel_bind(0x4002, echo.addr)
check_eq(err(r), (S.ERROR, 400), 'ChannelBind of an already bound peer to another number gets 400')
r = c.channel_bind(0x4001, echo.addr)
check(is_success(r), 'ChannelBind refresh (same number, same peer) succeeds', r)
tid = S.new_tid()
cb = S.build(S.CHANNEL_BIND, S.REQUEST,
             [(S.CHANNEL_NUMBER, struct.pack('!HH', 0x4001, 0)),
              (S.XOR_PEER_ADDRESS, S.xor_address(echo.addr[0], echo.addr[1], tid)),
              (S.USERNAME, b'turnuser'), (S.REALM, c.realm.encode()), (S.NONCE, c.nonce.encode())],
             tid=tid, key=key)
r1 = c.transact(cb, tid, retransmit=False)
r2 = c.transact(cb, tid, retransmit=False)
check(is_success(r1) and r1.raw == r2.raw,
      'retransmitted ChannelBind (same transaction id) gets a byte-identical success', (r1, r2))
c.send_raw(S.build(S.SEND, S.INDICATION, [c.peer_attr(echo.addr[0], echo.addr[1], b'\0' * 12)]))
r = c.binding()
check(is_success(r) and echo.drain() == [], 'a Send indication without DATA is dropped', r)
r = c.channel_bind(0x4FFF, stranger.addr)
check(is_success(r), 'ChannelBind 0x4FFF (top of the RFC 8656 range) succeeds', r)
echo.drain()
stranger.drain()

# --- TCP: ChannelData with padding, several frames per segment, big Send
t = S.Client(srv.addr, 'tcp')
r = t.allocate()
check(is_success(r), 'Allocate over TCP succeeds', r)
trelay = r.xor_addr(S.XOR_RELAYED_ADDRESS) if is_success(r) else None
r = t.channel_bind(0x4003, echo.addr)
check(is_success(r), 'ChannelBind over TCP succeeds', r)
for n in (5, 1, 2, 3, 4, 7):
    payload = bytes(range(65, 65 + n))
    t.send_channel(0x4003, payload)          # padded to 4 on the stream
    try:
        data, src = echo.recv(5)
        check_eq(data, payload, 'TCP ChannelData of %d bytes (padded) reaches the peer unpadded' % n)
        kind, num, got = t.recv_data(5)
        check_eq((num, got), (0x4003, payload), 'echo of %d bytes comes back as ChannelData over TCP' % n)
    except S.Timeout as e:
        check(False, 'TCP ChannelData round trip of %d bytes' % n, e)
raw = t.conn.buf
check_eq(len(raw) % 4, 0, 'TCP stream stays 4-aligned (server pads ChannelData)')

# two ChannelData frames and a Refresh in one TCP segment
tid = S.new_tid()
refresh = S.build(S.REFRESH, S.REQUEST, [(S.USERNAME, b'turnuser'), (S.REALM, t.realm.encode()),
                                        (S.NONCE, t.nonce.encode())], tid=tid, key=key)
t.send_raw(S.channel_data(0x4003, b'abc', True) + S.channel_data(0x4003, b'defgh', True) + refresh)
try:
    got = sorted([echo.recv(5)[0], echo.recv(5)[0]])
    check_eq(got, [b'abc', b'defgh'], 'two padded ChannelData frames in one TCP segment both relayed')
except S.Timeout as e:
    check(False, 'two ChannelData frames in one segment', e)
try:
    resp = None
    while resp is None:
        f = t.recv_frame(5)
        if f is None:
            break
        if not S.is_channel_data(f) and f[8:20] == tid:
            resp = S.parse(f)
    check(is_success(resp), 'a Refresh following ChannelData in the same segment is answered', resp)
except S.Timeout as e:
    check(False, 'Refresh after ChannelData in one segment', e)
t.pending = []

# A Send indication larger than 4096 bytes over TCP (legal: up to 64 KB frames)
big = os.urandom(4500)
r = t.create_permission([echo.addr])
check(is_success(r), 'CreatePermission over TCP succeeds', r)
echo.drain()
try:
    t.send_indication(echo.addr, big)
    data, src = echo.sock.recvfrom(65535) if S.select.select([echo.sock], [], [], 5)[0] else (None, None)
    check(data == big, 'a 4500-byte Send indication over TCP reaches the peer intact',
          'peer got %s' % (None if data is None else '%d bytes' % len(data)))
    r = t.refresh()
    check(is_success(r), 'the TCP connection still serves requests after a 4500-byte frame', r)
except (S.Timeout, S.StunError, OSError) as e:
    check(False, 'TCP connection survives a 4500-byte Send indication', e)
echo.drain()

t.close()

# closing the TCP connection deletes its allocation (RFC 8656 5)
t2 = S.Client(srv.addr, 'tcp')
r = t2.allocate()
check(is_success(r), 'second Allocate over TCP succeeds', r)
if is_success(r):
    tport, t2relay = t2.local[1], r.xor_addr(S.XOR_RELAYED_ADDRESS)
    t2.close()
    check(srv.wait_log(r'allocation deleted \(client closed the TCP connection\): user=turnuser '
                       r'client=tcp:127\.0\.0\.1:%d relay=127\.0\.0\.1:%d' % (tport, t2relay[1]), 10),
          'closing the TCP connection deletes its allocation (logged with the reason)')

# --- EVEN-PORT and RESERVATION-TOKEN
e1 = S.Client(srv.addr)
r = e1.allocate(even_port=True)
check(is_success(r), 'Allocate with EVEN-PORT (R bit) succeeds', r)
if is_success(r):
    p = r.xor_addr(S.XOR_RELAYED_ADDRESS)[1]
    token = r.get(S.RESERVATION_TOKEN)
    check(p % 2 == 0, 'EVEN-PORT: the relayed port is even', p)
    check(token is not None and len(token) == 8, 'EVEN-PORT with R: RESERVATION-TOKEN of 8 bytes', token)
    e2 = S.Client(srv.addr)
    r = e2.allocate(token=token, even_port=True)
    check_eq(err(r), (S.ERROR, 400), 'Allocate with both RESERVATION-TOKEN and EVEN-PORT gets 400')
    r = e2.allocate(token=token)
    check(is_success(r) and r.xor_addr(S.XOR_RELAYED_ADDRESS)[1] == p + 1,
          'Allocate with the RESERVATION-TOKEN gets port+1 (%d)' % (p + 1),
          r.xor_addr(S.XOR_RELAYED_ADDRESS) if is_success(r) else r)
    e3 = S.Client(srv.addr)
    r = e3.allocate(token=token)
    check(r.cls == S.ERROR and r.error_code in (508,),
          'a used RESERVATION-TOKEN cannot be used again (508)', r)
r = S.Client(srv.addr).allocate(even_port=False)
check(is_success(r) and r.xor_addr(S.XOR_RELAYED_ADDRESS)[1] % 2 == 0
      and r.get(S.RESERVATION_TOKEN) is None,
      'EVEN-PORT without R: even port, no RESERVATION-TOKEN', r)

check(srv.alive(), 'main server still running')
srv.check_clean_stop('main server')

# ============================= external-address, quota, binding auth
srv2 = Server(portico, turn=['external-address = 203.0.113.10', 'user-quota = 2', 'total-quota = 3',
                             'max-permissions = 2',
                             'binding-requires-auth = yes', 'allowed-peers = 127.0.0.0/8', NORATE],
              users={'turnuser': 'cisco', 'other': 'secret'}, nports=20).start()
servers.append(srv2)
b = S.Client(srv2.addr)
r = b.binding()
check_eq(err(r), (S.ERROR, 401), 'binding-requires-auth = yes: unauthenticated Binding gets 401')
check(r.get(S.REALM) is not None and r.get(S.NONCE) is not None, 'that 401 carries REALM and NONCE')
b.learn_challenge(r)
r = b.request(S.BINDING, [])
check(is_success(r) and r.xor_addr(S.XOR_MAPPED_ADDRESS) == b.local,
      'binding-requires-auth = yes: authenticated Binding succeeds', r)

q = [S.Client(srv2.addr) for _ in range(4)]
r = q[0].allocate()
check(is_success(r) and r.xor_addr(S.XOR_RELAYED_ADDRESS)[0] == '203.0.113.10'
      and in_range(r.xor_addr(S.XOR_RELAYED_ADDRESS)[1], srv2.ports),
      'external-address: XOR-RELAYED-ADDRESS shows 203.0.113.10 with the relay port', r)
r = q[1].allocate()
check(is_success(r), 'user-quota = 2: second allocation succeeds', r)
r = q[2].allocate()
check_eq(err(r), (S.ERROR, 486), 'user-quota = 2: third allocation gets 486')
check(srv2.wait_log(r'quota reached', 10), 'log names the quota')
qo = S.Client(srv2.addr, user='other', password='secret')
r = qo.allocate()
check(is_success(r), 'user-quota is per user: another user still allocates', r)
r = q[0].refresh(0)
check(is_success(r), 'Refresh 0 frees one of the quota', r)
r = q[2].allocate()
# (RFC 8656 7.3: the allocation is deleted when Refresh 0 is answered, so an
# Allocate sent after that answer must not meet its quota or port)
q2_ok = is_success(r)
check(q2_ok, 'after a Refresh 0 was answered, the user allocates again at once', r)
check(srv2.wait_log(r'allocation created: user=turnuser .* relay=203\.0\.113\.10:\d+', 10),
      'log shows the advertised (external) relay address')
live = 2 + (1 if q2_ok else 0)       # q[1], qo, and q[2] if it got one
results = []
for i in range(4 - live):
    r = S.Client(srv2.addr, user='other', password='secret').allocate()
    results.append(r)
    if not is_success(r):
        break
check(len(results) == 4 - live and all(is_success(x) for x in results[:-1])
      and results[-1].cls == S.ERROR and results[-1].error_code in (486, 508),
      'total-quota = 3: the fourth live allocation (another user\'s) is refused with 508 or 486', results)
check(srv2.wait_log(r'total-quota', 10), 'log names total-quota')
r = q[1].create_permission([('127.0.0.2', 9)])
check(is_success(r), 'max-permissions = 2: first permission', r)
r = q[1].create_permission([('127.0.0.3', 9)])
check(is_success(r), 'max-permissions = 2: second permission', r)
r = q[1].create_permission([('127.0.0.4', 9)])
check(r.cls == S.ERROR and r.error_code in (508, 486, 403),
      'max-permissions = 2: a third peer address is refused', r)
r = q[1].create_permission([('127.0.0.2', 10)])
check(is_success(r), 'max-permissions = 2: refreshing an existing permission (any port) succeeds', r)
srv2.check_clean_stop('external/quota server')

# ======= Refresh 0 releases the quota before it is answered (RFC 8656 7.3)
srv5 = Server(portico, turn=['user-quota = 1', 'workers = 2', NORATE]).start()
servers.append(srv5)
refused = []
for i in range(150):
    a = S.Client(srv5.addr)
    b = S.Client(srv5.addr)          # another 5-tuple: often another worker
    b.challenge()                    # b has its nonce: its Allocate goes at once
    ra = a.allocate()
    if is_success(ra):
        a.refresh(0)
    rb = b.allocate()
    if not is_success(rb):
        refused.append((i, rb))
    else:
        b.refresh(0)
    a.close()
    b.close()
check(not refused, 'user-quota = 1: 150 times, an Allocate sent after the previous allocation\'s Refresh 0 '
      'was answered succeeds', refused[:3])
srv5.check_clean_stop('user-quota = 1 server')

# ===================================================== port exhaustion
srv3 = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE], nports=10).start()
servers.append(srv3)
clients, ports = [], []
for i in range(10):
    cl = S.Client(srv3.addr)
    r = cl.allocate()
    clients.append(cl)
    if is_success(r):
        ports.append(r.xor_addr(S.XOR_RELAYED_ADDRESS)[1])
check_eq(len(ports), 10, 'relay-ports of 10 ports: 10 allocations succeed')
check(sorted(ports) == list(range(srv3.ports[0], srv3.ports[1] + 1)),
      'they use each port of the range once', sorted(ports))
extra = S.Client(srv3.addr)
r = extra.allocate()
check_eq(err(r), (S.ERROR, 508), 'the 11th allocation gets 508 Insufficient Capacity')
r = extra.binding()
check(is_success(r), 'after 508 the server still answers Binding', r)
r = clients[0].refresh()
check(is_success(r), 'after 508 an existing allocation is still refreshed', r)
r = clients[1].refresh(0)
check(is_success(r), 'Refresh 0 releases a port', r)
r = extra.allocate()
check(is_success(r) and r.xor_addr(S.XOR_RELAYED_ADDRESS)[1] == ports[1],
      'the released port is allocated again', r)
srv3.check_clean_stop('10-port server')

# ================================= IPv6 clients, IPv4 relay (RFC 6156)
if not have_ipv6():
    print('# skip: no ::1 on this machine, IPv6 client checks not run')
else:
    srv4 = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE], v6=True).start()
    servers.append(srv4)
    echo = S.Echo('127.0.0.1')
    for proto in ('udp', 'tcp'):
        c6 = S.Client(('::1', srv4.port), proto)
        r = c6.binding()
        check(is_success(r) and r.xor_addr(S.XOR_MAPPED_ADDRESS) == c6.local,
              'IPv6 %s client: Binding XOR-MAPPED-ADDRESS is [::1]:port (IPv6 XOR with the transaction id)'
              % proto.upper(), r)
        r = c6.allocate()
        rel = r.xor_addr(S.XOR_RELAYED_ADDRESS) if is_success(r) else None
        check(rel is not None and rel[0] == '127.0.0.1' and r.xor_addr(S.XOR_MAPPED_ADDRESS) == c6.local,
              'IPv6 %s client: Allocate gives an IPv4 relay and the IPv6 mapped address' % proto.upper(), r)
        r = c6.create_permission([echo.addr])
        check(is_success(r), 'IPv6 %s client: CreatePermission to an IPv4 peer' % proto.upper(), r)
        c6.send_indication(echo.addr, b'from ipv6 ' + proto.encode())
        try:
            data, src = echo.recv(5)
            got = c6.recv_data(5)
            check(data == b'from ipv6 ' + proto.encode() and src == rel and got[1] == echo.addr,
                  'IPv6 %s client: Send/Data round trip through the IPv4 relay' % proto.upper(), (data, src, got))
        except S.StunError as e:
            check(False, 'IPv6 %s client: Send/Data round trip' % proto.upper(), e)
        c6.close()
    check(srv4.wait_log(r'allocation created: user=turnuser client=udp:\[::1\]:\d+ relay=127\.0\.0\.1:\d+', 5),
          'log: IPv6 client 5-tuple written [::1]:port')
    srv4.check_clean_stop('IPv6-listening server')

dump_log_on_failure(*servers)
finish()
