#!/usr/bin/env python3
"""The Debian package (issue 15): `make deb-only` builds it (release build,
nocheck, parallel=2, into a temporary directory), lintian finds no error,
the extracted tree has the installed layout, each unit passes
`systemd-analyze verify` and scores 3.0 or lower in `systemd-analyze
security --offline=yes`, and the shipped configurations pass --check (with
the certificates postinst would make) while broken ones fail naming
FILE:LINE and the key.
As root on a throwaway machine (CI=true): install it with apt, run
`portico lab` from a directory outside the tree, fetch the guest app,
reinstall over an edited conffile (kept), purge (user and state gone).
Usage: test_pkg.py PATH/TO/portico (unused: the package builds its own)."""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
from pkgtest import check, done, free_range, note, run, skip_all, src_root, wait_for  # noqa: E402

SRC = src_root()
for tool in ("dpkg-buildpackage", "dh", "lintian", "systemd-analyze", "git"):
    if not shutil.which(tool):
        skip_all("%s is not installed (scripts/deps.d/deb.apt)" % tool)
if not os.path.isdir(os.path.join(SRC, ".git")) and not os.path.isfile(os.path.join(SRC, ".git")):
    skip_all("not a git checkout (make deb copies what git tracks)")

tmp = tempfile.mkdtemp(prefix="portico-pkg-")
ROOT = os.path.join(tmp, "root")
UNITS = ["portico-turn.service", "portico-meet.service", "portico-edge@.service"]


def build():
    rc, out = run(["make", "-C", SRC, "--no-print-directory", "deb-only", "DEBBUILD=" + tmp + "/deb",
                   "DEB_BUILD_OPTIONS=nocheck parallel=2"], timeout=900)
    debs = glob.glob(tmp + "/deb/portico_*_*.deb")
    debs = [d for d in debs if "dbgsym" not in d]
    check(rc == 0 and len(debs) == 1, "make deb builds portico_<version>_<arch>.deb", out[-6000:])
    return debs[0] if debs else None


def lintian(deb):
    rc, out = run(["lintian", "--tag-display-limit", "0", deb], timeout=300)
    errors = [line for line in out.splitlines() if line.startswith("E:")]
    note("lintian: %d error(s), %d warning(s)" % (len(errors), sum(l.startswith("W:") for l in out.splitlines())))
    note(out.strip())
    check(not errors, "lintian: no errors", out)


def layout(deb):
    rc, out = run(["dpkg-deb", "-x", deb, ROOT])
    check(rc == 0, "dpkg-deb -x", out)
    want = ["usr/bin/portico", "usr/share/portico/web/index.html", "usr/share/portico/web/app.js",
            "usr/share/portico/make-certs", "etc/portico/turn.conf", "etc/portico/meet.conf",
            "etc/portico/edge.conf", "usr/share/doc/portico/copyright"]
    want += ["usr/share/man/man8/%s.8.gz" % m for m in
             ("portico", "portico-turn", "portico-meet", "portico-edge", "portico-lab", "portico-doctor")]
    want += ["lib/systemd/system/" + u for u in UNITS]
    missing = [w for w in want if not os.path.isfile(os.path.join(ROOT, w))]
    check(not missing, "the installed layout (binary, web app, man pages gzipped, configs, units)",
          "missing: %s" % missing)
    rc, out = run(["dpkg-deb", "-e", deb, tmp + "/control"])
    with open(tmp + "/control/conffiles") as f:
        conffiles = f.read().split()
    check(sorted(conffiles) == ["/etc/portico/edge.conf", "/etc/portico/meet.conf", "/etc/portico/turn.conf"],
          "/etc/portico/{turn,meet,edge}.conf are conffiles", conffiles)
    rc, out = run([ROOT + "/usr/bin/portico", "version"])
    check(rc == 0 and out.startswith("portico "), "the packaged binary runs", out)
    rc, out = run(["sh", "-c", "dpkg-deb -f '%s' Depends" % deb])
    check("libsystemd0" in out and "adduser" in out, "Depends: libsystemd0 (sd_notify), adduser", out)


def units():
    # A root for verify: the package, the host's targets and /bin/kill.
    vroot = os.path.join(tmp, "vroot")
    shutil.copytree(ROOT, vroot, symlinks=True)
    os.makedirs(vroot + "/usr/lib/systemd/system", exist_ok=True)
    os.makedirs(vroot + "/bin", exist_ok=True)
    for t in glob.glob("/lib/systemd/system/*.target") + glob.glob("/usr/lib/systemd/system/*.target"):
        dst = vroot + "/usr/lib/systemd/system/" + os.path.basename(t)
        if not os.path.exists(dst):
            shutil.copy(t, dst, follow_symlinks=True)
    shutil.copy(shutil.which("kill") or "/bin/kill", vroot + "/bin/kill")
    for u in UNITS:
        name = u.replace("@.", "@edge.")
        rc, out = run(["systemd-analyze", "verify", "--man=no", "--root=" + vroot, name], timeout=60)
        check(rc == 0 and not out.strip(), "systemd-analyze verify " + name, out)
        rc, out = run(["systemd-analyze", "security", "--offline=yes", "--no-pager", "--root=" + vroot, name],
                      timeout=60)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out)
        score = float(m.group(1)) if m else 99.0
        note("systemd-analyze security %s: %s" % (name, m.group(1) if m else "?"))
        check(score <= 3.0, "%s exposure %.1f <= 3.0" % (name, score), out[-3000:])
    with open(ROOT + "/lib/systemd/system/portico-turn.service") as f:
        turn = f.read()
    check("Type=notify" in turn and "--check" in turn and "kill -HUP" in turn and
          "CAP_BPF" not in turn, "turn: Type=notify, ExecStartPre --check, ExecReload HUP, no CAP_BPF", turn)


def configs():
    bin_ = ROOT + "/usr/bin/portico"
    tls = os.path.join(tmp, "tls")
    rc, out = run(["sh", ROOT + "/usr/share/portico/make-certs", tls, str(os.getgid())])
    check(rc == 0 and os.path.isfile(tls + "/meet.key"), "make-certs (postinst's local CA)", out)
    for role in ("turn", "meet", "edge"):
        with open(ROOT + "/etc/portico/%s.conf" % role) as f:
            text = f.read().replace("/etc/portico/tls", tls)
        path = os.path.join(tmp, "%s.conf" % role)
        with open(path, "w") as f:
            f.write(text)
        rc, out = run([bin_, role, "-c", path, "--check"], timeout=60)
        check(rc == 0, "shipped /etc/portico/%s.conf passes --check" % role, out)
    broken = {
        "turn": ("[turn]\nlisten = 127.0.0.1:3478\nrelay-ports = 9-3\nbogus-key = 1\nrealm = a\nrealm = b\n",
                 [(3, "relay-ports"), (4, "bogus-key"), (6, "realm")]),
        "meet": ("[meet]\nstate = /tmp/x\nlog-level = loud\nfrobnicate = yes\n[api]\nlisten = nowhere\n",
                 [(3, "log-level"), (4, "frobnicate"), (6, "listen")]),
        "edge": ("[edge]\nrole = outside\ncolour = blue\n[traversal]\nping-interval = 0\n",
                 [(3, "colour"), (5, "ping-interval")]),
    }
    for role, (text, want) in broken.items():
        path = os.path.join(tmp, "broken-%s.conf" % role)
        with open(path, "w") as f:
            f.write(text)
        rc, out = run([bin_, role, "-c", path, "--check"], timeout=60)
        lines = out.splitlines()
        ok = rc != 0 and all(any("%s:%d:" % (path, n) in l and key in l for l in lines) for n, key in want)
        check(ok, "broken %s config: exit %d, one message per problem with FILE:LINE and the key" % (role, rc),
              out)


def root_install(deb):
    if os.geteuid() != 0 or os.environ.get("CI") != "true":
        note("install/lab/purge: skipped (needs root and CI=true: a throwaway machine)")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "purge", "-y", "-qq", "portico"], env=env)
    rc, out = run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", deb], env=env, timeout=600)
    check(rc == 0, "apt-get install ./portico_*.deb", out[-4000:])
    rc, out = run(["getent", "passwd", "portico"])
    check(rc == 0, "postinst created the portico system user", out)
    st = [os.stat("/var/lib/portico/" + r) for r in ("turn", "meet", "edge") if os.path.isdir("/var/lib/portico/" + r)]
    uid = int(out.split(":")[2]) if rc == 0 else -1
    check(len(st) == 3 and all(s.st_uid == uid for s in st), "/var/lib/portico/<role> owned by portico")
    for role in ("turn", "meet", "edge"):
        rc, out = run(["/usr/bin/portico", role, "-c", "/etc/portico/%s.conf" % role, "--check"], timeout=60)
        check(rc == 0, "installed %s.conf passes --check (certificates from postinst)" % role, out)
    lab(env)
    with open("/etc/portico/turn.conf", "a") as f:
        f.write("; edited by the administrator\n")
    rc, out = run(["dpkg", "-i", "--force-confold", deb], env=env, timeout=300)
    with open("/etc/portico/turn.conf") as f:
        kept = "edited by the administrator" in f.read()
    check(rc == 0 and kept, "reinstall (upgrade) keeps an edited conffile", out)
    rc, out = run(["apt-get", "purge", "-y", "-qq", "portico"], env=env, timeout=300)
    gone = run(["getent", "passwd", "portico"])[0] != 0 and not os.path.exists("/var/lib/portico") \
        and not os.path.exists("/etc/portico")
    check(rc == 0 and gone, "purge removes the user, the state and /etc/portico", out)


def lab(env):
    """`portico lab` from a directory with no checkout, state in a temp dir."""
    cwd = tempfile.mkdtemp(prefix="portico-lab-cwd-")
    state = os.path.join(tmp, "lab-state")
    base = free_range(60)
    lab_env = {k: v for k, v in env.items() if not k.startswith("PORTICO_")}
    p = subprocess.Popen(["/usr/bin/portico", "lab", "--state", state, "--port-base", str(base)], cwd=cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=lab_env)
    out = []
    threading.Thread(target=lambda: [out.append(line) for line in p.stdout], daemon=True).start()
    try:
        ready = wait_for(lambda: any("portico lab: ready" in l for l in out) or p.poll() is not None, 120)
        check(ready and p.poll() is None, "portico lab runs from %s (no checkout)" % cwd, "".join(out))
        curl = [l.strip() for l in out if l.strip().startswith("curl ")]
        check(curl, "the lab prints its curl line", "".join(out))
        if curl:
            cmd = curl[0].split()[1:]
            rc, body = run(["curl", "-sS", "--max-time", "20"] + [a.strip('"') for a in cmd], timeout=60)
            check(rc == 0 and "<html" in body.lower(), "the lab serves the installed web app", body[:2000])
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(cwd, True)


try:
    deb = build()
    if deb:
        lintian(deb)
        layout(deb)
        units()
        configs()
        root_install(deb)
finally:
    shutil.rmtree(tmp, True)
done()
