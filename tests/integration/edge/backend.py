#!/usr/bin/env python3
"""A real HTTPS + WebSocket server standing in for the web bridge until
`portico meet` serves one: pages, an echo for POST/PUT bodies, a big
download, a slow stream, /health, and a WebSocket echo at /ws.

usage: backend.py PORT CERT KEY [NAME]
"""
import base64
import hashlib
import http.server
import socketserver
import ssl
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
NAME = sys.argv[4] if len(sys.argv) > 4 else "backend"
PAGE = b"<!doctype html><title>Meeting</title><h1>Join call</h1>\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("backend: " + (fmt % args) + "\n")

    def reply(self, code, body, ctype="text/plain", extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if self.path == "/health":
            return self.reply(200, b"ok\n")
        if self.path.startswith("/big"):
            n = int(self.path.split("=")[1]) if "=" in self.path else 1 << 20
            return self.reply(200, b"x" * n, "application/octet-stream")
        if self.path.startswith("/slow"):
            # a response that streams for a while (chunked, no length)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(10):
                chunk = b"tick %d\n" % i
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                time.sleep(0.1)
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/whoami":
            return self.reply(200, NAME.encode())
        if self.path == "/hang":
            time.sleep(30)                 # a web bridge that never answers in time
            return self.reply(200, b"late\n")
        if self.path == "/headers":
            text = "".join("%s: %s\n" % (k.lower(), v) for k, v in self.headers.items())
            return self.reply(200, text.encode())
        self.reply(200, PAGE, "text/html", {"X-Backend": "yes"})

    do_HEAD = do_GET

    def do_POST(self):
        data = self.body()
        self.reply(200, b"echo:" + data)

    do_PUT = do_POST

    def do_DELETE(self):
        self.reply(204, b"")

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"].encode()
        acc = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", acc)
        self.end_headers()
        self.wfile.flush()
        while True:
            hdr = self.rfile.read(2)
            if len(hdr) < 2:
                return
            op, ln = hdr[0] & 0x0F, hdr[1] & 0x7F
            if ln == 126:
                ln = struct.unpack("!H", self.rfile.read(2))[0]
            elif ln == 127:
                ln = struct.unpack("!Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if hdr[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(ln)))
            if op == 8:
                self.wfile.write(b"\x88\x00")
                self.wfile.flush()
                return
            out = bytes([0x80 | op])
            out += bytes([len(data)]) if len(data) < 126 else b"\x7e" + struct.pack("!H", len(data))
            self.wfile.write(out + data)
            self.wfile.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    srv = Server(("127.0.0.1", port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
