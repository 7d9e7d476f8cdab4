// Start and stop a real `portico meet` for a browser test: certificates made
// with openssl in a fresh temp dir, ports chosen free at run time, an API
// user created through `portico meet user add`.  stop() ends the process it
// started (by pid) and removes the temp dir, also on failure.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function makeCert(dir, name) {
  const key = path.join(dir, name + '.key'), crt = path.join(dir, name + '.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=' + name,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  // SPKI pin for chromium's --ignore-certificate-errors-spki-list.
  const pub = execFileSync('openssl', ['x509', '-in', crt, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  const spki = require('node:crypto').createHash('sha256').update(der).digest('base64');
  return { key, crt, spki };
}

function request(url, opts = {}) {
  return new Promise((resolve, reject) => {
    const headers = { ...(opts.headers || {}) };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    const req = https.request(url, { rejectUnauthorized: false, ...opts, headers }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

async function startMeet(opts = {}) {
  const portico = process.env.PORTICO;
  if (!portico) throw new Error('PORTICO is not set');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-e2e-'));
  const web = makeCert(dir, 'webbridge'), api = makeCert(dir, 'admin');
  if (opts.prepare) opts.prepare(dir);
  const webPort = await freePort(), apiPort = await freePort();
  const extraWeb = (opts.webExtra || '').replaceAll('__DIR__', dir);
  const conf = path.join(dir, 'meet.conf');
  fs.writeFileSync(conf, `[meet]
state = ${dir}/state
seed = yes
[webbridge]
listen = 127.0.0.1:${webPort}
certificate = ${web.crt}
key = ${web.key}
web-root = ${process.env.PORTICO_WEB_ROOT}
url = https://127.0.0.1:${webPort}
${extraWeb}
[callbridge]
${(opts.cbExtra || '').replaceAll('__DIR__', dir)}
${(opts.extra || '').replaceAll('__DIR__', dir)}
[api]
listen = 127.0.0.1:${apiPort}
certificate = ${api.crt}
key = ${api.key}
`);
  execFileSync(portico, ['meet', '-c', conf, 'user', 'add', 'admin'], { input: 'e2e-secret-pw\n', stdio: ['pipe', 'ignore', 'inherit'] });
  const log = fs.openSync(path.join(dir, 'meet.log'), 'a');
  const child = spawn(portico, ['meet', '-c', conf], { stdio: ['ignore', log, log] });
  let exited = null;
  const exitP = new Promise((resolve) => child.on('exit', (code, sig) => { exited = { code, sig }; resolve(exited); }));
  const m = {
    dir, conf, web, api, child,
    webUrl: `https://127.0.0.1:${webPort}`,
    apiUrl: `https://127.0.0.1:${apiPort}/api/v1`,
    auth: 'Basic ' + Buffer.from('admin:e2e-secret-pw').toString('base64'),
    log: () => fs.readFileSync(path.join(dir, 'meet.log'), 'utf8'),
    api: (p, o = {}) => request(m.apiUrl + p, { ...o, headers: { Authorization: m.auth, ...(o.headers || {}) } }),
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 20000);
        await exitP;
        clearTimeout(timer);
      }
      fs.closeSync(log);
      const out = fs.readFileSync(path.join(dir, 'meet.log'), 'utf8');
      fs.rmSync(dir, { recursive: true, force: true });
      if (exited.code !== 0) throw new Error(`portico meet exited with ${JSON.stringify(exited)}:\n${out}`);
    },
  };
  // Bounded wait for the listener.
  for (let i = 0; ; i++) {
    if (exited) { const out = m.log(); fs.rmSync(dir, { recursive: true, force: true }); throw new Error('portico meet exited at start:\n' + out); }
    try { const r = await request(m.webUrl + '/api/guest/config'); if (r.status === 200) break; } catch (e) { /* not yet */ }
    if (i > 300) { await m.stop().catch(() => {}); throw new Error('portico meet did not start listening'); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return m;
}

// Which browser a test drives: PORTICO_BROWSER=firefox (meson's firefox
// variants of the e2e tests) or chromium (the default).
function browserName(opts = {}) {
  return opts.browser || process.env.PORTICO_BROWSER || 'chromium';
}

// media: fake camera and microphone, no permission prompt, autoplay;
// fakeDevices: that many fake cameras.
async function launchChromium(spkis, opts) {
  const { chromium } = require('playwright-core');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-chromium-'));
  const context = await chromium.launchPersistentContext(dataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--ignore-certificate-errors-spki-list=' + spkis.join(','),
      // fakeDevices: how many fake cameras (for device choice tests).
      ...(opts.media ? [opts.fakeDevices ? '--use-fake-device-for-media-stream=device-count=' + opts.fakeDevices
        : '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required'] : [])],
  });
  return { context, dataDir };
}

// Debian's firefox-esr over WebDriver BiDi.  playwright-core 1.65 sends
// BiDi commands ESR 153 lacks (emulation.setMediaFeaturesOverride), so
// Firefox is driven by the pinned alias playwright-core-firefox (1.62),
// the newest release that ESR speaks to.  The test certificates are
// self-signed: Firefox has no SPKI pin list, so the context accepts them.
async function launchFirefox(spkis, opts) {
  const { firefox } = require('playwright-core-firefox');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-firefox-'));
  const prefs = {
    'media.navigator.permission.disabled': true,
    'media.autoplay.default': 0,
    'media.autoplay.blocking_policy': 0,
    'network.http.http3.enable': false,
    // The tests' TURN servers listen on loopback, which Firefox's ICE skips by default.
    'media.peerconnection.ice.loopback': true,
    ...(opts.media ? { 'media.navigator.streams.fake': true } : {}),
  };
  const context = await firefox.launchPersistentContext(dataDir, {
    channel: 'moz-firefox',
    executablePath: process.env.FIREFOX || '/usr/lib/firefox-esr/firefox-esr',
    headless: true,
    ignoreHTTPSErrors: true,
    firefoxUserPrefs: prefs,
  });
  return { context, dataDir };
}

async function launchBrowser(spkis, opts = {}) {
  const name = browserName(opts);
  const { context, dataDir } = name === 'firefox' ? await launchFirefox(spkis, opts)
    : await launchChromium(spkis, opts);
  return {
    context,
    name,
    async close() { await context.close().catch(() => {}); fs.rmSync(dataDir, { recursive: true, force: true }); },
  };
}

module.exports = { startMeet, launchBrowser, browserName, request, freePort };
