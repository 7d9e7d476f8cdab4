// The seed's verification step against `portico lab` itself: the lab is
// started as `make run` starts it (temporary state, free port base), and
// Chromium is launched with exactly the flags the lab prints
// (--host-resolver-rules for the external name, the SPKI pin of the guest
// certificate).  Two guests join 100101 through the lab's outside edge, see
// each other, and receive each other's audio and video through the edge's
// TURN server (the lab is relay-only, as the seed: both ends of the
// selected ICE pair are relayed candidates).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { joinAs, waitFor, WAIT } = require('../lib/media.js');

function tcpFree(host, port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

function udpFree(host, port) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); resolve(false); });
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

async function freeBase() {
  for (let i = 0; i < 200; i++) {
    const base = 10000 + 100 * Math.floor(Math.random() * 220);
    let ok = true;
    for (let p = base; ok && p < base + 60; p++)
      for (const h of ['127.0.0.1', '127.0.0.2'])
        ok = ok && await tcpFree(h, p) && await udpFree(h, p);
    if (ok) return base;
  }
  throw new Error('no free port range');
}

async function startLab() {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-lab-e2e-'));
  const base = await freeBase();
  const child = spawn(process.env.PORTICO, ['lab', '--state', state, '--port-base', String(base),
    '--web-root', process.env.PORTICO_WEB_ROOT], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/\n {2}diagnose /.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error('portico lab exited early: ' + code + '\n' + out)));
  });
  await ready;
  const flags = out.match(/chromium +--user-data-dir=\S+ (--host-resolver-rules="[^"]+") (--ignore-certificate-errors-spki-list=\S+) (\S+)/);
  return {
    out, state, url: flags[3],
    args: [flags[1].replace(/"/g, ''), flags[2]],
    stop: () => new Promise((r) => {
      if (child.exitCode !== null) return r(child.exitCode);
      child.removeAllListeners('exit');
      child.on('exit', (code) => { fs.rmSync(state, { recursive: true, force: true }); r(code); });
      child.kill('SIGTERM');
    }),
  };
}

async function launch(args) {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-chromium-lab-'));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required', ...args],
  });
  return { context, async close() { await context.close().catch(() => {}); fs.rmSync(dataDir, { recursive: true, force: true }); } };
}

async function selectedPair(page) {
  return page.evaluate(async () => {
    const stats = await window.porticoPc.getStats();
    let pair = null; const cands = {};
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      if (s.type === 'local-candidate' || s.type === 'remote-candidate') cands[s.id] = s;
    });
    return pair ? { local: cands[pair.localCandidateId].candidateType, remote: cands[pair.remoteCandidateId].candidateType } : null;
  });
}

async function flowing(page) {
  const first = await waitFor(page, (s) => s.video.framesDecoded > 0 && s.audio.packetsReceived > 0);
  await waitFor(page, (s) => s.video.framesDecoded > first.video.framesDecoded &&
    s.audio.packetsReceived > first.audio.packetsReceived);
}

test('two guests join 100101 through portico lab with the flags it prints, media through its TURN', async () => {
  const lab = await startLab();
  const browser = await launch(lab.args);
  try {
    assert.match(lab.url, /^https:\/\/cmsweb\.octavio\.com:\d+\/$/);
    const alice = await browser.context.newPage();
    await joinAs(alice, lab.url.replace(/\/$/, ''), 'Alice');
    assert.match(await alice.locator('#call-space').textContent(), /Proxy webRTC/);
    assert.strictEqual(new URL(alice.url()).hostname, 'cmsweb.octavio.com');
    const bob = await browser.context.newPage();
    await joinAs(bob, lab.url.replace(/\/$/, ''), 'Bob');
    await bob.locator('#participants li', { hasText: 'Alice' }).waitFor(WAIT);
    await alice.locator('#participants li', { hasText: 'Bob' }).waitFor(WAIT);
    const outside = fs.readFileSync(path.join(lab.state, 'logs', 'edge-outside.log'), 'utf8');
    assert.match(outside, /GET cmsweb\.octavio\.com\/ws\?session=[^ ]+ -> 200 via tunnel \d+ \(websocket\)/);
    for (const page of [alice, bob]) {
      await flowing(page);
      assert.deepStrictEqual(await selectedPair(page), { local: 'relay', remote: 'relay' });
    }
  } finally {
    await browser.close();
    assert.strictEqual(await lab.stop(), 0, 'portico lab stops cleanly on SIGTERM');
  }
});
