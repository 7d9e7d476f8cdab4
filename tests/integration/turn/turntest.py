"""turntest.py: harness shared by the TURN integration tests.

Starts `portico turn` on 127.0.0.1 with a port chosen free at run time and
a relay-ports range outside the kernel's ephemeral range (picked at random
and checked free, so tests may run in parallel), waits for its "started"
log line (bounded), and stops it with SIGTERM, checking exit status 0,
"stopped" in the log and no sanitizer report.  Every process started
through this module is killed at exit, also on failure or on SIGTERM from
the test runner.
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
import time

_procs = []
_tmpdirs = []
_servers = []
_failures = []
_checks = 0

SANITIZER_RE = re.compile(r'ERROR: AddressSanitizer|ERROR: LeakSanitizer|LeakSanitizer|runtime error')


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=10)
            except Exception:
                pass
    if os.environ.get('TURN_TEST_KEEP'):
        for d in _tmpdirs:
            print('# kept %s' % d)
        return
    for d in _tmpdirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(signum, frame):
    _cleanup()
    os._exit(128 + signum)


def _excepthook(tp, val, tb):
    sys.__excepthook__(tp, val, tb)
    print('Bail out! unexpected %s: %s' % (tp.__name__, val))
    _dump_servers()
    sys.stdout.flush()


sys.excepthook = _excepthook
atexit.register(_cleanup)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)
signal.signal(signal.SIGHUP, _on_signal)


def tmpdir():
    d = tempfile.mkdtemp(prefix='portico-turn-test-')
    _tmpdirs.append(d)
    return d


def run(args, timeout=60):
    """Run a short command (killed at exit like the rest); returns
    (exit status, stdout+stderr as text)."""
    p = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out = p.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        p.kill()
        out = p.communicate()[0]
    return p.returncode, out.decode('utf-8', 'replace')


def spawn(args, **kw):
    """Popen whose process is killed at exit."""
    p = subprocess.Popen(args, **kw)
    _procs.append(p)
    return p


# ----------------------------------------------------------------- checks

def check(cond, what, detail=''):
    """Record one assertion (TAP-like line); the test fails at the end if any failed."""
    global _checks
    _checks += 1
    if cond:
        print('ok %d - %s' % (_checks, what))
    else:
        print('not ok %d - %s%s' % (_checks, what, (': ' + str(detail)) if detail != '' else ''))
        _failures.append(what)
    sys.stdout.flush()
    return cond


def check_eq(got, want, what):
    return check(got == want, what, 'got %r, expected %r' % (got, want))


def finish():
    if _failures:
        print('# %d of %d checks failed:' % (len(_failures), _checks))
        for f in _failures:
            print('#   %s' % f)
        sys.exit(1)
    print('# all %d checks passed' % _checks)
    sys.exit(0)


def _dump_servers():
    for s in _servers:
        print('# ---- log of %s ----' % s.logpath)
        for line in s.log().splitlines()[-60:]:
            print('# ' + line)


def fatal(msg):
    print('Bail out! %s' % msg)
    _dump_servers()
    sys.stdout.flush()
    sys.exit(1)


# ------------------------------------------------------------------ ports

def _udp_free(port, ip='127.0.0.1'):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _free(port, fam, typ, ip):
    s = socket.socket(fam, typ)
    try:
        s.bind((ip, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def have_ipv6():
    return _free(0, socket.AF_INET6, socket.SOCK_DGRAM, '::1')


def free_port(v6=False):
    """A port free for both UDP and TCP on 127.0.0.1 (the server listens on
    both), and on ::1 too with v6."""
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(('127.0.0.1', 0))
        port = u.getsockname()[1]
        u.close()
        if not _free(port, socket.AF_INET, socket.SOCK_STREAM, '127.0.0.1'):
            continue
        if v6 and not (_free(port, socket.AF_INET6, socket.SOCK_DGRAM, '::1') and
                       _free(port, socket.AF_INET6, socket.SOCK_STREAM, '::1')):
            continue
        return port
    fatal('no free port')


def free_range(n):
    """n consecutive UDP ports, free now, below the ephemeral range (so no
    client socket of this or a parallel test lands in it).  Random start:
    parallel tests do not collide in practice, and the server skips a port
    that is taken anyway."""
    try:
        lo_eph = int(open('/proc/sys/net/ipv4/ip_local_port_range').read().split()[0])
    except OSError:
        lo_eph = 32768
    lo_eph = max(lo_eph, 2048 + n + 1)
    rnd = random.Random()
    # Ranges other programs on a shared machine are likely to use:
    # conf/turn.conf's relay-ports, coturn's and portico's defaults.
    busy = [(24000, 29999), (3478, 3481), (49152, 65535)]
    for _ in range(200):
        base = rnd.randrange(2048, lo_eph - n)
        if base % 2:
            base += 1          # even start: EVEN-PORT tests like that
        if base + n >= lo_eph or any(base <= hi and base + n - 1 >= lo for lo, hi in busy):
            continue
        if all(_udp_free(p) for p in range(base, base + n)):
            return base, base + n - 1
    fatal('no free relay port range of %d' % n)


# ----------------------------------------------------------------- server

class Server:
    """One `portico turn` process.

    turn: extra [turn] lines (list of str); users: dict name -> password.
    """

    def __init__(self, portico, turn=(), users=None, nports=50, relay_range=None,
                 realm='octavio.com', log_level=None, workers=None, name='turn', v6=False):
        self.portico = portico
        self.dir = tmpdir()
        self.port = free_port(v6)
        self.addr = ('127.0.0.1', self.port)
        self.ports = relay_range or free_range(nports)
        self.realm = realm
        self.users = dict(users) if users is not None else {'turnuser': 'cisco'}
        self.turn = list(turn)
        self.log_level = log_level
        self.workers = workers
        self.v6 = v6
        self.admin_port = free_port()
        self.conf = os.path.join(self.dir, name + '.conf')
        self.logpath = os.path.join(self.dir, name + '.log')
        self.proc = None
        self.write_conf()
        _servers.append(self)

    def write_conf(self, users=None):
        if users is not None:
            self.users = dict(users)
        lines = ['[turn]',
                 'listen = 127.0.0.1:%d' % self.port]
        if self.v6:
            lines.append('listen = [::1]:%d' % self.port)
        lines += [
                 'relay-address = 127.0.0.1',
                 'relay-ports = %d-%d' % self.ports,
                 'realm = %s' % self.realm]
        # The admin HTTP listener (/metrics, /status) defaults to a fixed
        # port: each test server gets a free one instead.
        lines.append('admin-listen = 127.0.0.1:%d' % self.admin_port)
        if self.log_level:
            lines.append('log-level = %s' % self.log_level)
        if self.workers:
            lines.append('workers = %d' % self.workers)
        lines += self.turn
        lines += ['', '[users]']
        lines += ['%s = %s' % (u, p) for u, p in self.users.items()]
        tmp = self.conf + '.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        os.rename(tmp, self.conf)

    def start(self, timeout=30):
        env = dict(os.environ)
        # Leak detection on, whatever the runner set (later options win).
        env['ASAN_OPTIONS'] = (env.get('ASAN_OPTIONS', '') + ':detect_leaks=1').lstrip(':')
        env['UBSAN_OPTIONS'] = (env.get('UBSAN_OPTIONS', '') + ':print_stacktrace=1').lstrip(':')
        self.logf = open(self.logpath, 'ab')
        self.proc = spawn([self.portico, 'turn', '-c', self.conf], stdout=self.logf,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        if not (self.wait_log(r'started: realm=', timeout) and
                self.wait_log(r'admin listener on http://127\.0\.0\.1:%d' % self.admin_port, timeout)
                and self.alive()):
            print(self.log())
            fatal('portico turn did not start (log above)')
        return self

    def log(self):
        try:
            with open(self.logpath, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''

    def wait_log(self, pattern, timeout=20, count=1):
        """Wait (bounded) until pattern occurs count times in the log."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(rx.findall(self.log())) >= count:
                return True
            if self.proc is not None and self.proc.poll() is not None:
                return len(rx.findall(self.log())) >= count
            time.sleep(0.05)
        return False

    def wait_log_after(self, action, pattern, tries=8, each=1.5):
        """Run action() until pattern shows up in the log (bounded): the
        server limits reject log lines per second, so a rejection right
        after a burst may legitimately go unlogged."""
        for _ in range(tries):
            action()
            if self.wait_log(pattern, each):
                return True
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=60):
        """SIGTERM; returns the exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.logf.close()
        return rc

    def sanitizer_report(self):
        return [l for l in self.log().splitlines() if SANITIZER_RE.search(l)]

    def check_clean_stop(self, what='server'):
        """SIGTERM: exit 0, "stopped" logged, no sanitizer report."""
        rc = self.stop()
        check_eq(rc, 0, '%s exits 0 on SIGTERM' % what)
        check(re.search(r'notice turn: stopped', self.log()) is not None,
              '%s logs "stopped"' % what)
        rep = self.sanitizer_report()
        check(not rep, '%s: no AddressSanitizer/LeakSanitizer/UBSan report' % what,
              '\n'.join(rep[:10]))
        return rc


def portico_arg():
    if len(sys.argv) < 2:
        fatal('usage: %s PORTICO' % sys.argv[0])
    p = os.path.abspath(sys.argv[1])
    if not os.access(p, os.X_OK):
        fatal('%s is not executable' % p)
    return p


def dump_log_on_failure(*servers):
    if _failures:
        for s in servers:
            print('# ---- log of %s ----' % s.logpath)
            for l in s.log().splitlines()[-80:]:
                print('# ' + l)
