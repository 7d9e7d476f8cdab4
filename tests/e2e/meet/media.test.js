// Media through the SFU in real browsers: two guests in space 100101
// exchange audio and video (each page's getStats() shows the other's video
// frames decoded and audio packets received increasing); the API lists two
// call legs with non-zero rx bitrates; a guest who leaves loses their tile
// on the other page.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { startMeet, launchBrowser } = require('../lib/meet.js');
const { joinAs, waitFor, WAIT } = require('../lib/media.js');

test('two guests see and hear each other through the SFU', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 2\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const alice = await browser.context.newPage();
    await joinAs(alice, meet.webUrl, 'Alice');
    const bob = await browser.context.newPage();
    await joinAs(bob, meet.webUrl, 'Bob');

    for (const [page, other] of [[alice, 'Bob'], [bob, 'Alice']]) {
      await page.locator('.tile', { hasText: other }).waitFor(WAIT);
      const first = await waitFor(page, (s) => s.video.framesDecoded > 0 && s.audio.packetsReceived > 0);
      await waitFor(page, (s) => s.video.framesDecoded > first.video.framesDecoded &&
        s.audio.packetsReceived > first.audio.packetsReceived);
    }
    // Both tiles show a playing remote video.
    await alice.locator('.tile', { hasText: 'Bob' }).locator('video').evaluate((v) => new Promise((resolve) => {
      const ok = () => v.videoWidth > 0; if (ok()) resolve(); else v.addEventListener('resize', resolve, { once: true });
    }));

    // The API: two legs, media encrypted, rx bitrates above zero.
    let legs;
    for (let i = 0; ; i++) {
      const list = await meet.api('/callLegs');
      const ids = [...list.body.matchAll(/<callLeg id="([^"]+)"/g)].map((m) => m[1]);
      assert.strictEqual(ids.length, 2);
      legs = await Promise.all(ids.map((id) => meet.api('/callLegs/' + id)));
      const rx = (b, k) => Number((new RegExp(`<${k}>.*?<bitRate>(\\d+)</bitRate>`).exec(b.body) || [0, 0])[1]);
      if (legs.every((l) => rx(l, 'rxAudio') > 0 && rx(l, 'rxVideo') > 0 && rx(l, 'txVideo') > 0)) break;
      assert.ok(i < 100, 'rx bitrates stayed at zero: ' + legs.map((l) => l.body).join('\n'));
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const l of legs) {
      assert.match(l.body, /<encryptedMedia>true<\/encryptedMedia>/);
      assert.match(l.body, /<rxAudio><codec>opus<\/codec>/);
      assert.match(l.body, /<rxVideo><codec>VP8<\/codec><width>\d+<\/width><height>\d+<\/height><frameRate>[\d.]+<\/frameRate><bitRate>\d+<\/bitRate><packetLossPercentage>[\d.]+<\/packetLossPercentage><jitter>[\d.]+<\/jitter><\/rxVideo>/);
      assert.match(l.body, /<txAudio><codec>opus<\/codec><bitRate>\d+<\/bitRate><packetLossPercentage>[\d.]+<\/packetLossPercentage><jitter>[\d.]+<\/jitter><\/txAudio>/);
      assert.match(l.body, /<txVideo><codec>VP8<\/codec>/);
      assert.match(l.body, /<state>connected<\/state>/);
    }
    // system/status sums the legs' bitrates.
    const status = await meet.api('/system/status');
    assert.match(status.body, /<videoBitRateIncoming>[1-9]\d*<\/videoBitRateIncoming>/);
    assert.match(status.body, /<audioBitRateOutgoing>[1-9]\d*<\/audioBitRateOutgoing>/);
    const log = meet.log();
    assert.match(log, /call \d+: allocated for guest\d+@cms\.octavio\.local "Web client" conference participation/);
    assert.match(log, /call \d+: setting up combined RTP session for DTLS/);
    assert.match(log, /call \d+: media connected for guest\d+/);

    // Bob leaves: Alice's page drops his tile.
    await bob.click('#leave');
    await alice.locator('.tile', { hasText: 'Bob' }).waitFor({ state: 'detached', ...WAIT });
    assert.strictEqual(await alice.locator('#count').textContent(), '1');
  } finally {
    await browser.close();
    await meet.stop();
  }
});

test('a guest publishing H.264 and one publishing VP8 see each other', async () => {
  const meet = await startMeet({ extra: '[media]\nworkers = 1\n' });
  const browser = await launchBrowser([meet.web.spki], { media: true });
  try {
    const alice = await browser.context.newPage();
    await joinAs(alice, meet.webUrl, 'Alice', '100101', '&codec=h264');
    const bob = await browser.context.newPage();
    await joinAs(bob, meet.webUrl, 'Bob');
    for (const page of [alice, bob]) {
      const first = await waitFor(page, (s) => s.video.framesDecoded > 0 && s.audio.packetsReceived > 0);
      await waitFor(page, (s) => s.video.framesDecoded > first.video.framesDecoded);
    }
    const codecOf = (page) => page.evaluate(async () => {
      const st = await window.porticoPc.getStats(); let c = null;
      st.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') c = st.get(s.codecId).mimeType; });
      return c;
    });
    // Debian's firefox-esr has no H.264 encoder (OpenH264 is a download):
    // there the guest who asked for it must fall back to VP8, with video.
    const h264 = await alice.evaluate(() => RTCRtpSender.getCapabilities('video').codecs
      .some((c) => c.mimeType === 'video/H264'));
    const want = h264 ? 'H264' : 'VP8';
    assert.ok(h264 || browser.name === 'firefox', 'Chromium must offer H.264');
    assert.strictEqual(await codecOf(bob), 'video/' + want);
    assert.strictEqual(await codecOf(alice), 'video/VP8');
    const legs = await meet.api('/callLegs?filter=Alice');
    const id = /<callLeg id="([^"]+)"/.exec(legs.body)[1];
    assert.match((await meet.api('/callLegs/' + id)).body, new RegExp(`<rxVideo><codec>${want}</codec>`));
  } finally {
    await browser.close();
    await meet.stop();
  }
});
