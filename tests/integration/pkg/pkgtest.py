"""pkgtest: TAP helpers for the package tests (tests/integration/pkg)."""
import os
import random
import socket
import subprocess
import sys
import time

_n = 0
_failures = []


def check(cond, name, detail=""):
    global _n
    _n += 1
    print("%sok %d - %s" % ("" if cond else "not ", _n, name), flush=True)
    if not cond:
        _failures.append(name)
        for line in str(detail).splitlines()[-40:]:
            print("#   " + line)
    return cond


def note(msg):
    for line in str(msg).splitlines():
        print("# " + line, flush=True)


def done():
    print("1..%d" % _n)
    if _failures:
        print("# failed: " + ", ".join(_failures))
    sys.exit(1 if _failures else 0)


def skip_all(why):
    print("1..0 # SKIP " + why)
    sys.exit(77)


def run(args, **kw):
    """Run a command, return (returncode, stdout+stderr)."""
    kw.setdefault("timeout", 600)
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    return p.returncode, p.stdout


def start_node(procs, portico, role, path, env):
    """Start `portico ROLE -c PATH` logging to PATH.log; remembered in procs
    as (process, log) for the caller's clean-up."""
    log = open(path + ".log", "w+")
    p = subprocess.Popen([portico, role, "-c", path], stdout=log, stderr=subprocess.STDOUT, env=env)
    procs.append((p, log))
    return p, log


def log_text(log):
    log.flush()
    with open(log.name) as f:
        return f.read()


def wait_for(cond, timeout=30.0, step=0.1):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def _bindable(port):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


def free_range(n, also=("127.0.0.1",)):
    """A base B with B..B+n-1 free for TCP and UDP (below the ephemeral range)."""
    for _ in range(200):
        b = random.randrange(10000, 32000, 100)
        if all(_bindable(p) for p in range(b, b + n)):
            return b
    raise RuntimeError("no free port range")


def src_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
