"""A private OpenLDAP slapd for the LDAP tests: a temp directory, a
generated slapd.conf, loopback on a free port, stopped with the test."""
import os
import socket
import subprocess
import time

from meetlib import free_port

SUFFIX = "dc=example,dc=com"
ROOT_DN = "cn=admin," + SUFFIX
ROOT_PW = "rootsecret-9f2"


class Slapd:
    def __init__(self, procs):
        self.procs = procs
        self.dir = procs.tempdir()
        self.port = free_port()
        self.uri = "ldap://127.0.0.1:%d/" % self.port
        os.mkdir(os.path.join(self.dir, "db"))
        self.conf = os.path.join(self.dir, "slapd.conf")
        with open(self.conf, "w") as f:
            f.write("include /etc/ldap/schema/core.schema\n"
                    "include /etc/ldap/schema/cosine.schema\n"
                    "include /etc/ldap/schema/nis.schema\n"
                    "include /etc/ldap/schema/inetorgperson.schema\n"
                    "pidfile %s/slapd.pid\n"
                    "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
                    "database mdb\nmaxsize 10485760\nsuffix \"%s\"\nrootdn \"%s\"\nrootpw %s\n"
                    "directory %s/db\n" % (self.dir, SUFFIX, ROOT_DN, ROOT_PW, self.dir))
        self.proc = procs.start(["/usr/sbin/slapd", "-d", "0", "-f", self.conf, "-h", self.uri],
                                os.path.join(self.dir, "slapd.log"))
        for _ in range(300):
            if self.proc.poll() is not None:
                raise RuntimeError("slapd exited: " + open(os.path.join(self.dir, "slapd.log")).read())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        self.modify("dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n"
                    "dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n" % (SUFFIX, SUFFIX),
                    add=True)

    def modify(self, ldif, add=False):
        r = subprocess.run(["ldapadd" if add else "ldapmodify", "-x", "-H", self.uri, "-D", ROOT_DN,
                            "-w", ROOT_PW], input=ldif.encode(), capture_output=True)
        if r.returncode != 0:
            raise RuntimeError("ldap%s: %s" % ("add" if add else "modify", r.stderr.decode()))

    def add_person(self, uid, cn, password, extra=""):
        self.modify("dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\nsn: %s\n"
                    "mail: %s@example.com\nuserPassword: %s\n%s" % (uid, SUFFIX, uid, cn, cn.split()[-1], uid,
                                                                  password, extra), add=True)

    def delete(self, dn):
        subprocess.run(["ldapdelete", "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PW, dn],
                       check=True, capture_output=True)
