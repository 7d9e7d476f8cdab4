"""edgelab: real `portico edge` pairs on loopback for the integration tests.

Everything is real: certificates from a CA made here with openssl, a real
HTTPS/WebSocket backend (backend.py, or `portico meet` when asked), two
real `portico edge` processes, curl and raw TLS sockets as guests.  Ports
are picked free at run time on 127.0.0.1; every process started is killed
at exit.  Waits are bounded waits for conditions, never fixed sleeps.
"""
import atexit
import base64
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
HOST = "cmsweb.octavio.com"
_procs = []
_failures = []


def portico():
    p = os.environ.get("PORTICO")
    if not p and len(sys.argv) > 1:
        p = sys.argv[1]
    if not p or not os.access(p, os.X_OK):
        sys.exit("usage: %s PATH/TO/portico (or PORTICO=...)" % sys.argv[0])
    return os.path.abspath(p)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))


# ---- TAP-ish reporting ----

_n = 0


def check(cond, name, detail=""):
    global _n
    _n += 1
    print("%sok %d - %s" % ("" if cond else "not ", _n, name), flush=True)
    if not cond:
        _failures.append(name)
        if detail:
            for line in str(detail).splitlines()[-40:]:
                print("#   " + line)
    return cond


def done():
    print("1..%d" % _n)
    if _failures:
        print("# failed: " + ", ".join(_failures))
    sys.exit(1 if _failures else 0)


def wait_for(cond, timeout=20.0, step=0.05):
    """Bounded wait for a condition; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


# ---- certificates ----

def _run(*args, **kw):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


class Certs:
    def __init__(self, d):
        self.d = d
        self.ca = os.path.join(d, "ca.crt")
        self.ca_key = os.path.join(d, "ca.key")
        _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", self.ca_key, "-out", self.ca, "-subj", "/CN=portico test CA",
             "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(self, name, sans, ca=None, ca_key=None):
        crt, key = os.path.join(self.d, name + ".crt"), os.path.join(self.d, name + ".key")
        csr, ext = os.path.join(self.d, name + ".csr"), os.path.join(self.d, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=" + ",".join("DNS:" + s for s in sans) + "\n")
            f.write("extendedKeyUsage=serverAuth,clientAuth\n")
        _run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", csr, "-subj", "/CN=" + sans[0])
        _run("openssl", "x509", "-req", "-in", csr, "-CA", ca or self.ca, "-CAkey",
             ca_key or self.ca_key, "-CAcreateserial", "-days", "2", "-out", crt, "-extfile", ext)
        return crt, key

    def other_ca(self):
        """A second, unrelated CA (for the wrong-certificate failure mode)."""
        ca, key = os.path.join(self.d, "rogue-ca.crt"), os.path.join(self.d, "rogue-ca.key")
        _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", key, "-out", ca, "-subj", "/CN=rogue CA", "-days", "2",
             "-addext", "basicConstraints=critical,CA:TRUE")
        return ca, key


# ---- processes ----

class Proc:
    def __init__(self, name, args, d):
        self.name = name
        self.args = args
        self.log = os.path.join(d, name + ".log")
        self.p = None

    def start(self):
        self.f = open(self.log, "ab")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.p = subprocess.Popen(self.args, stdout=self.f, stderr=subprocess.STDOUT, env=env)
        _procs.append(self.p)
        return self

    def alive(self):
        return self.p and self.p.poll() is None

    def kill9(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def term(self, timeout=40):
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode

    def text(self):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")


class Lab:
    """A CA, a backend, and an outside + inside pair wired like the seed."""

    def __init__(self, connections=2, guest_uri="https://" + HOST, inside_cert_sans=None,
                 password="traversal-secret", inside_password=None, extra_outside="",
                 extra_inside="", backend=True, rogue_inside_ca=False, turn=False,
                 auth_failures=50, allow="127.0.0.0/8", outside_web_sans=None, via_relay=False,
                 server_name="vcse.octavio.com", idle_timeout=30):
        self.bin = portico()
        self.d = tempfile.mkdtemp(prefix="portico-edge-")
        atexit.register(shutil.rmtree, self.d, True)
        self.certs = Certs(self.d)
        self.t_port, self.w_port, self.a_out, self.a_in, self.b_port = (free_port() for _ in range(5))
        self.out_crt, self.out_key = self.certs.leaf("vcse", [
            "vcse.octavio.com", "vcse.octavio.local", "cmsweb.octavio.com", "cmsweb.octavio.local",
            "octavio.local", "cms.octavio.local", "octavio.com"])
        self.web_crt, self.web_key = self.out_crt, self.out_key
        if outside_web_sans:
            self.web_crt, self.web_key = self.certs.leaf("vcse-web", outside_web_sans)
        if rogue_inside_ca:
            rca, rkey = self.certs.other_ca()
            self.in_crt, self.in_key = self.certs.leaf("vcsc", ["vcsc.octavio.local"], rca, rkey)
        else:
            self.in_crt, self.in_key = self.certs.leaf("vcsc", inside_cert_sans or ["vcsc.octavio.local"])
        self.wb_crt, self.wb_key = self.certs.leaf("webbridge", [HOST, "cmsweb.cms.octavio.local", "localhost",
                                                                "join.octavio.com"])
        self.turn_port = free_port() if turn else None
        self.relay = Relay(self.t_port) if via_relay else None
        turn_sec = ""
        if turn:
            turn_sec = ("[turn]\nlisten = 127.0.0.1:%d\nrelay-address = 127.0.0.1\n"
                        "relay-ports = 40000-40100\nrealm = octavio.com\n" % self.turn_port)
        self.outside_conf = self._write("outside.conf", """
[edge]
role = outside
name = vcse
domain = octavio.com
log-level = debug
[traversal]
listen = 127.0.0.1:%(t)d
verify-subject-name = vcsc.octavio.local
certificate = %(oc)s
key = %(ok)s
ca = %(ca)s
accounts = Tuser
allow = %(allow)s
max-auth-failures = %(maxf)d
ping-interval = 1
[users]
Tuser = %(pw)s
turnuser = cisco
[webproxy]
listen = 127.0.0.1:%(w)d
hosts = cmsweb.octavio.com
certificate = %(wc)s
key = %(wk)s
header-timeout = 5
idle-timeout = %(idle)d
[admin]
listen = 127.0.0.1:%(a)d
%(turn)s%(extra)s
""" % dict(t=self.t_port, w=self.w_port, a=self.a_out, oc=self.out_crt, ok=self.out_key,
           ca=self.certs.ca, pw=password, turn=turn_sec, extra=extra_outside, allow=allow,
           maxf=auth_failures, wc=self.web_crt, wk=self.web_key, idle=idle_timeout))
        self.inside_conf = self._write("inside.conf", """
[edge]
role = inside
name = vcsc
domain = octavio.local
domain = octavio.com
log-level = debug
[traversal]
connect = 127.0.0.1:%(t)d
server-name = %(sn)s
username = Tuser
password = %(pw)s
certificate = %(ic)s
key = %(ik)s
ca = %(ca)s
connections = %(n)d
ping-interval = 1
backoff-initial = 1
backoff-max = 2
[webproxy]
guest-uri = %(gu)s
ca = %(ca)s
health-interval = 1
[admin]
listen = 127.0.0.1:%(a)d
[dns]
_cms-web._tls.cmsweb.octavio.com = 10 10 %(b)d cmsweb.octavio.com
_cms-web._tls.cmsweb.cms.octavio.local = 10 10 %(b)d cmsweb.cms.octavio.local
cmsweb.octavio.com = 127.0.0.1
cmsweb.cms.octavio.local = 127.0.0.1
%(extra)s
""" % dict(t=self.relay.port if self.relay else self.t_port, a=self.a_in, ic=self.in_crt, ik=self.in_key, ca=self.certs.ca,
           pw=inside_password or password, n=connections, gu=guest_uri, b=self.b_port,
           extra=extra_inside, sn=server_name))
        self.backend = Proc("backend", [sys.executable, os.path.join(HERE, "backend.py"),
                                        str(self.b_port), self.wb_crt, self.wb_key], self.d)
        self.outside = Proc("outside", [self.bin, "edge", "-c", self.outside_conf], self.d)
        self.inside = Proc("inside", [self.bin, "edge", "-c", self.inside_conf], self.d)
        if backend:
            self.backend.start()
            wait_for(lambda: port_open(self.b_port))

    def _write(self, name, text):
        path = os.path.join(self.d, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, wait_active=True):
        self.outside.start()
        wait_for(lambda: port_open(self.w_port) and port_open(self.a_out))
        self.inside.start()
        if wait_active:
            ok = wait_for(lambda: self.active_tunnels() >= self.want_tunnels(), 20)
            if not ok:
                print("# tunnels did not come up\n# " + self.outside.text()[-3000:].replace("\n", "\n# "))
                print("# " + self.inside.text()[-3000:].replace("\n", "\n# "))
        return self

    def want_tunnels(self):
        with open(self.inside_conf) as f:
            for line in f:
                if line.startswith("connections"):
                    return int(line.split("=")[1])
        return 2

    def status(self, which="outside"):
        port = self.a_out if which == "outside" else self.a_in
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/status" % port, timeout=5) as r:
                return json.loads(r.read())
        except Exception:
            return None

    def active_tunnels(self, which="outside"):
        st = self.status(which)
        if not st:
            return 0
        return len({t["connection"] for t in st["tunnels"] if t["state"] == "Active"})

    def curl(self, path="/", *extra, host=HOST, timeout=20):
        args = ["curl", "-sS", "--max-time", str(timeout), "--cacert", self.certs.ca,
                "--resolve", "%s:%d:127.0.0.1" % (host, self.w_port),
                "-o", "-", "-w", "\n%{http_code}", *extra, "https://%s:%d%s" % (host, self.w_port, path)]
        r = subprocess.run(args, capture_output=True, timeout=timeout + 10)
        out = r.stdout.decode(errors="replace")
        body, _, code = out.rpartition("\n")
        return int(code) if code.isdigit() else 0, body, r.stderr.decode(errors="replace")

    def raw(self, data, timeout=10, sni=HOST, read=True):
        """Send raw bytes over TLS to the guest listener; return the reply."""
        s = tls_connect(self.w_port, self.certs.ca, sni, timeout)
        s.sendall(data)
        if not read:
            return s
        return read_all(s, timeout)


class Relay:
    """A TCP relay between the inside and the outside node, so a test can
    cut (RST) or black-hole one tunnel connection at the socket level."""

    def __init__(self, target):
        import threading
        self.target = target
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.pairs = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import threading
        while True:
            try:
                a, _ = self.lsock.accept()
                b = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                continue
            pair = {"a": a, "b": b, "hole": False, "dead": False}
            with self.lock:
                self.pairs.append(pair)
            threading.Thread(target=self._pump, args=(pair, a, b), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, b, a), daemon=True).start()

    def _pump(self, pair, src, dst):
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if pair["hole"]:
                continue                       # swallow: a dead link that stays open
            try:
                dst.sendall(data)
            except OSError:
                break
        self.cut(pair)

    def live(self):
        with self.lock:
            return [p for p in self.pairs if not p["dead"] and not p["hole"]]

    def cut(self, pair):
        if pair["dead"]:
            return
        pair["dead"] = True
        for s in (pair["a"], pair["b"]):
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
                s.close()                      # linger 0: RST, like a crashed middlebox
            except OSError:
                pass

    def blackhole(self, pair):
        pair["hole"] = True


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def tls_connect(port, ca, sni, timeout=10):
    ctx = ssl.create_default_context(cafile=ca)
    raw = socket.create_connection(("127.0.0.1", port), timeout)
    return ctx.wrap_socket(raw, server_hostname=sni)


def read_all(s, timeout=10):
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    s.close()
    return out


def ws_frame(payload, op=1):
    mask = os.urandom(4)
    n = len(payload)
    hdr = bytes([0x80 | op])
    hdr += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
    return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def ws_session(lab, messages, path="/ws"):
    """A WebSocket client through the outside edge; returns the echoes."""
    key = base64.b64encode(os.urandom(16)).decode()
    s = tls_connect(lab.w_port, lab.certs.ca, HOST)
    s.settimeout(10)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, HOST, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(4096)
        if not b:
            break
        head += b
    head, _, rest = head.partition(b"\r\n\r\n")
    import hashlib
    want = base64.b64encode(hashlib.sha1(key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    if not head.startswith(b"HTTP/1.1 101") or want not in head:
        s.close()
        return None, head
    echoes = []
    buf = rest
    for m in messages:
        s.sendall(ws_frame(m))
        while True:
            if len(buf) >= 2:
                n = buf[1] & 0x7F
                off = 2
                if n == 126:
                    n, off = int.from_bytes(buf[2:4], "big"), 4
                if len(buf) >= off + n:
                    echoes.append(buf[off:off + n])
                    buf = buf[off + n:]
                    break
            b = s.recv(65536)
            if not b:
                s.close()
                return echoes, head
            buf += b
    s.sendall(ws_frame(b"", 8))
    s.close()
    return echoes, head
