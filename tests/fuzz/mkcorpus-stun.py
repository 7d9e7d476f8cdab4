#!/usr/bin/env python3
"""Write the seed corpus for fuzz_stun (tests/fuzz/corpus/stun/).

The RFC 5769 vectors are the RFC's bytes; the TURN messages are encoded
here independently of src/stun (Python's hmac/hashlib/zlib), so the seeds
are also a second opinion on the codec.  Re-run after changing it and
commit the files:  python3 tests/fuzz/mkcorpus-stun.py
"""
import hashlib
import hmac
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "stun")
COOKIE = 0x2112A442

RFC5769 = {
    "rfc5769-2.1-request": """
        0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
        8022 0010 5354554e 20746573 7420636c 69656e74
        0024 0004 6e0001ff 8029 0008 932ff9b1 51263b36
        0006 0009 6576746a 3a683676 59202020
        0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
        8028 0004 e57a3bcf""",
    "rfc5769-2.2-ipv4-response": """
        0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
        8022 000b 74657374 20766563 746f7220
        0020 0008 0001a147 e112a643
        0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
        8028 0004 c07d4c96""",
    "rfc5769-2.3-ipv6-response": """
        0101 0048 2112a442 b7e7a701 bc34d686 fa87dfae
        8022 000b 74657374 20766563 746f7220
        0020 0014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
        0008 0014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
        8028 0004 c8fb0b4c""",
    "rfc5769-2.4-longterm": """
        0001 0060 2112a442 78ad3433 c6ad72c0 29da412e
        0006 0012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
        0015 001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
        0014 000b 6578616d 706c652e 6f726700
        0008 0014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666""",
}

TID = bytes(range(0xA0, 0xAC))
USER, REALM, NONCE = b"guest", b"portico.example", b"a1b2c3d4e5f60718"
LTKEY = hashlib.md5(USER + b":" + REALM + b":secret").digest()


def msgtype(method, cls):
    return (method & 0xF) | ((method & 0x70) << 1) | ((method & 0xF80) << 2) | cls


def attr(t, v):
    return struct.pack("!HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def xaddr(ip, port):
    raw = bytes(int(x) for x in ip.split("."))
    x = bytes(a ^ b for a, b in zip(raw, struct.pack("!I", COOKIE)))
    return struct.pack("!BBH", 0, 1, port ^ (COOKIE >> 16)) + x


def xaddr6(raw, port, tid=TID):
    mask = struct.pack("!I", COOKIE) + tid
    return struct.pack("!BBH", 0, 2, port ^ (COOKIE >> 16)) + bytes(a ^ b for a, b in zip(raw, mask))


def message(method, cls, attrs, key=None, sha256=False, fp=True):
    body = b"".join(attr(t, v) for t, v in attrs)

    def hdr(extra):
        return struct.pack("!HHI", msgtype(method, cls), len(body) + extra, COOKIE) + TID

    if key is not None:
        mac = hmac.new(key, hdr(24) + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if sha256:
        mac = hmac.new(key, hdr(36) + body, hashlib.sha256).digest()
        body += attr(0x001C, mac)
    if fp:
        crc = (zlib.crc32(hdr(8) + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(0x8028, struct.pack("!I", crc))
    return hdr(0) + body


def u32(v):
    return struct.pack("!I", v)


def turn_messages():
    creds = [(0x0006, USER), (0x0014, REALM), (0x0015, NONCE)]
    peer6 = bytes.fromhex("20010db8000000000000000000000001")
    return {
        "allocate-unauth": message(0x003, 0x000, [(0x0019, u32(17 << 24)), (0x8022, b"portico")]),
        "allocate-auth": message(0x003, 0x000, [(0x0019, u32(17 << 24)), (0x000D, u32(600)),
                                                (0x001A, b"")] + creds, key=LTKEY),
        "allocate-401": message(0x003, 0x110, [(0x0009, b"\0\0\x04\x01Unauthenticated"),
                                               (0x0014, REALM), (0x0015, NONCE)]),
        "allocate-success": message(0x003, 0x100, [(0x0016, xaddr("203.0.113.5", 24000)),
                                                   (0x0020, xaddr("198.51.100.7", 50000)),
                                                   (0x000D, u32(600))], key=LTKEY),
        "allocate-dual": message(0x003, 0x000, [(0x0019, u32(17 << 24)), (0x8000, u32(2 << 24)),
                                                (0x0018, b"\x80")] + creds, key=LTKEY),
        "channelbind": message(0x009, 0x000, [(0x000C, u32(0x40000000)),
                                              (0x0012, xaddr("198.51.100.9", 40000))] + creds,
                               key=LTKEY),
        "createpermission-v6": message(0x008, 0x000, [(0x0012, xaddr6(peer6, 5000))] + creds,
                                       key=LTKEY),
        "send-indication": message(0x006, 0x010, [(0x0012, xaddr("198.51.100.9", 40000)),
                                                  (0x0013, b"hello, peer")], fp=False),
        "refresh-zero": message(0x004, 0x000, [(0x000D, u32(0))] + creds, key=LTKEY),
        "binding-sha256-unknown": message(0x001, 0x000, [(0x0030, b"zz"), (0x0024, u32(1)),
                                                          (0x0006, b"a:b")],
                                          key=b"pw", sha256=True),
        "error-420": message(0x001, 0x110, [(0x0009, b"\0\0\x04\x14Unknown Attribute"),
                                            (0x000A, b"\x00\x30\x00\x31")], fp=False),
        "channeldata-5": struct.pack("!HH", 0x4000, 5) + b"hello",
        "channeldata-padded": struct.pack("!HH", 0x4FFF, 5) + b"hello\0\0\0",
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {k: bytes.fromhex("".join(v.split())) for k, v in RFC5769.items()}
    seeds.update(turn_messages())
    for name, data in sorted(seeds.items()):
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print(f"{len(seeds)} seeds in {OUT}")


if __name__ == "__main__":
    main()
