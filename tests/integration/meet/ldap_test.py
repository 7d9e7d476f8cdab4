#!/usr/bin/env python3
"""LDAP import against a private slapd: ldapServers/ldapMappings/ldapSources,
POST /ldapSyncs, users and their coSpaces created, updated and removed with
the directory; a wrong bind password is a failed sync and never logged."""
import re
import time

from ldaptest import ROOT_DN, ROOT_PW, SUFFIX, Slapd
from meetlib import Meet, Procs, Tap, location_id

t = Tap()
procs = Procs()
ds = Slapd(procs)
ds.add_person("alice", "Alice Martin", "alice-pw", "employeeNumber: 4001\n")
ds.add_person("bob", "Bob Durand", "bob-pw", "employeeNumber: 4002\n")
# carol's call ID mapping collides with alice's: she gets no call ID.
ds.add_person("carol", "Carol Petit", "carol-pw", "employeeNumber: 4001\n")
m = Meet(procs).start()


def post(path, data):
    st, h, body = m.curl("POST", path, data)
    t.eq(st, 200, "POST %s %s" % (path, body.strip()))
    return location_id(h)


def wait_sync(sid):
    """The sync's final state (bounded poll: the sync is asynchronous)."""
    for _ in range(600):
        st, _, body = m.curl("GET", "/ldapSyncs/" + sid)
        s = re.search(r"<state>(\w+)</state>", body)
        if s and s.group(1) in ("complete", "failed"):
            return s.group(1), body
        time.sleep(0.1)
    return "timeout", body


server = post("/ldapServers", [("address", "127.0.0.1"), ("portNumber", str(ds.port)),
                               ("username", ROOT_DN), ("password", ROOT_PW), ("secure", "false")])
st, _, body = m.curl("GET", "/ldapServers/" + server)
t.ok(st == 200 and ROOT_PW not in body and "<portNumber>%d<" % ds.port in body,
     "ldapServer shown without its password", body)
mapping = post("/ldapMappings", [("jidMapping", "$uid$@example.com"), ("nameMapping", "$cn$"),
                                 ("coSpaceNameMapping", "$cn$'s space"),
                                 ("coSpaceUriMapping", "$uid$.space"),
                                 ("coSpaceCallIdMapping", "$employeeNumber|'/^/88/'$")])
st, _, body = m.curl("POST", "/ldapMappings", [("jidMapping", "$uid")])
t.eq(st, 400, "a malformed mapping is refused " + body.strip())
source = post("/ldapSources", [("server", server), ("mapping", mapping), ("baseDn", "ou=people," + SUFFIX),
                               ("filter", "(objectClass=inetOrgPerson)")])

state, body = wait_sync(post("/ldapSyncs", [("ldapSource", source)]))
t.eq(state, "complete", "first sync completes " + body)
t.match(r"<numUsersSynced>3</numUsersSynced>", body, "three users synced")
st, _, body = m.curl("GET", "/users")
t.match(r'total="3"', body, "three users listed")
st, _, cbody = m.curl("GET", "/coSpaces?filter=carol")
t.ok("carol.space" in cbody and "<callId>" not in cbody, "a call ID already in use is not given twice", cbody)
t.match(r"alice@example.com", body, "alice's JID")
st, _, body = m.curl("GET", "/coSpaces?filter=alice")
t.match(r"<name>Alice Martin(&apos;|')s space</name>", body, "alice's space named from the mapping " + body)
uid = re.search(r'coSpace id="([^"]+)"', body)
st, _, body = m.curl("GET", "/coSpaces/" + (uid.group(1) if uid else "x"))
t.match(r"<callId>884001</callId>", body, "call ID from the regex rewrite")
t.match(r"<ownerJid>alice@example.com</ownerJid>", body, "space owned by alice")
t.match(r"<uri>alice.space</uri>", body, "space URI from the mapping")
t.match(r"<secret>[A-Za-z0-9_-]{22}</secret>", body, "synced space has a guest-link secret")

# Directory changes: alice renamed, bob leaves.
ds.modify("dn: uid=alice,ou=people,%s\nchangetype: modify\nreplace: cn\ncn: Alice Bernard\n" % SUFFIX)
ds.delete("uid=bob,ou=people," + SUFFIX)
ds.delete("uid=carol,ou=people," + SUFFIX)
state, body = wait_sync(post("/ldapSyncs", []))
t.eq(state, "complete", "resync completes " + body)
t.match(r"<numUsersRemoved>2</numUsersRemoved>", body, "two users removed")
st, _, body = m.curl("GET", "/users")
t.ok('total="1"' in body and "bob@" not in body, "bob is gone", body)
st, _, body = m.curl("GET", "/coSpaces")
t.ok("Bob Durand" not in body and re.search(r"Alice Bernard(&apos;|')s space", body) is not None,
     "bob's space removed, alice's renamed", body)
t.ok(uid is not None and uid.group(1) in body, "alice's space kept its id")

# A wrong bind password: a failed sync, users untouched, password not logged.
st, _, _ = m.curl("PUT", "/ldapServers/" + server, [("password", "wrong-pw-7c1")])
state, body = wait_sync(post("/ldapSyncs", [("ldapSource", source)]))
t.eq(state, "failed", "bad bind fails the sync")
t.match(r"<failureReason>bindFailure</failureReason>", body, "failureReason says bindFailure")
st, _, body = m.curl("GET", "/users")
t.match(r'total="1"', body, "users untouched by a failed sync")
log = m.read_log()
t.ok(re.search(r"LDAP: sync .* failed \(bindFailure\)", log) is not None, "log line on bind failure")
t.ok("wrong-pw-7c1" not in log and ROOT_PW not in log, "no password in the log")
st, _, body = m.curl("GET", "/users")
one = re.search(r'user id="([^"]+)"', body)
for meth in ("PUT", "DELETE"):
    st, _, _ = m.curl(meth, "/users/" + (one.group(1) if one else "x"), [("name", "x")] if meth == "PUT" else None)
    t.eq(st, 405, "users are read-only: " + meth)
st, _, _ = m.curl("POST", "/users", [("userJid", "eve@example.com")])
t.eq(st, 405, "users are read-only: POST")

# removeWhenFinished: the sync object goes once it has ended.
st, h, _ = m.curl("POST", "/ldapSyncs", [("ldapSource", source), ("removeWhenFinished", "true")])
t.eq(st, 200, "POST ldapSyncs removeWhenFinished=true")
gone = 0
for _ in range(600):
    st, _, _ = m.curl("GET", "/ldapSyncs/" + location_id(h))
    if st == 404:
        gone = 1
        break
    time.sleep(0.1)
t.ok(gone, "the finished sync removed itself")
st, _, body = m.curl("POST", "/ldapSyncs", [("ldapSource", "not-a-uuid")])
t.eq(st, 400, "unknown ldapSource refused " + body.strip())
m.stop()
t.done()
