// The guest page driven as assistive technology does: controls found by
// role and accessible name (EN or FR), bounded waits for conditions only.
'use strict';

const WAIT = { timeout: 30000 };

const NAMES = {
  en: { joinCall: 'Join call', callId: 'Call ID', continue: 'Continue', yourName: 'Your name',
    mute: 'Mute microphone', unmute: 'Unmute microphone', cameraOff: 'Turn camera off', cameraOn: 'Start camera',
    leave: 'Leave', rejoin: 'Rejoin', camera: 'Camera', microphone: 'Microphone', you: '(you)',
    participants: 'Participants', video: 'Video', lang: 'Français', left: 'You have left the call.' },
  fr: { joinCall: "Joindre l'appel", callId: "ID d'appel", continue: 'Continuer', yourName: 'Votre nom',
    mute: 'Couper le micro', unmute: 'Réactiver le micro', cameraOff: 'Couper la caméra', cameraOn: 'Activer la caméra',
    leave: 'Quitter', rejoin: 'Rejoindre', camera: 'Caméra', microphone: 'Micro', you: '(vous)',
    participants: 'Participants', video: 'Vidéo', lang: 'English', left: "Vous avez quitté l'appel." },
};

// Up to the name screen (preview and devices) for call ID callId.
async function toNameScreen(page, base, { lang = 'en', callId = '100101', query = '' } = {}) {
  const n = NAMES[lang];
  await page.goto(base + '/?lang=' + lang + query);
  await page.getByRole('button', { name: n.joinCall }).click(WAIT);
  await page.getByRole('textbox', { name: n.callId }).fill(callId);
  await page.getByRole('button', { name: n.continue }).click();
  await page.getByRole('textbox', { name: n.yourName }).waitFor(WAIT);
}

// From the name screen into the call: the guest's own entry is listed.
async function joinFromName(page, name, { lang = 'en' } = {}) {
  const n = NAMES[lang];
  await page.getByRole('textbox', { name: n.yourName }).fill(name);
  await page.getByRole('button', { name: n.joinCall }).click();
  await selfListed(page, name, lang);
}

async function selfListed(page, name, lang = 'en') {
  const n = NAMES[lang];
  await page.getByRole('list', { name: new RegExp('^' + n.participants) })
    .getByRole('listitem').filter({ hasText: name + ' ' + n.you }).waitFor(WAIT);
}

async function join(page, base, name, opts = {}) {
  await toNameScreen(page, base, opts);
  await joinFromName(page, name, opts);
}

// A participant's tile (figure named by its caption) in the video region.
function tile(page, name, lang = 'en') {
  return page.getByRole('region', { name: NAMES[lang].video }).getByRole('figure', { name, exact: true });
}

// Polls fn(page) until pred holds; bounded by the deadline, not a rate.
async function until(page, fn, pred, what, ms = 45000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn(page);
    if (pred(last)) return last;
    if (Date.now() > end) throw new Error(what + ' not met; last ' + JSON.stringify(last));
    await new Promise((r) => setTimeout(r, 250));
  }
}

// Inbound audio energy and samples, video frames, per kind (all tracks).
function received(page) {
  return page.evaluate(async () => {
    const out = { energy: 0, samples: 0, frames: 0, videoBytes: 0 };
    if (!window.porticoPc) return out;
    (await window.porticoPc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'audio') { out.energy += s.totalAudioEnergy || 0; out.samples += s.totalSamplesReceived || 0; }
      if (s.kind === 'video') { out.frames += s.framesDecoded || 0; out.videoBytes += s.bytesReceived || 0; }
    });
    return out;
  });
}

// Mean luma (0..255) of what a <video> in the tile shows right now.
function luma(locator) {
  return locator.locator('video').evaluate((v) => {
    if (!v.videoWidth) return -1;
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
    return sum / (d.length / 4);
  });
}

module.exports = { WAIT, NAMES, toNameScreen, joinFromName, join, selfListed, tile, until, received, luma };
