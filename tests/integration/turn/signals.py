#!/usr/bin/env python3
"""turn-signals: SIGHUP reloads [users] (existing allocations keep working),
SIGTERM/SIGINT stop cleanly, and `portico turn --check -c FILE` accepts good
configurations and refuses bad ones naming FILE:LINE.
Usage: signals.py PORTICO"""

import os
import re
import signal
import sys
import threading

sys.dont_write_bytecode = True     # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stunclient as S                       # noqa: E402
from turntest import (Server, check, check_eq, finish, portico_arg,  # noqa: E402
                      dump_log_on_failure, tmpdir, run)

portico = portico_arg()
# Every client here comes from 127.0.0.1: the server's per-source limit on
# unauthenticated answers (a reflection defence) would drop challenges and
# 400s this test counts on, so it is off.
NORATE = 'unauthenticated-rate = 0'
here = os.path.dirname(os.path.abspath(__file__))
servers = []


def err(r):
    return r.error_code if r.cls == S.ERROR else 'success'


# ================================================================ --check
d = tmpdir()


def run_check(name, text):
    path = os.path.join(d, name)
    with open(path, 'w') as f:
        f.write(text)
    rc, out = run([portico, 'turn', '--check', '-c', path])
    return path, rc, out


GOOD = """; a comment
[turn]
listen = 127.0.0.1:3478
listen = 127.0.0.2:3479          ; repeatable
relay-address = 127.0.0.1
external-address = 203.0.113.10
relay-ports = 24000-29999
realm = octavio.com
allowed-peers = 127.0.0.0/8, 172.16.85.0/24
denied-peers = 172.16.85.99
workers = 2
user-quota = 10
total-quota = 1000
max-permissions = 32
max-lifetime = 3600
nonce-lifetime = 600
binding-requires-auth = no
legacy-channels = yes
log-level = info

[users]
turnuser = cisco
hashed = 0x0123456789abcdef0123456789abcdef
"""
path, rc, out = run_check('good.conf', GOOD)
check_eq(rc, 0, '--check on a good configuration (every key) exits 0')
shipped = os.path.normpath(os.path.join(here, '..', '..', '..', 'conf', 'turn.conf'))
if os.path.exists(shipped):
    rc, out = run([portico, 'turn', '--check', '-c', shipped])
    check_eq(rc, 0, '--check on the shipped conf/turn.conf exits 0')

# (name, text, line of the error)
BAD = [
    ('unknown key', '[turn]\nrealm = x\n\nlisten-on = 127.0.0.1\n', 4),
    ('unknown section (line of the header or of its first key)',
     '[turn]\nrealm = x\n[turnn]\nlisten = 127.0.0.1\n', (3, 4)),
    ('key outside any section', 'realm = x\n[turn]\n', 1),
    ('bad CIDR prefix', '[turn]\nrealm = x\nallowed-peers = 10.0.0.0/33\n', 3),
    ('bad CIDR address', '[turn]\nrealm = x\nallowed-peers = 127.0.0.0/8, 300.1.2.3/8\n', 3),
    ('bad CIDR in denied-peers', '[turn]\n\n\n\ndenied-peers = banana\n', 5),
    ('relay-ports reversed', '[turn]\nrelay-ports = 5000-4000\n', 2),
    ('relay-ports below 1024', '[turn]\nrelay-ports = 80-90\n', 2),
    ('relay-ports not a range', '[turn]\nrelay-ports = lots\n', 2),
    ('duplicate realm', '[turn]\nrealm = a\nlisten = 127.0.0.1\nrealm = b\n', 4),
    ('listen port out of range', '[turn]\nlisten = 127.0.0.1:99999\n', 2),
    ('relay-address with a port', '[turn]\nlisten = 127.0.0.1\nrelay-address = 127.0.0.1:5\n', 3),
    ('max-lifetime below the default', '[turn]\nmax-lifetime = 100\n', 2),
    ('negative user-quota', '[turn]\nuser-quota = -1\n', 2),
    ('bad boolean', '[turn]\nbinding-requires-auth = maybe\n', 2),
    ('bad log level', '[turn]\nlog-level = loud\n', 2),
    ('empty password', '[turn]\nlisten = 127.0.0.1\n[users]\nbob =\n', 4),
    ('external-address family differs from relay-address',
     '[turn]\nlisten = 127.0.0.1\nrelay-address = 127.0.0.1\nexternal-address = 2001:db8::1\n', 4),
]
for name, text, line in BAD:
    path, rc, out = run_check('bad.conf', text)
    check(rc != 0, '--check refuses %s (exit %d)' % (name, rc), out.strip())
    lines = line if isinstance(line, tuple) else (line,)
    check(any('%s:%d:' % (path, n) in out for n in lines),
          '--check names %s:%s for %s' % (os.path.basename(path), '|'.join(map(str, lines)), name),
          out.strip())
path, rc, out = run_check('wild.conf', '[turn]\nlisten = 0.0.0.0:3478\n')
check(rc != 0 and path in out, '--check refuses a wildcard listen without relay-address, naming the file',
      out.strip())
rc, out = run([portico, 'turn', '--check', '-c', os.path.join(d, 'missing.conf')])
check(rc != 0, '--check on a missing file exits non-zero', out)

# ================================================================ SIGHUP
srv = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE],
             users={'turnuser': 'cisco', 'other': 'secret'}).start()
servers.append(srv)
echo = S.Echo('127.0.0.1')

before = S.Client(srv.addr)
r = before.allocate()
check(r.cls == S.SUCCESS, 'allocation before the reload (old password)', r)
r = before.channel_bind(0x4000, echo.addr)
check(r.cls == S.SUCCESS, 'ChannelBind before the reload', r)
before_tcp = S.Client(srv.addr, 'tcp')
r = before_tcp.allocate()
check(r.cls == S.SUCCESS, 'TCP allocation before the reload', r)
r = before_tcp.channel_bind(0x4001, echo.addr)
check(r.cls == S.SUCCESS, 'TCP ChannelBind before the reload', r)


def channel_echo(cl, num, payload, what):
    cl.send_channel(num, payload)
    try:
        data, _ = echo.recv(5)
        got = cl.recv_data(5)
        check(data == payload and got == ('channel', num, payload), what, (data, got))
    except S.StunError as e:
        check(False, what, e)


channel_echo(before, 0x4000, b'before reload', 'channel data echoes before the reload')

srv.write_conf(users={'turnuser': 'newpass'})
srv.signal(signal.SIGHUP)
check(srv.wait_log(r'reloaded .*: 1 users', 20), 'log: reloaded with 1 user')

r = S.Client(srv.addr, password='newpass').allocate()
check_eq(err(r), 'success', 'after SIGHUP a new allocation with the new password succeeds')
r = S.Client(srv.addr, password='cisco').allocate()
check_eq(err(r), 401, 'after SIGHUP a new allocation with the old password gets 401')
check(srv.wait_log(r'integrity check failed: password does not match: user="turnuser"', 10),
      'log: the old password is reported as not matching')
r = S.Client(srv.addr, user='other', password='secret').allocate()
check_eq(err(r), 401, 'after SIGHUP a removed user gets 401')
check(srv.wait_log(r'unknown user: user="other"', 10), 'log: the removed user is unknown')

channel_echo(before, 0x4000, b'after reload', 'UDP allocation made before the reload still relays channel data')
channel_echo(before_tcp, 0x4001, b'after reload tcp', 'TCP allocation made before the reload still relays')
r = before.refresh()
check_eq(err(r), 'success', 'the allocation made before the reload can still be refreshed')
r = before.channel_bind(0x4000, echo.addr)
check_eq(err(r), 'success', 'and its channel can still be refreshed')
r = before_tcp.refresh()
check_eq(err(r), 'success', 'the TCP allocation made before the reload can still be refreshed')

# a broken file is refused on reload; the running users stay
with open(srv.conf, 'a') as f:
    f.write('this is not ini\n')
srv.signal(signal.SIGHUP)
check(srv.wait_log(r'reload refused, keeping the running configuration: .*%s:\d+:' % re.escape(srv.conf), 20),
      'log: a broken file is refused on reload, naming file:line')
r = S.Client(srv.addr, password='newpass').allocate()
check_eq(err(r), 'success', 'after a refused reload the current users still work')

# a realm change needs a restart: refused
srv.realm = 'other.example'
srv.write_conf(users={'turnuser': 'third'})
srv.signal(signal.SIGHUP)
check(srv.wait_log(r'realm changed', 20), 'log: a realm change is refused on reload')
r = S.Client(srv.addr, password='newpass').allocate()
check_eq(err(r), 'success', 'after a refused realm change the current users still work')
check(srv.alive(), 'server alive after three SIGHUPs')

# ================================================================ SIGTERM
r = before.refresh()
check_eq(err(r), 'success', 'refresh just before SIGTERM')
srv.check_clean_stop('server (SIGTERM)')
log = srv.log()
check(re.search(r'stopping on signal', log) is not None, 'log: "stopping on signal"')
check(re.search(r'allocation deleted \(server shutdown\): user=turnuser client=udp:127\.0\.0\.1:%d'
                % before.local[1], log) is not None,
      'log: allocations are deleted at shutdown with a reason')

# ============================ SIGHUP and SIGTERM under traffic (races)
srv3 = Server(portico, turn=['allowed-peers = 127.0.0.0/8', NORATE]).start()
servers.append(srv3)
busy_echo = S.Echo('127.0.0.1')
flooders = []
for proto in ('udp', 'udp', 'tcp'):
    fc = S.Client(srv3.addr, proto)
    ok = fc.allocate().cls == S.SUCCESS and fc.channel_bind(0x4000, busy_echo.addr).cls == S.SUCCESS
    check(ok, 'flood client over %s set up (allocation and channel)' % proto.upper())
    flooders.append(fc)
stop_flood = threading.Event()


def echo_loop():
    while not stop_flood.is_set():
        r, _, _ = S.select.select([busy_echo.sock], [], [], 0.1)
        if r:
            try:
                d, src = busy_echo.sock.recvfrom(65535)
                busy_echo.sock.sendto(d, src)
            except OSError:
                pass


def flood(fc):
    payload = b'z' * 160
    sent = 0
    while not stop_flood.is_set() and sent < 200000:
        try:
            fc.send_channel(0x4000, payload)
            sent += 1
            if fc.proto == 'tcp' or sent % 50 == 0:
                # drain what comes back so nothing blocks
                while S.select.select([fc.conn.sock], [], [], 0)[0]:
                    if not fc.conn.sock.recv(65536):
                        return
        except OSError:
            return


threads = [threading.Thread(target=echo_loop, daemon=True)]
threads += [threading.Thread(target=flood, args=(fc,), daemon=True) for fc in flooders]
for th in threads:
    th.start()
for i in range(5):
    srv3.write_conf(users={'turnuser': 'cisco', 'u%d' % i: 'p%d' % i})
    srv3.signal(signal.SIGHUP)
    check(srv3.wait_log(r'reloaded ', 20, count=i + 1), 'SIGHUP %d under traffic: reloaded' % (i + 1))
check(srv3.wait_log(r'allocation created: .*client=tcp', 5) and srv3.alive(), 'server alive under traffic')
rc = srv3.stop()
stop_flood.set()
for th in threads:
    th.join(10)
check_eq(rc, 0, 'SIGTERM under traffic: exit 0')
check(re.search(r'notice turn: stopped', srv3.log()) is not None, 'SIGTERM under traffic: "stopped" logged')
check(not srv3.sanitizer_report(), 'SIGTERM under traffic: no sanitizer report', srv3.sanitizer_report()[:10])
flowed = re.findall(r'allocation deleted \(server shutdown\): .* client-to-peer=(\d+) packets', srv3.log())
check(len(flowed) == 3, 'SIGTERM under traffic: the three allocations are deleted at shutdown', flowed)
check(all(int(n) > 0 for n in flowed), 'traffic was flowing on each allocation when the signals came', flowed)
for fc in flooders:
    fc.close()

# SIGINT too
srv2 = Server(portico).start()
servers.append(srv2)
r = S.Client(srv2.addr).allocate()
check_eq(err(r), 'success', 'second server allocates')
srv2.signal(signal.SIGINT)
check_eq(srv2.stop(), 0, 'SIGINT: exit 0')
check(re.search(r'notice turn: stopped', srv2.log()) is not None, 'SIGINT: "stopped" logged')
check(not srv2.sanitizer_report(), 'SIGINT: no sanitizer report', srv2.sanitizer_report())

dump_log_on_failure(*servers)
finish()
