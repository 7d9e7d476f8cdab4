/* portico web bridge guest app, entry module.  No framework, no build
 * step: ES modules by feature under js/ -- i18n (EN/FR strings), api (the
 * guest HTTP API), join (Join call -> Call ID -> name and devices), devices
 * (preview and choice), call (call view, tiles, controls, participants),
 * signal (the call's WebSocket) and media (the RTCPeerConnection).  This
 * module wires them and owns the call's lifetime: leaving, the server
 * ending it, and rejoining by itself when the signalling drops or the page
 * is reloaded. */
import { $, show } from './js/dom.js';
import { t, applyLang, toggleLang, onLangChange } from './js/i18n.js';
import { config } from './js/api.js';
import { Devices } from './js/devices.js';
import { JoinFlow, rejoin } from './js/join.js';
import { CallView } from './js/call.js';

const params = new URLSearchParams(location.search);
/* ?receive=1: watch only (no camera or microphone), as bench/sfu's receivers do. */
const receiveOnly = params.get('receive') === '1';
const devices = new Devices();
let current = null;   /* {creds, name} of the call this page is in */

const view = new CallView({
  ended: () => { current = null; },
  dropped: () => {},
  left: () => { show('left', 'rejoin'); },
}, { codec: params.get('codec') });

function enter(session, space, local) {
  view.open(session, space, receiveOnly ? null : local);
}

const flow = new JoinFlow({
  joined: ({ session, space, creds, name }) => {
    current = { creds, name };
    enter(session, space, devices.take());
  },
}, devices);

$('rejoin').addEventListener('click', async () => {
  if (!current) return;
  $('rejoin-error').hidden = true;
  const r = await rejoin(current.creds, current.name);
  if (r.error) { $('rejoin-error').textContent = t(r.error); $('rejoin-error').hidden = false; return; }
  enter(r.session, r.space, devices.acquire());
});
$('lang').addEventListener('click', toggleLang);
onLangChange(() => {
  $('lang').textContent = document.documentElement.lang === 'fr' ? 'EN' : 'FR';
  $('lang').setAttribute('aria-label', t('other'));
  flow.relang();
});
applyLang();

async function start() {
  let cfg;
  try { cfg = await config(); } catch (e) { cfg = {}; }
  $('loading').hidden = true;
  if (cfg.background) document.body.style.backgroundImage = 'url("' + encodeURI(cfg.background) + '")';
  if (cfg.logo) { $('logo').src = cfg.logo; $('logo').hidden = false; }
  $('join-call').hidden = !cfg.link;
  $('link-down').hidden = !!cfg.link;
  /* Invitation link: /invited.sf?id=..&secret=.. lands here with both. */
  if (cfg.link && params.get('secret')) {
    const ok = await flow.resolve({ callId: params.get('id') || '', secret: params.get('secret') });
    if (!ok) show('callid', 'call-id');
  }
}
start();
