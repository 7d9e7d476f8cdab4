#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-turn-handler (format: fuzz_turn_handler.c)."""
import os
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'handler')
PEER = 0xFFFF


def rec(op, payload):
    return bytes([op]) + struct.pack('!H', len(payload)) + payload


def req(method, *attrs):
    body = struct.pack('!H', method)
    for t, v in attrs:
        body += struct.pack('!HB', t, len(v)) + v
    return rec(1, body)


UDP = (0x0019, bytes([17, 0, 0, 0]))
binding = struct.pack('!HHI', 0x0001, 0, 0x2112A442) + b'fuzz-tid-001'
alloc = req(0x003, UDP)
perm = req(0x008, (PEER, b'\0'))
chan = req(0x009, (0x000C, b'\x40\x00\0\0'), (PEER, b'\0'))
chandata = rec(0, b'\x40\x00\x00\x05hello\0\0\0')
send_ind = (struct.pack('!HHI', 0x0016, 0, 0x2112A442) + b'fuzz-tid-002')
seeds = {
    'binding': rec(0, binding),
    'allocate': alloc + rec(5, b''),
    'session': alloc + perm + chan + chandata + rec(2, b'\0pong') + rec(2, b'\1stranger')
               + req(0x004, (0x000D, b'\0\0\x04\xb0')) + rec(3, b'\x05') + req(0x004, (0x000D, b'\0\0\0\0')),
    'denied': alloc + req(0x008, (PEER, b'\2')) + req(0x008, (PEER, b'\3')) + req(0x009, (0x000C, b'\x3f\xff\0\0'), (PEER, b'\1')),
    'clients': alloc + rec(4, b'\1') + alloc + perm + rec(4, b'\3') + alloc + chan + rec(0, b'\x40\x00\x00\x02hi\0\0')
               + rec(2, b'\0tcp') + rec(4, b'\0') + req(0x003, UDP) + rec(5, b''),
    'expiry': alloc + perm + rec(3, b'\xff') + rec(3, b'\xff') + rec(3, b'\xff') + rec(2, b'\0late') + chandata,
    'even-port': req(0x003, UDP, (0x0018, b'\x80')) + rec(4, b'\2') + req(0x003, UDP, (0x0022, b'\0' * 8)),
    'dual': req(0x003, UDP, (0x8000 | 0x0017, b'\2\0\0\0')) + req(0x003, UDP, (0x0017, b'\2\0\0\0')),
    'garbage': rec(0, b'\0\x01\0\x08\x21\x12\xa4\x42' + b'x' * 12 + b'\0\x06\0\x20') + rec(0, send_ind),
}
os.makedirs(HERE, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)
