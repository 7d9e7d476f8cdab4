#!/usr/bin/env python3
"""Seed corpus for fuzz_edge_tunnel.c: byte 0 (role, guests, chunk),
byte 1 (request kinds), then HTTP/2 frames as the peer edge sends them.
HPACK by hand: static-table indices and literals without Huffman."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "tunnel")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def lit(name, value):                      # literal, no indexing, new name
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


SETTINGS = frame(4, 0, 0)
SETTINGS_ACK = frame(4, 1, 0)
STATUS_200 = b"\x88"                       # :status 200
HEADERS, DATA, RST, GOAWAY, PING, WINDOW = 1, 0, 3, 7, 6, 8
END_STREAM, END_HEADERS = 1, 4


def outside(name, body, guests=1, kinds=0, chunk=0):
    # byte 0: bit 0 = 0 (outside), bits 1-2 guests-1, bits 3-7 chunk
    open(os.path.join(OUT, "out-" + name), "wb").write(
        bytes([((guests - 1) << 1) | (chunk << 3), kinds]) + body)


def inside(name, body, chunk=0):
    open(os.path.join(OUT, "in-" + name), "wb").write(bytes([1 | (chunk << 3), 0]) + PREFACE + body)


os.makedirs(OUT, exist_ok=True)
outside("ok", SETTINGS + SETTINGS_ACK + frame(HEADERS, END_HEADERS | END_STREAM, 1, STATUS_200))
outside("body", SETTINGS + frame(HEADERS, END_HEADERS, 1, STATUS_200 + lit(b"content-type", b"text/plain"))
        + frame(DATA, 0, 1, b"hello ") + frame(DATA, END_STREAM, 1, b"world"))
outside("three", SETTINGS + frame(HEADERS, END_HEADERS, 3, STATUS_200) + frame(RST, 0, 1, struct.pack(">I", 7))
        + frame(DATA, END_STREAM, 3, b"x" * 100) + frame(HEADERS, END_HEADERS | END_STREAM, 5, b"\x8d"),
        guests=3, kinds=0b000100)
outside("interim", SETTINGS + frame(HEADERS, END_HEADERS, 1, lit(b":status", b"103"))
        + frame(HEADERS, END_HEADERS | END_STREAM, 1, STATUS_200 + lit(b"x-portico-edge-reason", b"no")))
outside("goaway", SETTINGS + frame(GOAWAY, 0, 0, struct.pack(">II", 1, 0)) + frame(PING, 0, 0, b"12345678"),
        chunk=1)
outside("ws", SETTINGS + frame(HEADERS, END_HEADERS, 1, STATUS_200) + frame(DATA, 0, 1, b"\x81\x02hi")
        + frame(WINDOW, 0, 1, struct.pack(">I", 1000)), kinds=3)
req = b"\x82\x87\x84" + lit(b":authority", b"cmsweb.example.com")   # GET https /
inside("get", SETTINGS + SETTINGS_ACK + frame(HEADERS, END_HEADERS | END_STREAM, 1, req))
inside("post", SETTINGS + frame(HEADERS, END_HEADERS, 1, b"\x83\x87" + lit(b":path", b"/api")
       + lit(b":authority", b"cmsweb.example.com") + lit(b"content-length", b"3"))
       + frame(DATA, END_STREAM, 1, b"abc"))
inside("ws", SETTINGS + frame(HEADERS, END_HEADERS, 1, lit(b":method", b"CONNECT") + lit(b":protocol", b"websocket")
       + b"\x87" + lit(b":path", b"/ws") + lit(b":authority", b"cmsweb.example.com"))
       + frame(DATA, 0, 1, b"\x81\x80abcd") + frame(RST, 0, 1, struct.pack(">I", 8)), chunk=2)
inside("badhost", SETTINGS + frame(HEADERS, END_HEADERS | END_STREAM, 1, b"\x82\x87\x84" + lit(b":authority", b"evil"))
       + frame(HEADERS, END_HEADERS | END_STREAM, 3, lit(b":method", b"TRACE") + b"\x87\x84"
               + lit(b":authority", b"cmsweb.example.com")))
