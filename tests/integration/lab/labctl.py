"""labctl: start and stop a real `portico lab` for the tests (lab, doctor, e2e).

`portico lab` runs with a temporary state directory and a port base whose
60 ports are free at run time on 127.0.0.1 and 127.0.0.2; it is stopped
with SIGTERM (then SIGKILL if it does not exit) and every pid it reported
is checked gone.  Waits are bounded waits for conditions.
"""
import atexit
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

_labs = []
_n = 0
_failures = []


def portico():
    p = os.environ.get("PORTICO") or (sys.argv[1] if len(sys.argv) > 1 else None)
    if not p or not os.access(p, os.X_OK):
        sys.exit("usage: %s PATH/TO/portico" % sys.argv[0])
    return os.path.abspath(p)


def web_root():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("PORTICO_WEB_ROOT") or os.path.join(here, "..", "..", "..", "web")


def check(cond, name, detail=""):
    global _n
    _n += 1
    print("%sok %d - %s" % ("" if cond else "not ", _n, name), flush=True)
    if not cond:
        _failures.append(name)
        for line in str(detail).splitlines()[-40:]:
            print("#   " + line)
    return cond


def done():
    print("1..%d" % _n)
    if _failures:
        print("# failed: " + ", ".join(_failures))
    sys.exit(1 if _failures else 0)


def wait_for(cond, timeout=30.0, step=0.1):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def _bindable(addr, port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind((addr, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_base():
    """A base B with B..B+59 free (below the ephemeral range)."""
    for _ in range(200):
        b = random.randrange(10000, 32000, 100)
        if all(_bindable(a, p) for p in range(b, b + 60) for a in ("127.0.0.1", "127.0.0.2")):
            return b
    raise RuntimeError("no free port range")


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


class Lab:
    def __init__(self, state=None, base=None, fault=None):
        self.bin = portico()
        self.state = state or tempfile.mkdtemp(prefix="portico-lab-")
        if not state:
            atexit.register(shutil.rmtree, self.state, True)
        self.base = base or free_base()
        self.fault = fault
        self.p = None
        self.out = []
        self.pids = {}
        self.ready = threading.Event()

    # ports, as `portico lab --port-base` lays them out
    @property
    def webproxy(self): return self.base
    @property
    def webbridge(self): return self.base + 1
    @property
    def api(self): return self.base + 2
    @property
    def admin_out(self): return self.base + 4
    @property
    def admin_in(self): return self.base + 5
    @property
    def turn(self): return self.base + 6

    def start(self, wait=True, timeout=120):
        args = [self.bin, "lab", "--state", self.state, "--port-base", str(self.base),
                "--web-root", web_root()]
        if self.fault:
            args += ["--break", self.fault]
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                  text=True)
        _labs.append(self)
        threading.Thread(target=self._read, daemon=True).start()
        if wait:
            wait_for(lambda: self.ready.is_set() or self.p.poll() is not None, timeout)
        return self

    def _read(self):
        for line in self.p.stdout:
            self.out.append(line)
            m = re.match(r"portico lab: started (\S+) \(pid (\d+)\)", line)
            if m:
                self.pids[m.group(1)] = int(m.group(2))
            if line.startswith("portico lab: ready"):
                self.ready.set()

    def text(self):
        return "".join(self.out)

    def password(self, name="admin-password"):
        with open(os.path.join(self.state, "secrets", name)) as f:
            return f.read().strip()

    def ca(self):
        return os.path.join(self.state, "certs", "ca.crt")

    def log(self, name):
        with open(os.path.join(self.state, "logs", name + ".log"), errors="replace") as f:
            return f.read()

    def curl_guest(self, path="/", extra=()):
        r = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "10",
                            "--cacert", self.ca(), "--resolve",
                            "cmsweb.octavio.com:%d:127.0.0.1" % self.webproxy] + list(extra) +
                           ["https://cmsweb.octavio.com:%d%s" % (self.webproxy, path)],
                           capture_output=True, text=True)
        body, _, code = r.stdout.rpartition("\n")
        return int(code or 0), body

    def api_get(self, path, method="GET", data=None):
        args = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "15", "--cacert",
                self.ca(), "-u", "admin:" + self.password(), "-X", method]
        for d in data or []:
            args += ["-d", d]
        r = subprocess.run(args + ["https://127.0.0.2:%d/api/v1%s" % (self.api, path)],
                           capture_output=True, text=True)
        body, _, code = r.stdout.rpartition("\n")
        return int(code or 0), body

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.p and self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode

    def children_gone(self):
        return wait_for(lambda: not any(pid_alive(p) for p in self.pids.values()), 30)


def _cleanup():
    for lab in _labs:
        if lab.p and lab.p.poll() is None:
            lab.p.kill()
            lab.p.wait()
        for pid in lab.pids.values():
            if pid_alive(pid) and lab.state in _cmdline(pid):
                os.kill(pid, signal.SIGKILL)


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid) as f:
            return f.read()
    except OSError:
        return ""


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
