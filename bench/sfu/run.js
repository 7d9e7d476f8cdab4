// bench/sfu: one publisher and N receivers in one space, real Chromium
// peers (fake camera and microphone), against portico meet's SFU and
// against Janus's VideoRoom (Debian `janus`), one after the other.  For
// each it reports, over a fixed measuring window once every receiver is
// decoding: packets the receivers got (forwarded by the SFU) per CPU-second
// of the SFU process, and the SFU's resident memory per participant.
//
//   NODE_PATH=tests/e2e/node_modules PORTICO=/tmp/build-media-rel/portico \
//   PORTICO_WEB_ROOT=web node bench/sfu/run.js 2 8
//
// Build portico without sanitizers for this (meson setup -Dbuildtype=release).
// Every process started here is stopped by pid; temp dirs are removed.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawn, execFileSync } = require('node:child_process');
const { startMeet, launchBrowser, freePort } = require('../../tests/e2e/lib/meet.js');
const { joinAs, inbound, waitFor } = require('../../tests/e2e/lib/media.js');

const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS || 15000);
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString());

function procStat(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1];
  return { cpu: (Number(f[11]) + Number(f[12])) / TICK, rssKb: Number(rss) };
}

async function packets(pages) {
  let n = 0;
  for (const p of pages) n += Object.values((await inbound(p)).perTrack).reduce((a, t) => a + t.packets, 0);
  return n;
}

async function framesOf(pages) {
  let n = 0;
  for (const p of pages) n += (await inbound(p)).video.framesDecoded;
  return n;
}

// Once every receiver decodes, measure over WINDOW_MS.
async function measure(pid, receivers, base) {
  for (const p of receivers) await waitFor(p, (s) => s.video.framesDecoded > 0 && s.audio.packetsReceived > 0, 60000);
  const s0 = procStat(pid), p0 = await packets(receivers), f0 = await framesOf(receivers);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const s1 = procStat(pid), p1 = await packets(receivers), f1 = await framesOf(receivers);
  const cpu = s1.cpu - s0.cpu;
  return {
    forwardedPackets: p1 - p0,
    framesDecoded: f1 - f0,
    cpuSeconds: Number(cpu.toFixed(2)),
    packetsPerCpuSecond: cpu > 0 ? Math.round((p1 - p0) / cpu) : null,
    rssKb: s1.rssKb,
    rssPerParticipantKb: Math.round((s1.rssKb - base.rssKb) / (receivers.length + 1)),
  };
}

async function benchPortico(n) {
  const meet = await startMeet({ extra: '[media]\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const base = procStat(meet.child.pid);
    const pub = await browser.context.newPage();
    await joinAs(pub, meet.webUrl, 'Publisher');
    const receivers = [];
    for (let i = 0; i < n; i++) {
      const p = await browser.context.newPage();
      await joinAs(p, meet.webUrl, 'Receiver ' + i, '100101', '&receive=1');
      receivers.push(p);
    }
    return await measure(meet.child.pid, receivers, base);
  } finally {
    await browser.close();
    await meet.stop();
  }
}

function janusConfig(dir, port) {
  const lib = '/usr/lib/x86_64-linux-gnu/janus';
  for (const [sub, so] of [['plugins', 'libjanus_videoroom.so'], ['transports', 'libjanus_http.so']]) {
    fs.mkdirSync(path.join(dir, sub));
    fs.symlinkSync(path.join(lib, sub, so), path.join(dir, sub, so));
  }
  for (const sub of ['events', 'loggers']) fs.mkdirSync(path.join(dir, sub));
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {
  configs_folder = "${dir}"
  plugins_folder = "${dir}/plugins"
  transports_folder = "${dir}/transports"
  events_folder = "${dir}/events"
  loggers_folder = "${dir}/loggers"
  debug_level = 3
  session_timeout = 0
}
media: {}
nat: { ice_ignore_list = "vmnet" }
`);
  fs.writeFileSync(path.join(dir, 'janus.transport.http.jcfg'), `general: {
  json = "compact"
  base_path = "/janus"
  http = true
  port = ${port}
  ip = "127.0.0.1"
  https = false
}
admin: { admin_http = false }
cors: { allow_origin = "*" }
`);
  fs.writeFileSync(path.join(dir, 'janus.plugin.videoroom.jcfg'), `general: {}
room-1234: {
  description = "bench"
  publishers = 1
  bitrate = 1500000
  audiocodec = "opus"
  videocodec = "vp8"
}
`);
}

async function benchJanus(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-bench-janus-'));
  const port = await freePort();
  janusConfig(dir, port);
  const log = fs.openSync(path.join(dir, 'janus.log'), 'a');
  const janus = spawn('janus', ['-F', dir, '-o'], { stdio: ['ignore', log, log] });
  const exited = new Promise((resolve) => janus.on('exit', resolve));
  // A page origin for the client (127.0.0.1 is a secure context).
  const page = http.createServer((q, r) => { r.setHeader('Content-Type', 'text/html'); r.end('<!doctype html><title>bench</title>'); });
  await new Promise((r) => page.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${page.address().port}/`;
  const url = `http://127.0.0.1:${port}/janus`;
  const client = fs.readFileSync(path.join(__dirname, 'janus-client.js'), 'utf8');
  const browser = await launchBrowser([], { media: true });
  try {
    for (let i = 0; ; i++) {
      try { if ((await fetch(url + '/info')).ok) break; } catch (e) { /* not yet */ }
      if (i > 100) throw new Error('janus did not start:\n' + fs.readFileSync(path.join(dir, 'janus.log'), 'utf8'));
      await new Promise((r) => setTimeout(r, 100));
    }
    const base = procStat(janus.pid);
    const pub = await browser.context.newPage();
    await pub.goto(origin);
    await pub.addScriptTag({ content: client });
    const feed = await pub.evaluate(([u, room]) => window.benchJanus.publish(u, room), [url, 1234]);
    const receivers = [];
    for (let i = 0; i < n; i++) {
      const p = await browser.context.newPage();
      await p.goto(origin);
      await p.addScriptTag({ content: client });
      await p.evaluate(([u, room, f]) => window.benchJanus.subscribe(u, room, f), [url, 1234, feed]);
      receivers.push(p);
    }
    return await measure(janus.pid, receivers, base);
  } finally {
    await browser.close();
    page.close();
    janus.kill('SIGTERM');
    const t = setTimeout(() => janus.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(t);
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const ns = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const results = [];
  for (const n of ns.length ? ns : [2, 8]) {
    for (const [name, fn] of [['portico', benchPortico], ['janus', benchJanus]]) {
      const r = { sfu: name, receivers: n, ...(await fn(n)) };
      console.log(JSON.stringify(r));
      results.push(r);
    }
  }
  console.log('\n| SFU | receivers | forwarded packets | SFU CPU s | packets / CPU-s | RSS kB | RSS / participant kB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(`| ${r.sfu} | ${r.receivers} | ${r.forwardedPackets} | ${r.cpuSeconds} | ${r.packetsPerCpuSecond} | ${r.rssKb} | ${r.rssPerParticipantKb} |`);
}

main().catch((e) => { console.error(e); process.exit(1); });
