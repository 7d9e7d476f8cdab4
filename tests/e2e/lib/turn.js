// Start and stop a real `portico turn` on 127.0.0.1 for the media tests:
// a free port, a random relay range, loopback peers allowed (the browser's
// relay and the SFU's relay are both on it), no admin listener.  stop()
// kills the process it started, by pid.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { freePort } = require('./meet.js');

async function startTurn(dir, users, extra = '') {
  const port = await freePort();
  const relay = 20000 + 500 * Math.floor(Math.random() * 80);
  const conf = path.join(dir, 'turn.conf');
  fs.writeFileSync(conf, `[turn]
listen = 127.0.0.1:${port}
relay-address = 127.0.0.1
relay-ports = ${relay}-${relay + 299}
realm = octavio.com
allowed-peers = 127.0.0.0/8
admin-listen = off
log-level = ${process.env.PORTICO_TURN_LOG_LEVEL || "info"}
${extra}[users]
${Object.entries(users).map(([u, p]) => `${u} = ${p}`).join('\n')}
`);
  const logPath = path.join(dir, 'turn.log');
  const log = fs.openSync(logPath, 'a');
  const child = spawn(process.env.PORTICO, ['turn', '-c', conf], { stdio: ['ignore', log, log] });
  let exited = null;
  const exitP = new Promise((resolve) => child.on('exit', (code, sig) => { exited = { code, sig }; resolve(exited); }));
  const t = {
    port,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 20000);
        await exitP;
        clearTimeout(timer);
      }
      fs.closeSync(log);
      if (exited.code !== 0) throw new Error(`portico turn exited with ${JSON.stringify(exited)}:\n${t.log()}`);
    },
  };
  for (let i = 0; !/listening|ready/.test(t.log()); i++) {
    if (exited || i > 200) { await t.stop().catch(() => {}); throw new Error('portico turn did not start:\n' + t.log()); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return t;
}

module.exports = { startTurn };
