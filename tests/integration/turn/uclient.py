#!/usr/bin/env python3
"""turn-uclient: interoperability with a client no one here wrote: coturn's
turnutils_uclient (UDP with channels, UDP with Send indications, TCP, TCP
with Send indications, client-to-client over UDP and TCP) against
`portico turn`, with turnutils_peer as the echo peer, and
turnutils_stunclient for Binding.  Every packet must come back.
Usage: uclient.py PORTICO"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, fatal, spawn, free_port)

portico = portico_arg()
tools = {}
for t in ('turnutils_uclient', 'turnutils_peer', 'turnutils_stunclient'):
    tools[t] = shutil.which(t)
    if not tools[t]:
        fatal('%s not found (Debian package coturn)' % t)

M, N = 4, 30         # clients, messages per client

# coturn 4.6's uclient picks RFC 5766 channel numbers (0x4000-0x7FFF)
srv = Server(portico, turn=['allowed-peers = 127.0.0.0/8', 'legacy-channels = yes'], nports=100).start()

# --- the echo peer, waited for until it answers
peer_port = free_port()
peer = spawn([tools['turnutils_peer'], '-p', str(peer_port), '-L', '127.0.0.1'],
             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
probe.settimeout(0.2)
deadline = time.monotonic() + 20
ready = False
while time.monotonic() < deadline and peer.poll() is None and not ready:
    probe.sendto(b'ping', ('127.0.0.1', peer_port))
    try:
        ready = probe.recvfrom(100)[0] == b'ping'
    except socket.timeout:
        pass
probe.close()
if not ready:
    fatal('turnutils_peer did not answer on 127.0.0.1:%d' % peer_port)


def run(name, extra, retry=True):
    mark = len(srv.log())
    args = [tools['turnutils_uclient'], '-p', str(srv.port), '-u', 'turnuser', '-w', 'cisco',
            '-m', str(M), '-n', str(N), '-l', '120'] + extra + ['127.0.0.1']
    p = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out, _ = p.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    out = out.decode('utf-8', 'replace')
    tot = re.findall(r'start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)', out)
    good = p.returncode == 0 and 'Total lost packets 0 (0.000000%)' in out and bool(tot) \
        and tot[-1] == (str(M * N), str(M * N))
    if not good and retry and 'cannot bind a relay socket' in srv.log()[mark:]:
        # Another program on this machine took a port of our relay range
        # after we checked it free (EVEN-PORT reservations cannot move):
        # not the server's fault; run once more.
        print('# uclient %s: a relay port was taken by another program; running again' % name)
        return run(name, extra, retry=False)
    ok_rc = check_eq(p.returncode, 0, 'uclient %s: exit status 0' % name)
    ok_loss = check('Total lost packets 0 (0.000000%)' in out, 'uclient %s: "Total lost packets 0 (0.000000%%)"' % name,
                    [l for l in out.splitlines() if 'lost' in l or 'ERROR' in l][-5:])
    ok_tot = check(bool(tot) and tot[-1] == (str(M * N), str(M * N)),
                   'uclient %s: tot_send_msgs == tot_recv_msgs == %d' % (name, M * N), tot[-1:] or 'no totals')
    check(srv.alive(), 'server alive after uclient %s' % name)
    if not (ok_rc and ok_loss and ok_tot):
        print('# ---- uclient %s output (tail) ----' % name)
        for l in out.splitlines()[-30:]:
            print('# ' + l)


peer_args = ['-e', '127.0.0.1', '-r', str(peer_port)]
run('UDP, channels', peer_args)
run('UDP, Send indications (-s)', peer_args + ['-s'])
run('TCP, channels (-t)', peer_args + ['-t'])
run('TCP, Send indications (-t -s)', peer_args + ['-t', '-s'])
run('client-to-client UDP (-y)', ['-y'])
run('client-to-client TCP (-y -t)', ['-y', '-t'])

# --- turnutils_stunclient: Binding
p = spawn([tools['turnutils_stunclient'], '-p', str(srv.port), '127.0.0.1'],
          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
try:
    out = p.communicate(timeout=60)[0]
except subprocess.TimeoutExpired:
    p.kill()
    out = p.communicate()[0]
out = out.decode('utf-8', 'replace')
check(re.search(r'UDP reflexive addr: 127\.0\.0\.1:\d+', out) is not None,
      'turnutils_stunclient: Binding gives reflexive address 127.0.0.1', out.strip()[-300:])

check(srv.alive(), 'server alive after all runs')
srv.check_clean_stop('server')
log = srv.log()
created = re.findall(r'allocation created: user=turnuser client=(udp|tcp):127\.0\.0\.1:\d+ '
                     r'relay=127\.0\.0\.1:\d+ lifetime=\d+s', log)
check(len(created) >= 6 * M, 'log: at least %d "allocation created" lines with user=turnuser' % (6 * M), len(created))
check('tcp' in created and 'udp' in created, 'log: allocations over both UDP and TCP')
deleted = re.findall(r'allocation deleted \([^)]*\): user=turnuser client=(?:udp|tcp):127\.0\.0\.1:\d+ '
                     r'relay=127\.0\.0\.1:\d+ age=\d+s client-to-peer=(\d+) packets/(\d+) bytes '
                     r'peer-to-client=(\d+) packets/(\d+) bytes', log)
check_eq(len(deleted), len(created), 'log: every allocation has an "allocation deleted" line with byte counts')
c2p = sum(int(x[0]) for x in deleted)
c2p_bytes = sum(int(x[1]) for x in deleted)
p2c = sum(int(x[2]) for x in deleted)
# 6 runs x M x N messages of 120 bytes, each relayed both ways (client-to-client:
# each message crosses two allocations, counted once per direction on each).
check(c2p >= 6 * M * N and p2c >= 6 * M * N and c2p_bytes >= 6 * M * N * 120,
      'log: packet and byte counts cover every message (>= %d packets each way)' % (6 * M * N),
      (c2p, c2p_bytes, p2c))
dump_log_on_failure(srv)
finish()
