#!/usr/bin/env python3
"""`portico lab --netns` (root): the seed's network in namespaces.

Real DNS split horizon (two dnsmasq), static NAT and the seed's firewall on
a router namespace, the outside edge with two interfaces, the inside hosts
unreachable from the internet.  doctor passes every check from both sides;
closing the relay range or the TURN port in the firewall is named by
doctor; SIGTERM and --down remove every namespace.  Exits 77 (skipped)
without root, ip, nft or dnsmasq."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from labctl import Lab, check, done, portico, wait_for, pid_alive  # noqa: E402

if os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "nft", "dnsmasq")):
    print("1..0 # SKIP needs root, ip, nft and dnsmasq")
    sys.exit(77)

NS = ["portico-inet", "portico-router", "portico-dmz", "portico-lan", "portico-cms", "portico-vcsc"]


def namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def in_ns(ns, *args, timeout=30):
    return subprocess.run(["ip", "netns", "exec", ns] + list(args), capture_output=True, text=True,
                          timeout=timeout)


def doctor(lab, *extra):
    r = subprocess.run([portico(), "doctor", "--lab", lab.state] + list(extra), capture_output=True,
                       text=True, timeout=180)
    lines = {m.group(2): (m.group(1), m.group(3)) for m in
             (re.match(r"(PASS|FAIL|SKIP) (\S+)\s+(.*)", x) for x in r.stdout.splitlines()) if m}
    return r.returncode, lines, r.stdout + r.stderr


def drop_rule(comment):
    listing = in_ns("portico-router", "nft", "-a", "list", "chain", "inet", "portico", "forward").stdout
    m = re.search(r'comment "%s" # handle (\d+)' % comment, listing)
    return m and in_ns("portico-router", "nft", "delete", "rule", "inet", "portico", "forward",
                       "handle", m.group(1)).returncode == 0


class NetnsLab(Lab):
    def start(self, wait=True, timeout=180):
        args = [self.bin, "lab", "--netns", "--state", self.state, "--web-root",
                os.environ.get("PORTICO_WEB_ROOT", "web")]
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        import threading
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        wait_for(lambda: self.ready.is_set() or self.p.poll() is not None, timeout)
        return self


subprocess.run([portico(), "lab", "--down"], capture_output=True)
state = tempfile.mkdtemp(prefix="portico-netns-")
lab = NetnsLab(state=state, base=443).start()
try:
    check(lab.ready.is_set(), "portico lab --netns is ready", lab.text())
    check(set(NS) <= namespaces(), "the six namespaces exist", namespaces())
    check(all(a.startswith(("192.0.2.", "198.51.100.", "203.0.113.")) for a in
              re.findall(r"inet (\d+\.\d+\.\d+\.\d+)", "".join(in_ns(n, "ip", "-4", "addr").stdout for n in NS))
              if not a.startswith("127.")), "only documentation ranges are used")
    r = in_ns("portico-inet", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
              "--cacert", lab.ca(), "https://cmsweb.octavio.com/")
    check(r.stdout == "200", "from the internet, the external name (real DNS) reaches the web bridge through "
          "NAT, firewall, edge and tunnel", r.stdout + r.stderr)
    r = in_ns("portico-inet", "curl", "-sk", "-o", "/dev/null", "--max-time", "5", "https://198.51.100.180/")
    check(r.returncode != 0, "the inside network is unreachable from the internet")
    r = in_ns("portico-inet", "curl", "-sk", "-o", "/dev/null", "--max-time", "5", "https://203.0.113.156:445/")
    check(r.returncode != 0, "the edge's status port is not open to the internet")

    rc, lines, out = doctor(lab)
    check(rc == 0 and len(lines) == 8 and all(v[0] == "PASS" for v in lines.values()),
          "doctor: every check PASS across the namespaces", out)
    check("udp:203.0.113.53" in lines.get("external-dns", ("", ""))[1],
          "external-dns asked the external DNS server", lines.get("external-dns"))
    check("198.51.100.180:443" in lines.get("internal-dns", ("", ""))[1],
          "internal-dns: the internal DNS gives the web bridge", lines.get("internal-dns"))

    check(drop_rule("relays-in"), "firewall: close the relay port range")
    rc, lines, out = doctor(lab, "--check", "turn-client-side")
    check(rc == 1 and "the relay port range is closed" in lines.get("turn-client-side", ("", ""))[1],
          "doctor names the closed relay port range", out)
    check(drop_rule("turn-udp"), "firewall: close UDP 3478")
    rc, lines, out = doctor(lab, "--check", "turn-client-side")
    check(rc == 1 and "cannot allocate on TURN at clientAddress 203.0.113.156 port 3478 over UDP" in
          lines.get("turn-client-side", ("", ""))[1], "doctor names the closed TURN port", out)

    check(lab.stop() == 0, "SIGTERM: portico lab --netns exits 0", lab.text()[-1500:])
    check(lab.children_gone(), "SIGTERM: every child is gone (dnsmasq included)", lab.pids)
    check(not (set(NS) & namespaces()), "SIGTERM: the namespaces are removed", namespaces())

    lab2 = NetnsLab(state=state, base=443).start()
    check(lab2.ready.is_set(), "second run with the same state", lab2.text())
    lab2.p.send_signal(signal.SIGKILL)
    lab2.p.wait()
    check(lab2.children_gone(), "lab killed with SIGKILL: its children die with it", lab2.pids)
    check(set(NS) <= namespaces(), "... and the namespaces stay")
    r = subprocess.run([portico(), "lab", "--down"], capture_output=True, text=True)
    check(r.returncode == 0 and not (set(NS) & namespaces()) and
          not any(os.path.exists("/etc/netns/" + n) for n in NS), "portico lab --down removes everything",
          r.stdout + r.stderr)
finally:
    if lab.p and lab.p.poll() is None:
        lab.stop()
    subprocess.run([portico(), "lab", "--down"], capture_output=True)
    shutil.rmtree(state, True)
done()
