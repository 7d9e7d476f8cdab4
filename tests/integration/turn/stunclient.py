"""stunclient.py: a small STUN/TURN client for portico's integration tests.

Written from RFC 8489 (STUN) and RFC 8656 (TURN), RFC 6156 for the address
families; standard library only.  It builds and parses messages, computes
MESSAGE-INTEGRITY (HMAC-SHA1, long-term key = MD5(user:realm:password)) and
FINGERPRINT (CRC-32 xor 0x5354554e), and talks to a server over UDP or TCP
(RFC 8489 section 6.2.2 framing; ChannelData padded to 4 bytes on streams).

The builder deliberately lets a test produce malformed messages too
(raw attributes, no fingerprint, a wrong key...).
"""

import hashlib
import hmac
import ipaddress
import os
import select
import socket
import struct
import time
import zlib

MAGIC = 0x2112A442
MAGIC_BYTES = struct.pack('!I', MAGIC)
HEADER = 20

# Methods (RFC 8489 18.2, RFC 8656 17)
BINDING = 0x001
ALLOCATE = 0x003
REFRESH = 0x004
SEND = 0x006
DATA = 0x007
CREATE_PERMISSION = 0x008
CHANNEL_BIND = 0x009

# Classes
REQUEST = 0
INDICATION = 1
SUCCESS = 2
ERROR = 3

# Attributes
MAPPED_ADDRESS = 0x0001
CHANGE_REQUEST = 0x0003
USERNAME = 0x0006
MESSAGE_INTEGRITY = 0x0008
ERROR_CODE = 0x0009
UNKNOWN_ATTRIBUTES = 0x000A
CHANNEL_NUMBER = 0x000C
LIFETIME = 0x000D
XOR_PEER_ADDRESS = 0x0012
DATA_ATTR = 0x0013
REALM = 0x0014
NONCE = 0x0015
XOR_RELAYED_ADDRESS = 0x0016
REQUESTED_ADDRESS_FAMILY = 0x0017
EVEN_PORT = 0x0018
REQUESTED_TRANSPORT = 0x0019
DONT_FRAGMENT = 0x001A
XOR_MAPPED_ADDRESS = 0x0020
RESERVATION_TOKEN = 0x0022
SOFTWARE = 0x8022
FINGERPRINT = 0x8028

PROTO_UDP = 17
PROTO_TCP = 6

FAMILY_V4 = 0x01
FAMILY_V6 = 0x02


class StunError(Exception):
    pass


class Timeout(StunError):
    pass


# ------------------------------------------------------------------ codec

def msg_type(method, cls):
    """RFC 8489 5: M11..M7 C1 M6..M4 C0 M3..M0."""
    return ((method & 0x000F) | ((method & 0x0070) << 1) | ((method & 0x0F80) << 2)
            | ((cls & 1) << 4) | ((cls & 2) << 7))


def split_type(t):
    method = (t & 0x000F) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0F80)
    cls = ((t >> 4) & 1) | ((t >> 7) & 2)
    return method, cls


def new_tid():
    return os.urandom(12)


def pad4(n):
    return (n + 3) & ~3


def attr(atype, value):
    """One attribute, TLV, zero-padded to 4 bytes."""
    return struct.pack('!HH', atype, len(value)) + value + b'\0' * (pad4(len(value)) - len(value))


def long_term_key(user, realm, password):
    """RFC 8489 9.2.2 with MD5 (passwords here are ASCII: SASLprep is identity)."""
    return hashlib.md5(('%s:%s:%s' % (user, realm, password)).encode()).digest()


def xor_address(ip, port, tid):
    """Value of an XOR-*-ADDRESS attribute (RFC 8489 14.2)."""
    a = ipaddress.ip_address(ip)
    xport = port ^ (MAGIC >> 16)
    if a.version == 4:
        x = int(a) ^ MAGIC
        return struct.pack('!BBH', 0, FAMILY_V4, xport) + struct.pack('!I', x)
    mask = int.from_bytes(MAGIC_BYTES + tid, 'big')
    x = int(a) ^ mask
    return struct.pack('!BBH', 0, FAMILY_V6, xport) + x.to_bytes(16, 'big')


def parse_xor_address(value, tid):
    if len(value) < 4:
        raise StunError('short address attribute')
    family = value[1]
    port = struct.unpack('!H', value[2:4])[0] ^ (MAGIC >> 16)
    if family == FAMILY_V4 and len(value) == 8:
        ip = ipaddress.IPv4Address(struct.unpack('!I', value[4:8])[0] ^ MAGIC)
    elif family == FAMILY_V6 and len(value) == 20:
        mask = int.from_bytes(MAGIC_BYTES + tid, 'big')
        ip = ipaddress.IPv6Address(int.from_bytes(value[4:20], 'big') ^ mask)
    else:
        raise StunError('bad address family %d / length %d' % (family, len(value)))
    return str(ip), port


def build(method, cls, attrs=(), tid=None, key=None, fingerprint=True, raw_attrs=b''):
    """Encode a message.  attrs: (type, value bytes) pairs; raw_attrs:
    bytes appended verbatim before the integrity attributes."""
    tid = tid if tid is not None else new_tid()
    body = b''.join(attr(t, v) for t, v in attrs) + raw_attrs
    t = msg_type(method, cls)
    if key is not None:
        # RFC 8489 14.5: the length covers MESSAGE-INTEGRITY itself.
        hdr = struct.pack('!HHI', t, len(body) + 24, MAGIC) + tid
        mac = hmac.new(key, hdr + body, hashlib.sha1).digest()
        body += attr(MESSAGE_INTEGRITY, mac)
    if fingerprint:
        hdr = struct.pack('!HHI', t, len(body) + 8, MAGIC) + tid
        crc = (zlib.crc32(hdr + body) & 0xFFFFFFFF) ^ 0x5354554E
        body += attr(FINGERPRINT, struct.pack('!I', crc))
    return struct.pack('!HHI', t, len(body), MAGIC) + tid + body


def channel_data(num, data, stream=False):
    """ChannelData message (RFC 8656 12.4); padded to 4 bytes on a stream."""
    m = struct.pack('!HH', num, len(data)) + data
    if stream:
        m += b'\0' * (pad4(len(m)) - len(m))
    return m


class Message:
    def __init__(self, raw):
        if len(raw) < HEADER:
            raise StunError('short message (%d bytes)' % len(raw))
        t, length, cookie = struct.unpack('!HHI', raw[:8])
        if t & 0xC000:
            raise StunError('not a STUN message (top bits)')
        if cookie != MAGIC:
            raise StunError('bad magic cookie')
        if length + HEADER != len(raw) or length % 4:
            raise StunError('length field %d does not match %d bytes' % (length, len(raw)))
        self.raw = raw
        self.method, self.cls = split_type(t)
        self.tid = raw[8:20]
        self.attrs = []          # (type, value, offset of the attribute)
        pos = HEADER
        while pos < len(raw):
            if len(raw) - pos < 4:
                raise StunError('truncated attribute header')
            at, al = struct.unpack('!HH', raw[pos:pos + 4])
            if pos + 4 + al > len(raw):
                raise StunError('attribute 0x%04x overruns the message' % at)
            self.attrs.append((at, raw[pos + 4:pos + 4 + al], pos))
            pos += 4 + pad4(al)

    def get(self, atype):
        for t, v, _ in self.attrs:
            if t == atype:
                return v
        return None

    def get_all(self, atype):
        return [v for t, v, _ in self.attrs if t == atype]

    def types(self):
        return [t for t, _, _ in self.attrs]

    @property
    def error_code(self):
        v = self.get(ERROR_CODE)
        if v is None or len(v) < 4:
            return None
        return (v[2] & 0x7) * 100 + v[3]

    @property
    def reason(self):
        v = self.get(ERROR_CODE)
        return v[4:].decode('utf-8', 'replace') if v else ''

    def xor_addr(self, atype):
        v = self.get(atype)
        return None if v is None else parse_xor_address(v, self.tid)

    def u32(self, atype):
        v = self.get(atype)
        return None if v is None else struct.unpack('!I', v[:4])[0]

    def unknown_attributes(self):
        v = self.get(UNKNOWN_ATTRIBUTES) or b''
        return [struct.unpack('!H', v[i:i + 2])[0] for i in range(0, len(v) - 1, 2)]

    def check_fingerprint(self):
        for t, v, off in self.attrs:
            if t == FINGERPRINT:
                crc = (zlib.crc32(self.raw[:off]) & 0xFFFFFFFF) ^ 0x5354554E
                # The length field at that point already covers FINGERPRINT:
                # the message ends right after it when it is last.
                return struct.unpack('!I', v)[0] == crc and off + 8 == len(self.raw)
        return None

    def check_integrity(self, key):
        for t, v, off in self.attrs:
            if t == MESSAGE_INTEGRITY:
                hdr = bytearray(self.raw[:off])
                struct.pack_into('!H', hdr, 2, off + 24 - HEADER)
                return hmac.compare_digest(hmac.new(key, bytes(hdr), hashlib.sha1).digest(), v)
        return None

    def __repr__(self):
        names = {REQUEST: 'request', INDICATION: 'indication', SUCCESS: 'success', ERROR: 'error'}
        s = 'STUN method 0x%03x %s' % (self.method, names[self.cls])
        if self.cls == ERROR:
            s += ' %s %s' % (self.error_code, self.reason)
        return '<%s attrs=%s>' % (s, ['0x%04x' % t for t in self.types()])


def parse(raw):
    return Message(raw)


def is_channel_data(raw):
    return len(raw) >= 4 and (raw[0] >> 6) == 1


# ------------------------------------------------------------- transport

class Connection:
    """A client transport to a STUN server: UDP socket or TCP stream.
    recv_frame() returns one STUN message or ChannelData frame as bytes."""

    def __init__(self, server, proto='udp', local=None):
        self.server = server
        self.proto = proto
        fam = socket.AF_INET6 if ':' in server[0] else socket.AF_INET
        if proto == 'udp':
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            self.sock.bind(local or (('::1' if fam == socket.AF_INET6 else '127.0.0.1'), 0))
        else:
            self.sock = socket.socket(fam, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.settimeout(10)
            self.sock.connect(server)
        self.buf = b''
        self.closed = False

    @property
    def local(self):
        return self.sock.getsockname()[:2]

    def send(self, data):
        if self.proto == 'udp':
            self.sock.sendto(data, self.server)
        else:
            self.sock.sendall(data)

    def _frame_len(self):
        b = self.buf
        if len(b) < 4:
            return None
        if (b[0] >> 6) == 1:
            return pad4(4 + struct.unpack('!H', b[2:4])[0])
        return HEADER + struct.unpack('!H', b[2:4])[0] if len(b) >= 4 else None

    def recv_frame(self, timeout):
        """One frame, or raise Timeout.  For TCP, None means the server
        closed the connection."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proto == 'tcp':
                n = self._frame_len()
                if n is not None and len(self.buf) >= n:
                    f, self.buf = self.buf[:n], self.buf[n:]
                    if (f[0] >> 6) == 1:     # strip stream padding
                        f = f[:4 + struct.unpack('!H', f[2:4])[0]]
                    return f
                if self.closed:
                    return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout('nothing from the server within %.1f s' % timeout)
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            if self.proto == 'udp':
                data, _ = self.sock.recvfrom(65535)
                return data
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b''
            if not data:
                self.closed = True
            self.buf += data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Client:
    """A STUN/TURN client with long-term credentials.

    request() sends one request and returns the response with the same
    transaction id (frames in between are kept in self.pending).  The
    authenticated helpers (allocate, refresh, ...) answer the 401 challenge
    and one 438 by themselves, like a real client.
    """

    def __init__(self, server, proto='udp', user='turnuser', password='cisco', local=None):
        self.conn = Connection(server, proto, local)
        self.proto = proto
        self.user = user
        self.password = password
        self.realm = None
        self.nonce = None
        self.pending = []

    @property
    def local(self):
        return self.conn.local

    def close(self):
        self.conn.close()

    @property
    def key(self):
        return long_term_key(self.user, self.realm, self.password)

    def send_raw(self, data):
        self.conn.send(data)

    def recv_frame(self, timeout=5.0):
        if self.pending:
            return self.pending.pop(0)
        return self.conn.recv_frame(timeout)

    def transact(self, data, tid, timeout=10.0, retransmit=True):
        """Send data (a request with transaction id tid) and wait for its
        response.  Over UDP the request is retransmitted (RFC 8489 6.2.1)."""
        self.conn.send(data)
        deadline = time.monotonic() + timeout
        rto = 0.5
        next_tx = time.monotonic() + rto
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise Timeout('no response to the request within %.1f s' % timeout)
            wait = min(deadline, next_tx) - now if (retransmit and self.proto == 'udp') else deadline - now
            try:
                f = self.conn.recv_frame(max(wait, 0.01))
            except Timeout:
                if retransmit and self.proto == 'udp' and time.monotonic() >= next_tx:
                    self.conn.send(data)
                    rto *= 2
                    next_tx = time.monotonic() + rto
                continue
            if f is None:
                raise StunError('the server closed the TCP connection')
            if not is_channel_data(f) and len(f) >= HEADER and f[8:20] == tid:
                return parse(f)
            self.pending.append(f)

    def request(self, method, attrs=(), auth=True, tid=None, key=None, user=None,
                realm=None, nonce=None, fingerprint=True, raw_attrs=b'', timeout=10.0,
                retransmit=True):
        """One request; with auth, carries USERNAME/REALM/NONCE/MI from the
        last challenge (self.realm/self.nonce) unless overridden."""
        tid = tid or new_tid()
        attrs = list(attrs)
        k = None
        if auth:
            u = user if user is not None else self.user
            r = realm if realm is not None else self.realm
            n = nonce if nonce is not None else self.nonce
            attrs += [(USERNAME, u.encode()), (REALM, r.encode()), (NONCE, n.encode())]
            k = key if key is not None else long_term_key(u, r, self.password)
        data = build(method, REQUEST, attrs, tid=tid, key=k, fingerprint=fingerprint,
                     raw_attrs=raw_attrs)
        return self.transact(data, tid, timeout, retransmit)

    def learn_challenge(self, resp):
        if resp.get(REALM) is not None:
            self.realm = resp.get(REALM).decode()
        if resp.get(NONCE) is not None:
            self.nonce = resp.get(NONCE).decode()

    def challenge(self, method=ALLOCATE, attrs=None):
        """Unauthenticated request to learn REALM and NONCE; returns the 401."""
        if attrs is None:
            attrs = [(REQUESTED_TRANSPORT, bytes([PROTO_UDP, 0, 0, 0]))] if method == ALLOCATE else []
        r = self.request(method, attrs, auth=False)
        if r.cls == ERROR and r.error_code == 401:
            self.learn_challenge(r)
        return r

    def auth_request(self, method, attrs=(), **kw):
        """Authenticated request, answering a 401/438 challenge once."""
        if self.nonce is None:
            self.challenge()
        r = self.request(method, attrs, **kw)
        if r.cls == ERROR and r.error_code in (401, 438) and r.get(NONCE) is not None \
                and 'nonce' not in kw:
            self.learn_challenge(r)
            r = self.request(method, attrs, **kw)
        return r

    # ------------------------------------------------------------ TURN

    def allocate(self, transport=PROTO_UDP, lifetime=None, even_port=None, token=None,
                 extra=(), **kw):
        attrs = []
        if transport is not None:
            attrs.append((REQUESTED_TRANSPORT, bytes([transport, 0, 0, 0])))
        if lifetime is not None:
            attrs.append((LIFETIME, struct.pack('!I', lifetime)))
        if even_port is not None:
            attrs.append((EVEN_PORT, bytes([0x80 if even_port else 0])))
        if token is not None:
            attrs.append((RESERVATION_TOKEN, token))
        attrs += list(extra)
        return self.auth_request(ALLOCATE, attrs, **kw)

    def refresh(self, lifetime=None, **kw):
        attrs = [] if lifetime is None else [(LIFETIME, struct.pack('!I', lifetime))]
        return self.auth_request(REFRESH, attrs, **kw)

    def peer_attr(self, ip, port, tid):
        return (XOR_PEER_ADDRESS, xor_address(ip, port, tid))

    def create_permission(self, peers, **kw):
        """peers: list of (ip, port).  XOR for IPv6 needs the tid: fixed here."""
        tid = kw.pop('tid', None) or new_tid()
        attrs = [self.peer_attr(ip, port, tid) for ip, port in peers]
        return self.auth_request(CREATE_PERMISSION, attrs, tid=tid, **kw)

    def channel_bind(self, num, peer, **kw):
        tid = kw.pop('tid', None) or new_tid()
        attrs = [(CHANNEL_NUMBER, struct.pack('!HH', num, 0)), self.peer_attr(peer[0], peer[1], tid)]
        return self.auth_request(CHANNEL_BIND, attrs, tid=tid, **kw)

    def send_indication(self, peer, data, fingerprint=True):
        tid = new_tid()
        m = build(SEND, INDICATION, [self.peer_attr(peer[0], peer[1], tid), (DATA_ATTR, data)],
                  tid=tid, fingerprint=fingerprint)
        self.conn.send(m)

    def send_channel(self, num, data):
        self.conn.send(channel_data(num, data, stream=(self.proto == 'tcp')))

    def binding(self, **kw):
        return self.request(BINDING, auth=False, **kw)

    def recv_data(self, timeout=5.0):
        """Next Data indication or ChannelData: ('data', (ip, port), payload)
        or ('channel', num, payload).  Skips stray responses."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout('no relayed data within %.1f s' % timeout)
            f = self.recv_frame(left)
            if f is None:
                raise StunError('the server closed the TCP connection')
            if is_channel_data(f):
                num, ln = struct.unpack('!HH', f[:4])
                return ('channel', num, f[4:4 + ln])
            m = parse(f)
            if m.method == DATA and m.cls == INDICATION:
                return ('data', m.xor_addr(XOR_PEER_ADDRESS), m.get(DATA_ATTR))


class Echo:
    """A UDP peer on loopback: records what it receives and echoes it."""

    def __init__(self, ip='127.0.0.1', echo=True):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.echo = echo

    @property
    def addr(self):
        return self.sock.getsockname()

    def recv(self, timeout=5.0):
        """(data, source) of the next datagram, echoing it; raises Timeout."""
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            raise Timeout('the peer received nothing within %.1f s' % timeout)
        data, src = self.sock.recvfrom(65535)
        if self.echo:
            self.sock.sendto(data, src)
        return data, src

    def drain(self):
        """Everything queued now, without waiting."""
        out = []
        while True:
            r, _, _ = select.select([self.sock], [], [], 0)
            if not r:
                return out
            out.append(self.sock.recvfrom(65535))

    def close(self):
        self.sock.close()
