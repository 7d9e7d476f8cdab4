// The seed's network for real (`portico lab --netns`, root): Chromium runs
// inside the internet namespace, resolves cmsweb.octavio.com with the
// external DNS (203.0.113.156, the static NAT address), crosses the
// router's NAT and firewall to the outside edge, and two guests join 100101
// and receive each other's audio and video.  The inside network is
// unreachable from the internet by construction, so the media can only go
// through the edge's TURN relays: both ends of the selected pair are relay
// candidates, and the TURN log shows the browsers' allocations from the
// internet address and the SFU's from the inside.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { joinAs, waitFor, WAIT } = require('../lib/media.js');

const have = (t) => spawnSync('sh', ['-c', 'command -v ' + t]).status === 0;
const skip = process.getuid() !== 0 ? 'needs root' :
  !['ip', 'nft', 'dnsmasq'].every(have) ? 'needs ip, nft and dnsmasq' : false;

async function startLab(state) {
  spawnSync(process.env.PORTICO, ['lab', '--down']);
  const child = spawn(process.env.PORTICO, ['lab', '--netns', '--state', state, '--web-root',
    process.env.PORTICO_WEB_ROOT], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { out += d; if (/\n {2}diagnose /.test(out)) resolve(); });
    child.on('exit', (code) => reject(new Error('portico lab --netns exited early: ' + code + '\n' + out)));
  });
  const spki = out.match(/--ignore-certificate-errors-spki-list=(\S+)/)[1];
  return {
    out, spki,
    stop: () => new Promise((r) => {
      child.removeAllListeners('exit');
      child.on('exit', (code) => r(code));
      child.kill('SIGTERM');
    }),
  };
}

// Chromium in the internet namespace: a wrapper playwright execs, which
// enters the namespace and execs Chromium (the DevTools pipe survives exec).
async function launchInInternet(dir, spki) {
  const wrapper = path.join(dir, 'chromium-inet');
  fs.writeFileSync(wrapper, '#!/bin/sh\nexec ip netns exec portico-inet ' +
    (process.env.CHROMIUM || '/usr/bin/chromium') + ' "$@"\n', { mode: 0o755 });
  const { chromium } = require('playwright-core');
  const context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: wrapper,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required', '--ignore-certificate-errors-spki-list=' + spki],
  });
  return context;
}

async function selectedPair(page) {
  return page.evaluate(async () => {
    const stats = await window.porticoPc.getStats();
    let pair = null; const cands = {};
    stats.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      if (s.type === 'local-candidate' || s.type === 'remote-candidate') cands[s.id] = s;
    });
    const c = (id) => ({ type: cands[id].candidateType, address: cands[id].address || cands[id].ip });
    return pair ? { local: c(pair.localCandidateId), remote: c(pair.remoteCandidateId) } : null;
  });
}

async function flowing(page) {
  const first = await waitFor(page, (s) => s.video.framesDecoded > 0 && s.audio.packetsReceived > 0);
  await waitFor(page, (s) => s.video.framesDecoded > first.video.framesDecoded &&
    s.audio.packetsReceived > first.audio.packetsReceived);
}

test('two guests in the internet namespace, media through the edge TURN only', { skip }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-netns-e2e-'));
  const state = path.join(dir, 'state');
  const lab = await startLab(state);
  let context;
  try {
    context = await launchInInternet(dir, lab.spki);
    const base = 'https://cmsweb.octavio.com';
    const alice = await context.newPage();
    await joinAs(alice, base, 'Alice');
    const bob = await context.newPage();
    await joinAs(bob, base, 'Bob');
    await alice.locator('#participants li', { hasText: 'Bob' }).waitFor(WAIT);
    for (const page of [alice, bob]) {
      await flowing(page);
      const pair = await selectedPair(page);
      assert.strictEqual(pair.local.type, 'relay');
      assert.strictEqual(pair.remote.type, 'relay');
      assert.strictEqual(pair.remote.address, '203.0.113.156', 'the SFU is reached through the edge relay');
    }
    const turnLog = fs.readFileSync(path.join(state, 'logs', 'edge-outside.log'), 'utf8');
    assert.match(turnLog, /allocation created: user=turnuser[^\n]*203\.0\.113\.10/, 'browser allocations from the internet');
    assert.match(turnLog, /allocation created: user=turnuser[^\n]*198\.51\.100\.180/, 'SFU allocations from the inside');
  } finally {
    if (context) await context.close().catch(() => {});
    assert.strictEqual(await lab.stop(), 0, 'portico lab --netns stops cleanly');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
