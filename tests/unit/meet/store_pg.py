#!/usr/bin/env python3
"""Runs test-meet-store (argv[1]) a second time against a private
PostgreSQL (tests/integration/meet/pglib.py: initdb in a temp directory,
unix socket only), so the store's unit tests cover both backends without
skipping: the server is started here, not expected on the machine."""
import os
import subprocess
import sys

from pglib import Postgres

pg = Postgres().start()
env = dict(os.environ, MEET_TEST_DATABASE=pg.uri)
r = subprocess.run([sys.argv[1]], env=env)
pg.stop()
sys.exit(r.returncode)
