#!/usr/bin/env python3
"""The inside node keeps its TLS connections to the web bridge alive and
reuses them (a full handshake and chain check per request was 96 % of its
CPU in bench/edge), and a pooled connection the web bridge closed in the
meantime costs the guest nothing: the request goes out on a new one."""
import time

from edgelab import Lab, check, done, wait_for

lab = Lab()
lab.start()
check(lab.active_tunnels() == 2, "tunnels Active")

N = 20
codes = [lab.curl("/")[0] for _ in range(N)] + [lab.curl("/big?n=200000")[0] for _ in range(5)]
check(codes == [200] * (N + 5), "%d sequential requests answered 200" % (N + 5), codes)
st = lab.status("inside")["counters"]
check(st["backend_reused_total"] >= N, "the inside reused pooled web bridge connections", st)
check(st["backend_connections_total"] + st["backend_reused_total"] >= N + 5 and
      st["backend_connections_total"] <= 5,
      "few new TLS connections to the web bridge for %d requests" % (N + 5), st)

# The web bridge restarts: every pooled connection is dead; guests see no error.
lab.backend.term()
lab.backend.start()
check(wait_for(lambda: lab.curl("/health")[0] == 200, 30), "web bridge back")
codes = [lab.curl("/")[0] for _ in range(5)]
check(codes == [200] * 5, "after the web bridge restarted, requests still succeed", codes)

# A HEAD and a 204-like bodiless answer leave the connection reusable too.
before = lab.status("inside")["counters"]["backend_reused_total"]
check(lab.curl("/", "-I")[0] == 200, "HEAD answered")
check(lab.curl("/")[0] == 200, "GET after HEAD answered")
check(lab.status("inside")["counters"]["backend_reused_total"] > before,
      "the connection of a HEAD response was reused")
done()
