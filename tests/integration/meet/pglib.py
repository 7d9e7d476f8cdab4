"""A private PostgreSQL for integration tests: initdb in a temp directory,
unix socket only (listen_addresses=''), trust authentication for the one
local superuser "portico".  PostgreSQL refuses to run as root, so as root
the server runs as nobody (setpriv execs, so the pid we hold is the
postmaster's).  Independent of any system cluster: its socket lives in the
temp directory."""
import atexit
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not dirs:
        raise RuntimeError("PostgreSQL server binaries missing (Debian package postgresql)")
    return os.path.dirname(dirs[-1])


class Postgres:
    def __init__(self):
        self.bindir = pg_bindir()
        self.dir = tempfile.mkdtemp(prefix="portico-pg-it-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.sock = self.dir
        self.log = os.path.join(self.dir, "postgres.log")
        self.proc = None
        self.prefix = []
        if os.geteuid() == 0:
            self.prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]
            os.chown(self.dir, 65534, 65534)
        self.uri = "postgresql://portico@/postgres?host=%s" % self.sock
        atexit.register(self.cleanup)

    def _run(self, args):
        r = subprocess.run(self.prefix + args, capture_output=True, cwd="/")
        if r.returncode != 0:
            raise RuntimeError("%s failed: %s" % (args[0], r.stderr.decode(errors="replace")))

    def start(self):
        if not os.path.exists(self.data):
            self._run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-U", "portico",
                       "--auth=trust", "-E", "UTF8", "--no-instructions"])
        f = open(self.log, "ab")
        self.proc = subprocess.Popen(
            self.prefix + [os.path.join(self.bindir, "postgres"), "-D", self.data,
                           "-c", "listen_addresses=", "-c", "unix_socket_directories=" + self.sock,
                           "-c", "fsync=on"],
            stdout=f, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd="/")
        f.close()
        for _ in range(600):  # bounded wait until it accepts connections
            if self.proc.poll() is not None:
                raise RuntimeError("postgres exited:\n" + open(self.log, errors="replace").read())
            r = subprocess.run([os.path.join(self.bindir, "pg_isready"), "-h", self.sock, "-U", "portico",
                                "-d", "postgres"], capture_output=True)
            if r.returncode == 0:
                return self
            time.sleep(0.1)
        raise RuntimeError("postgres did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        if not os.environ.get("KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
