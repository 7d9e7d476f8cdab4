// The seed's verification step, through the edge: a browser that resolves
// the external name cmsweb.octavio.com to the outside node's guest
// listener (Chromium --host-resolver-rules, no /etc/hosts edits) joins the
// seed space 100101 on a real `portico meet` behind a real edge pair; the
// participant list arrives over the signalling WebSocket, which crosses
// the tunnel as an RFC 8441 extended CONNECT.  A second guest appears on
// the first guest's page.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const WAIT = { timeout: 20000 };  // bounded waits for conditions

function startLab() {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [path.join(__dirname, 'edge-lab.py'), process.env.PORTICO,
      process.env.PORTICO_WEB_ROOT], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        const info = JSON.parse(out.slice(0, nl));
        resolve({ ...info, child,
          stop: () => new Promise((r) => { child.on('exit', r); child.stdin.end(); }) });
      }
    });
    child.on('exit', (code) => reject(new Error('edge lab exited early: ' + code)));
  });
}

async function launch(spki) {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-chromium-edge-'));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--host-resolver-rules=MAP cmsweb.octavio.com 127.0.0.1',
      '--ignore-certificate-errors-spki-list=' + spki],
  });
  return { context, async close() { await context.close().catch(() => {}); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

async function joinAs(page, base, name) {
  await page.goto(base + '/?lang=en');
  await page.locator('#join-call').waitFor({ state: 'visible', ...WAIT });
  await page.click('#join-call');
  await page.fill('#call-id', '100101');
  await page.click('#continue');
  await page.locator('#space-name').filter({ hasText: 'Proxy webRTC' }).waitFor(WAIT);
  await page.fill('#display-name', name);
  await page.click('#join');
  await page.locator('#participants li.self', { hasText: name }).waitFor(WAIT);
}

test('guests join the seed space through the edge (external name, tunnel, web bridge)', async () => {
  const lab = await startLab();
  assert.ok(lab.ready, 'the edge serves guests');
  const browser = await launch(lab.spki);
  try {
    const base = `https://cmsweb.octavio.com:${lab.port}`;
    const alice = await browser.context.newPage();
    await joinAs(alice, base, 'Alice');
    assert.match(await alice.locator('#call-space').textContent(), /Proxy webRTC/);
    assert.strictEqual(new URL(alice.url()).hostname, 'cmsweb.octavio.com');
    const bob = await browser.context.newPage();
    await joinAs(bob, base, 'Bob');
    await bob.locator('#participants li', { hasText: 'Alice' }).waitFor(WAIT);
    await alice.locator('#participants li', { hasText: 'Bob' }).waitFor(WAIT);
    const outside = fs.readFileSync(path.join(lab.logs, 'outside.log'), 'utf8');
    assert.match(outside, /GET cmsweb\.octavio\.com\/ws\?session=[^ ]+ -> 200 via tunnel \d+ \(websocket\)/);
  } finally {
    await browser.close();
    await lab.stop();
  }
});
