#!/usr/bin/env python3
"""turn-hostile: malformed and hostile input over UDP and TCP.  The server
must answer 400 where a request's header is sound, drop what is not a
request it can answer, never crash, keep serving, and stop cleanly with no
sanitizer report (the test build runs under ASan+UBSan, leaks detected).

"No answer" is established without timing: after each probe the same
socket sends a valid Binding; the server handles a 5-tuple's datagrams in
order, so whatever arrives before the Binding's response answers the probe.
Usage: hostile.py PORTICO"""

import os
import random
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, fatal)

portico = portico_arg()
# Every client here comes from 127.0.0.1: the server's per-source limit on
# unauthenticated answers (a reflection defence) would drop challenges and
# 400s this test counts on, so it is off.
NORATE = 'unauthenticated-rate = 0'
seed = int(os.environ.get('TURN_HOSTILE_SEED', '0')) or random.randrange(1, 1 << 30)
print('# random seed %d (set TURN_HOSTILE_SEED to replay)' % seed)
rng = random.Random(seed)

srv = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE]).start()
key = S.long_term_key('turnuser', 'octavio.com', 'cisco')


def header(method=S.BINDING, cls=S.REQUEST, length=0, tid=None, cookie=S.MAGIC):
    return struct.pack('!HHI', S.msg_type(method, cls), length, cookie) + (tid or S.new_tid())


def with_len(body, method=S.BINDING, cls=S.REQUEST, length=None, tid=None):
    return header(method, cls, len(body) if length is None else length, tid) + body


def answers_before_barrier(cl, payload):
    """Send payload, then a Binding; return the frames received before the
    Binding's response (None if the barrier got no answer: server dead)."""
    cl.send_raw(payload)
    tid = S.new_tid()
    cl.send_raw(S.build(S.BINDING, S.REQUEST, tid=tid))
    got = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            f = cl.conn.recv_frame(deadline - time.monotonic())
        except S.Timeout:
            return None
        if f is None:
            return got + ['closed']
        if len(f) >= 20 and f[8:20] == tid:
            return got
        got.append(f)
    return None


def is_400_for(f, payload):
    try:
        m = S.parse(f)
    except S.StunError:
        return False
    return m.cls == S.ERROR and m.error_code == 400 and m.tid == payload[8:20]


def expect(cl, name, payload, want):
    """want: 'drop' (no answer), '400' (exactly one 400 for this transaction),
    'drop-or-400'."""
    got = answers_before_barrier(cl, payload)
    if got is None:
        check(False, '%s: server still answers a Binding afterwards' % name, 'no answer to the barrier')
        if not srv.alive():
            fatal('the server died after: %s' % name)
        return
    if want == 'drop':
        check(got == [], '%s: dropped (no answer)' % name, got)
    elif want == '400':
        check(len(got) == 1 and is_400_for(got[0], payload), '%s: answered 400' % name, got)
    else:
        check(got == [] or (len(got) == 1 and is_400_for(got[0], payload)),
              '%s: dropped or answered 400' % name, got)


def fp_attr_for(msg_wo_fp):
    """FINGERPRINT attribute for msg_wo_fp whose length field already covers it."""
    crc = (S.zlib.crc32(msg_wo_fp) & 0xFFFFFFFF) ^ 0x5354554E
    return S.attr(S.FINGERPRINT, struct.pack('!I', crc))


def cases():
    """(name, payload, expectation)"""
    soft = S.attr(S.SOFTWARE, b'test')
    out = []
    good = S.build(S.BINDING, S.REQUEST)
    # --- not answerable: no sound header
    out += [('empty datagram', b'', 'drop'),
            ('1 byte', b'\x00', 'drop'),
            ('truncated header (8 bytes)', good[:8], 'drop'),
            ('truncated header (19 bytes)', good[:19], 'drop'),
            ('bad magic cookie', header(cookie=0xDEADBEEF), 'drop'),
            ('top bits 11', b'\xc0\x01' + good[2:], 'drop'),
            ('top bits 10', b'\x80\x01' + good[2:], 'drop')]
    # --- length lies (RFC 8489 6.3 says discard; a 400 is tolerated)
    out += [('length field longer than the datagram', with_len(soft, length=len(soft) + 40), 'drop-or-400'),
            ('length field shorter than the datagram', with_len(soft + soft, length=len(soft)), 'drop-or-400'),
            ('length field 0xFFFC on a short datagram', with_len(soft, length=0xFFFC), 'drop-or-400'),
            ('length not a multiple of 4', with_len(soft[:-1]), 'drop-or-400'),
            ('length 2 with 2 bytes', with_len(b'\x80\x22'), 'drop-or-400')]
    # --- sound header, malformed body: 400
    out += [('attribute length overruns the message',
             with_len(struct.pack('!HH', S.SOFTWARE, 200) + b'abcd'), '400'),
            ('attribute length 0xFFFF', with_len(struct.pack('!HH', S.SOFTWARE, 0xFFFF) + b'abcd'), '400'),
            ('attribute header cut (4-byte body of 2 headers)', with_len(soft + b'\x80\x22\x00\x08'), '400'),
            ('unpadded attribute at the end', with_len(soft + struct.pack('!HH', S.SOFTWARE, 3) + b'abc'), 'drop-or-400'),
            ('200 attributes', with_len(soft * 200), '400'),
            ('200 unknown comprehension-required attributes',
             with_len(b''.join(S.attr(0x0040 + i, b'') for i in range(200))), '400')]
    tid = S.new_tid()
    body = soft
    hdr = header(length=len(body) + 8 + len(soft), tid=tid)
    fp = fp_attr_for(hdr[:2] + struct.pack('!H', len(body) + 8) + hdr[4:] + body)
    out.append(('FINGERPRINT not last', hdr + body + fp + soft, '400'))
    m = bytearray(S.build(S.BINDING, S.REQUEST))
    m[-1] ^= 0xFF
    out.append(('bad FINGERPRINT', bytes(m), 'drop'))
    two_fp = S.build(S.BINDING, S.REQUEST)
    t2 = bytearray(two_fp[:-8] + two_fp[-8:] * 2)
    struct.pack_into('!H', t2, 2, len(t2) - 20)
    out.append(('two FINGERPRINTs', bytes(t2), 'drop-or-400'))
    # --- not requests: never answered
    out += [('indication with overrun attribute',
             with_len(struct.pack('!HH', S.DATA_ATTR, 500) + b'abcd', method=S.SEND, cls=S.INDICATION), 'drop'),
            ('Send indication without allocation', S.build(S.SEND, S.INDICATION,
                                                           [(S.DATA_ATTR, b'x')]), 'drop'),
            ('success response sent to the server', S.build(S.BINDING, S.SUCCESS), 'drop'),
            ('error response sent to the server', S.build(S.ALLOCATE, S.ERROR,
                                                          [(S.ERROR_CODE, b'\0\0\x04\x00')]), 'drop'),
            ('Data indication sent to the server', S.build(S.DATA, S.INDICATION, [(S.DATA_ATTR, b'x')]), 'drop'),
            ('unknown method request (0x0FF)', S.build(0x0FF, S.REQUEST), 'drop-or-400')]
    # --- ChannelData without allocation / lying
    out += [('ChannelData without allocation', S.channel_data(0x4000, b'abcd'), 'drop'),
            ('ChannelData length longer than datagram', struct.pack('!HH', 0x4000, 1000) + b'abcd', 'drop'),
            ('ChannelData 3-byte header', b'\x40\x00\x00', 'drop'),
            ('ChannelData reserved number 0x7FFF', struct.pack('!HH', 0x7FFF, 4) + b'abcd', 'drop')]
    return out


# ================================================================ UDP
u = S.Client(srv.addr, 'udp')
for name, payload, want in cases():
    expect(u, 'UDP ' + name, payload, want)

# ChannelData lies on a real channel: relayed exactly as claimed or dropped
r = u.allocate()
check(r.cls == S.SUCCESS, 'Allocate for the ChannelData cases', r)
echo = S.Echo('127.0.0.1', echo=False)
r = u.channel_bind(0x4000, echo.addr)
check(r.cls == S.SUCCESS, 'ChannelBind for the ChannelData cases', r)
expect(u, 'UDP ChannelData claiming 100 bytes, carrying 8', struct.pack('!HH', 0x4000, 100) + b'12345678', 'drop')
check_eq(echo.drain(), [], 'the lying ChannelData did not reach the peer')
expect(u, 'UDP ChannelData claiming 3 bytes, carrying 8', struct.pack('!HH', 0x4000, 3) + b'12345678', 'drop')
check_eq([d for d, _ in echo.drain()], [b'123'], 'ChannelData with trailing bytes: the claimed 3 bytes are relayed')
expect(u, 'UDP ChannelData on an unbound channel', S.channel_data(0x4001, b'abcd'), 'drop')
check_eq(echo.drain(), [], 'ChannelData on an unbound channel not relayed')
expect(u, 'UDP Send indication with a truncated XOR-PEER-ADDRESS',
       S.build(S.SEND, S.INDICATION, [(S.XOR_PEER_ADDRESS, b'\x00\x01\x12'), (S.DATA_ATTR, b'x')]), 'drop')
expect(u, 'UDP Send indication with an IPv6 XOR-PEER-ADDRESS of IPv4 length',
       S.build(S.SEND, S.INDICATION, [(S.XOR_PEER_ADDRESS, b'\x00\x02\x12\x34\x01\x02\x03\x04'),
                                      (S.DATA_ATTR, b'x')]), 'drop')
# Malformed attributes inside authenticated requests of the allocation
for name, attrs, method in [
        ('CreatePermission with a 3-byte XOR-PEER-ADDRESS', [(S.XOR_PEER_ADDRESS, b'\x00\x01\x00')], S.CREATE_PERMISSION),
        ('CreatePermission with family 7', [(S.XOR_PEER_ADDRESS, b'\x00\x07\x00\x00\x01\x02\x03\x04')], S.CREATE_PERMISSION),
        ('ChannelBind with a 2-byte CHANNEL-NUMBER', [(S.CHANNEL_NUMBER, b'\x40\x00'),
                                                      (S.XOR_PEER_ADDRESS, S.xor_address('127.0.0.1', 9, b'\0' * 12))],
         S.CHANNEL_BIND),
        ('Refresh with a 2-byte LIFETIME', [(S.LIFETIME, b'\x00\x01')], S.REFRESH)]:
    r = u.request(method, attrs)
    check(r.cls == S.ERROR and r.error_code == 400, 'UDP %s: answered 400' % name, r)
echo.close()

# Mutations of a valid authenticated Allocate and a ChannelBind (memory safety under ASan)
base = [S.build(S.ALLOCATE, S.REQUEST, [(S.REQUESTED_TRANSPORT, b'\x11\0\0\0'), (S.LIFETIME, b'\0\0\0\x10'),
                                        (S.USERNAME, b'turnuser'), (S.REALM, b'octavio.com'),
                                        (S.NONCE, u.nonce.encode())], key=key),
        S.build(S.CHANNEL_BIND, S.REQUEST, [(S.CHANNEL_NUMBER, b'\x40\x02\0\0'),
                                            (S.XOR_PEER_ADDRESS, S.xor_address('127.0.0.1', 9, b'\0' * 12)),
                                            (S.USERNAME, b'turnuser'), (S.REALM, b'octavio.com'),
                                            (S.NONCE, u.nonce.encode())], key=key)]
m = S.Client(srv.addr, 'udp')
for i in range(400):
    b = bytearray(rng.choice(base))
    for _ in range(rng.randint(1, 6)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    if rng.random() < 0.3:
        b = b[:rng.randrange(len(b) + 1)]
    m.send_raw(bytes(b))
for i in range(300):
    n = rng.randrange(0, 1400)
    m.send_raw(bytes(rng.randrange(256) for _ in range(n)))
r = m.binding(timeout=10)
check(r.cls == S.SUCCESS, 'after 700 mutated and random datagrams a Binding is answered', r)
# a valid-header request with a random body
for i in range(200):
    body = bytes(rng.randrange(256) for _ in range(4 * rng.randrange(0, 60)))
    m.send_raw(with_len(body, method=rng.choice([S.BINDING, S.ALLOCATE, S.REFRESH, S.CREATE_PERMISSION,
                                                 S.CHANNEL_BIND])))
r = m.binding(timeout=10)
check(r.cls == S.SUCCESS, 'after 200 sound headers with random bodies a Binding is answered', r)

# ================================================================ TCP
t = S.Client(srv.addr, 'tcp')
for name, payload, want in cases():
    if len(payload) < 20 or want == 'drop-or-400' or payload[0] >= 0x80 or name.startswith('bad magic'):
        continue    # these break TCP framing: covered below, one connection each
    if name.startswith('ChannelData'):
        continue
    expect(t, 'TCP ' + name, payload, want)


def tcp_case(name, payload, close_after=False):
    """One connection: send payload; the server may close it or keep it; it
    must not answer anything but a 400 and must still serve new connections."""
    s = socket.create_connection(srv.addr, timeout=10)
    try:
        s.sendall(payload)
    except OSError:
        pass        # the server may close as soon as it sees the frame is bad
    if close_after:
        s.close()
    else:
        data = b''
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass        # already reset by the server: fine
        s.settimeout(10)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
        except socket.timeout:
            data += b'<timeout>'
        except OSError:
            pass
        s.close()
        # whatever came back must be 400s (or nothing)
        ok, pos = True, 0
        while pos + 20 <= len(data):
            ln = struct.unpack('!H', data[pos + 2:pos + 4])[0]
            try:
                mm = S.parse(data[pos:pos + 20 + ln])
                ok = ok and mm.cls == S.ERROR and mm.error_code == 400
            except S.StunError:
                ok = False
            pos += 20 + ln
        ok = ok and (pos == len(data) or data.endswith(b'<timeout>'))
        check(ok, 'TCP %s: nothing but 400 sent back' % name, data[:80])
    c = S.Client(srv.addr, 'tcp')
    try:
        r = c.binding(timeout=10)
        check(r.cls == S.SUCCESS, 'TCP %s: a new connection is served afterwards' % name, r)
    except S.StunError as e:
        check(False, 'TCP %s: a new connection is served afterwards' % name, e)
    c.close()


tcp_case('garbage (top bits 11)', b'\xff' * 64)
tcp_case('bad magic cookie', header(cookie=0x01020304) + b'\0' * 16)
tcp_case('STUN length not a multiple of 4', with_len(b'\x80\x22\x00\x01a', length=5) + b'\0' * 3)
tcp_case('STUN length 0xFFFC (frame over 64 KB)', header(length=0xFFFC) + b'\0' * 1000)
big = header(length=65000) + b'\0' * 60000
tcp_case('60000-byte frame claiming 65020', big, close_after=True)
tcp_case('60000-byte frame claiming 65020, then half-close', big)
tcp_case('ChannelData claiming 65535 bytes', struct.pack('!HH', 0x4000, 0xFFFF) + b'\0' * 3000, close_after=True)
tcp_case('ChannelData reserved number 0x7FFF', struct.pack('!HH', 0x7FFF, 4) + b'abcd')
tcp_case('truncated header then EOF', S.build(S.BINDING, S.REQUEST)[:10])

# framing: a request written one byte at a time, and 50 requests in one write
c = S.Client(srv.addr, 'tcp')
tid = S.new_tid()
req = S.build(S.BINDING, S.REQUEST, tid=tid)
for i in range(len(req)):
    c.conn.sock.sendall(req[i:i + 1])
    time.sleep(0.002)
try:
    f = c.conn.recv_frame(10)
    check(f is not None and S.parse(f).tid == tid, 'TCP request written byte by byte is answered')
except S.StunError as e:
    check(False, 'TCP request written byte by byte is answered', e)
tids = [S.new_tid() for _ in range(50)]
c.send_raw(b''.join(S.build(S.BINDING, S.REQUEST, tid=x) for x in tids))
got = []
try:
    while len(got) < 50:
        f = c.conn.recv_frame(10)
        if f is None:
            break
        got.append(S.parse(f).tid)
except S.StunError:
    pass
check_eq(got, tids, 'TCP: 50 requests in one write get 50 responses in order')
c.close()

# a TCP client that never reads does not block the server
hog = socket.create_connection(srv.addr, timeout=10)
hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
one = S.build(S.BINDING, S.REQUEST)
try:
    hog.settimeout(2)
    for i in range(20000):
        hog.sendall(one)
except OSError:
    pass
r = S.Client(srv.addr).binding(timeout=10)
check(r.cls == S.SUCCESS, 'a TCP client that sends but never reads does not block UDP service', r)
c2 = S.Client(srv.addr, 'tcp')
r = c2.binding(timeout=10)
check(r.cls == S.SUCCESS, '... nor other TCP clients', r)
hog.close()
c2.close()

# ====================================================== still alive, clean stop
r = S.Client(srv.addr).binding(timeout=10)
check(r.cls == S.SUCCESS, 'a valid UDP Binding is answered at the end', r)
c = S.Client(srv.addr, 'tcp')
r = c.binding(timeout=10)
check(r.cls == S.SUCCESS, 'a valid TCP Binding is answered at the end', r)
r = c.allocate()
check(r.cls == S.SUCCESS, 'a valid Allocate over TCP succeeds at the end', r)
c.close()
check(srv.alive(), 'the server never crashed')
srv.check_clean_stop('server')
dump_log_on_failure(srv)
finish()
