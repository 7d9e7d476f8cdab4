"""Helpers for portico meet integration tests: real processes, real HTTPS.

Each test makes a temp dir with certificates (openssl), picks free loopback
ports at run time, starts the processes it needs, and stops them by pid and
removes the temp dir when it ends, failed or not.  Requests go through the
real curl binary.  Output is TAP (meson protocol 'tap').
"""
import atexit
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PORTICO = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORTICO", "build/portico")
PASSWORD = "integration-pw-1"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, detail=""):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok") + " %d - %s" % (self.n, name), flush=True)
        if not cond and detail:
            for line in str(detail).splitlines()[:40]:
                print("#   " + line, flush=True)
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got %r, want %r" % (got, want))

    def match(self, pattern, text, name):
        return self.ok(re.search(pattern, text or "") is not None, name,
                       "pattern %r not in:\n%s" % (pattern, text))

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def free_port_both():
    """A port free for both TCP and UDP (TURN listens on both)."""
    for _ in range(100):
        p = free_port()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", p))
            return p
        except OSError:
            continue
        finally:
            u.close()
    raise RuntimeError("no free port")


class Procs:
    """Processes started by this test, stopped by pid at exit."""

    def __init__(self):
        self.procs = []
        self.dirs = []
        atexit.register(self.cleanup)

    def tempdir(self):
        d = tempfile.mkdtemp(prefix="portico-meet-it-")
        self.dirs.append(d)
        return d

    def start(self, args, log):
        f = open(log, "ab")
        p = subprocess.Popen(args, stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        f.close()
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, timeout=30):
        if p.poll() is None:
            p.send_signal(sig)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return p.returncode

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        if os.environ.get("KEEP_TMP"):
            return
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


def make_cert(d, name):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return crt, key


class Meet:
    def __init__(self, procs, extra=None, seed=True):
        self.procs = procs
        self.dir = procs.tempdir()
        self.crt, self.key = make_cert(self.dir, "admin")
        self.web_port, self.api_port = free_port(), free_port()
        self.conf = os.path.join(self.dir, "meet.conf")
        extra = extra or {}
        sections = {
            "meet": {"state": os.path.join(self.dir, "state"), "seed": "yes" if seed else "no"},
            "webbridge": {"listen": "127.0.0.1:%d" % self.web_port, "certificate": self.crt,
                          "key": self.key, "url": "https://127.0.0.1:%d" % self.web_port},
            "callbridge": {},
            "api": {"listen": "127.0.0.1:%d" % self.api_port, "certificate": self.crt, "key": self.key},
        }
        for sec, kv in extra.items():
            sections.setdefault(sec, {}).update(kv)
        with open(self.conf, "w") as f:
            for sec, kv in sections.items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s = %s\n" % (k, v))
        self.log = os.path.join(self.dir, "meet.log")
        self.base = "https://127.0.0.1:%d/api/v1" % self.api_port
        self.web = "https://127.0.0.1:%d" % self.web_port
        self.proc = None
        self.user_add("admin", PASSWORD)

    def user_add(self, name, password):
        r = subprocess.run([PORTICO, "meet", "-c", self.conf, "user", "add", name],
                           input=(password + "\n").encode(), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("user add failed: " + r.stderr.decode())

    def start(self):
        self.proc = self.procs.start([PORTICO, "meet", "-c", self.conf], self.log)
        for _ in range(300):  # bounded wait for the listener
            if self.proc.poll() is not None:
                raise RuntimeError("portico meet exited:\n" + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.api_port), 0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("portico meet did not listen")

    def stop(self, sig=signal.SIGTERM):
        rc = self.procs.stop(self.proc, sig)
        self.proc = None
        return rc

    def read_log(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def curl(self, method, path, data=None, user="admin", password=PASSWORD, accept=None,
             raw_body=None, headers=None, url=None):
        """Returns (status, headers dict lowercased, body)."""
        args = ["curl", "-sk", "-X", method, "-D", "-", "--max-time", "30"]
        if user is not None:
            args += ["-u", "%s:%s" % (user, password)]
        if accept:
            args += ["-H", "Accept: " + accept]
        for h in headers or []:
            args += ["-H", h]
        if data is not None:
            for k, v in data:
                args += ["--data-urlencode", "%s=%s" % (k, v)]
        if raw_body is not None:
            args += ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary", "@-"]
        args.append(url or (self.base + path))
        r = subprocess.run(args, input=raw_body.encode() if raw_body is not None else None,
                           capture_output=True)
        out = r.stdout.decode(errors="replace")
        head, _, body = out.partition("\r\n\r\n")
        while head.startswith("HTTP/1.1 100"):
            head, _, body = body.partition("\r\n\r\n")
        m = re.match(r"HTTP/[\d.]+ (\d+)", head)
        hdrs = {}
        for line in head.split("\r\n")[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return (int(m.group(1)) if m else 0), hdrs, body


def location_id(hdrs):
    return hdrs.get("location", "").rsplit("/", 1)[-1]
