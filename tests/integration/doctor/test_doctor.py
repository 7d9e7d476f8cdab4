#!/usr/bin/env python3
"""`portico doctor` against a real `portico lab`: all PASS on a healthy lab,
then each of the seed's failures put in on purpose (`portico lab --break`,
the REST API, or the resolver doctor is told to use), and doctor must name
it on the right check line, with a non-zero exit."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab"))
from labctl import Lab, check, done, portico, wait_for  # noqa: E402

CHECKS = ["external-dns", "internal-dns", "certificate", "guest-uri", "tunnels", "webbridge-link",
          "turn-server-side", "turn-client-side"]


def doctor(lab, *extra):
    r = subprocess.run([portico(), "doctor", "--lab", lab.state] + list(extra), capture_output=True,
                       text=True, timeout=120)
    lines = {}
    for line in r.stdout.splitlines():
        m = re.match(r"(PASS|FAIL|SKIP) (\S+)\s+(.*)", line)
        if m:
            lines[m.group(2)] = (m.group(1), m.group(3))
    return r.returncode, lines, r.stdout + r.stderr


def expect_fail(lab, name, pattern, title, *extra, until=None):
    """doctor must FAIL `name` with pattern in its line (bounded wait for
    the nodes to notice, e.g. a link re-check), and exit non-zero."""
    got = {}

    def cond():
        got["r"] = doctor(lab, *extra)
        st = got["r"][1].get(name, ("", ""))
        return st[0] == "FAIL" and re.search(pattern, st[1])
    wait_for(cond, 30, 0.5)
    rc, lines, out = got["r"]
    check(rc == 1 and lines.get(name, ("",))[0] == "FAIL" and re.search(pattern, lines[name][1]),
          title, out)
    return lines


def stop(lab):
    check(lab.stop() == 0 and lab.children_gone(), "lab (%s) stops cleanly" % (lab.fault or "healthy"))


# Healthy lab: every check passes, one line each, exit 0.
lab = Lab().start()
check(lab.ready.is_set(), "lab is ready", lab.text())
rc, lines, out = doctor(lab)
check(rc == 0 and all(lines.get(c, ("",))[0] == "PASS" for c in CHECKS),
      "healthy lab: every check PASS, exit 0", out)
check(len(out.strip().splitlines()) == len(CHECKS), "one line per check", out)

# The same deployment described by hand, as for real nodes (no lab.ini).
st = lab.state
r = subprocess.run([portico(), "doctor", "--outside", st + "/edge-outside.conf", "--inside", st + "/edge-inside.conf",
                    "--meet", st + "/meet.conf", "--public-address", "127.0.0.1",
                    "--external-resolver", "map:cmsweb.octavio.com=127.0.0.1", "--internal-resolver", "config",
                    "--api", "https://127.0.0.2:%d" % lab.api, "--api-name", "admin.cms.octavio.local",
                    "--api-user", "admin", "--api-password-file", st + "/secrets/admin-password",
                    "--ca", lab.ca()], capture_output=True, text=True, timeout=120)
check(r.returncode == 0 and r.stdout.count("PASS ") == len(CHECKS), "configs and credentials given by hand: every "
      "check PASS", r.stdout + r.stderr)
r = subprocess.run([portico(), "doctor", "--outside", st + "/edge-outside.conf", "--ca", lab.ca(),
                    "--public-address", "127.0.0.1", "--external-resolver", "map:cmsweb.octavio.com=127.0.0.1"] +
                   sum((["--check", c] for c in CHECKS if c != "internal-dns"), []),
                   capture_output=True, text=True, timeout=120)
skips = [x for x in r.stdout.splitlines() if x.startswith("SKIP ")]
check(r.returncode == 0 and len(skips) >= 4 and "FAIL" not in r.stdout and
      any("admin API is not given" in x for x in skips), "only the outside config: what cannot be checked is SKIP "
      "with the reason, not FAIL", r.stdout + r.stderr)

# External DNS pointing elsewhere (the resolver doctor is told browsers use).
expect_fail(lab, "external-dns", r"resolves to 192\.0\.2\.10, not to the edge's public address 127\.0\.0\.1",
            "external DNS to another address: external-dns FAIL",
            "--external-resolver", "map:cmsweb.octavio.com=192.0.2.10")
expect_fail(lab, "external-dns", r"resolves to nothing", "external name unresolvable: external-dns FAIL",
            "--external-resolver", "map:other.octavio.com=127.0.0.1")

# The certificate: browsers that do not trust the lab CA (system store only).
expect_fail(lab, "certificate", r"does not chain to a trusted CA", "CA not trusted: certificate FAIL",
            "--ca", "/etc/ssl/certs/ca-certificates.crt")
expect_fail(lab, "certificate", r"does not name www\.octavio\.com in its SANs",
            "name missing from the SANs: certificate FAIL", "--external-name", "www.octavio.com",
            "--check", "certificate")

# TURN: clientAddress where no TURN answers (through the API, as an admin would).
code, body = lab.api_get("/turnServers")
tid = re.search(r'turnServer id="([^"]+)"', body).group(1)
lab.api_get("/turnServers/" + tid, "PUT", ["clientAddress=127.0.0.9"])
expect_fail(lab, "turn-client-side", r"cannot allocate on TURN at clientAddress 127\.0\.0\.9",
            "clientAddress unreachable: turn-client-side FAIL")
lab.api_get("/turnServers/" + tid, "PUT", ["clientAddress=127.0.0.1", "username=nobody"])
lines = expect_fail(lab, "turn-server-side", r"TURN username or password differs between the meeting "
                    r"server and the edge", "TURN username unknown to the edge: turn-server-side FAIL")
check(lines.get("turn-client-side", ("",))[0] == "FAIL" and "not a TURN user of the edge" in
      lines["turn-client-side"][1], "TURN username unknown to the edge: turn-client-side FAIL",
      lines.get("turn-client-side"))
stop(lab)

# The seed's failures, each in a lab broken on purpose.
cases = [
    ("guest-uri", "guest-uri", r"Guest account client URI is https://cmsweb\.cms\.octavio\.local.*Bad Request",
     "internal name as Guest account client URI (the seed's Bad Request): guest-uri FAIL"),
    ("self-signed", "certificate", r"self-signed: browsers say \"not secure\"",
     "self-signed edge certificate (the seed's not secure): certificate FAIL"),
    ("expired", "certificate", r"expired or not yet valid: browsers say \"not secure\"",
     "expired edge certificate: certificate FAIL"),
    ("trust", "webbridge-link", r"no trusted link to the call bridge.*no \"Join call\" button",
     "trust bundle without the call bridge certificate (the seed's missing Join call): webbridge-link FAIL"),
    ("turn-password", "turn-server-side", r"^TURN username or password differs between the meeting server and the edge",
     "TURN password mismatch (the seed's timed-out call): turn-server-side FAIL"),
    ("tunnel", "tunnels", r"no Active tunnel for octavio\.local, octavio\.com, cmsweb\.octavio\.com.*credentials",
     "wrong traversal password: tunnels FAIL for every domain"),
    ("dns", "internal-dns", r"resolves to 127\.0\.0\.3:\d+ where no web bridge answers",
     "internal DNS not pointing at the web bridge: internal-dns FAIL"),
]
for fault, name, pattern, title in cases:
    lab = Lab(state=lab.state, base=lab.base, fault=fault).start()
    check(lab.ready.is_set(), "lab --break %s comes up" % fault, lab.text())
    lines = expect_fail(lab, name, pattern, title)
    others = [c for c in CHECKS if lines.get(c, ("",))[0] == "FAIL" and c != name]
    check(fault == "tunnel" or not others, "--break %s: no other check fails" % fault, lines)
    stop(lab)
done()
