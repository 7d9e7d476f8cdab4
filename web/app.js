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
const SAVED = 'portico.call';

/* The call survives a reload of this tab (sessionStorage: this tab only,
 * gone when it closes); leaving or being ended forgets it. */
function remember(c) {
  current = c;
  try {
    if (c) sessionStorage.setItem(SAVED, JSON.stringify(c)); else sessionStorage.removeItem(SAVED);
  } catch (e) { /* storage disabled: no rejoin on reload */ }
}

/* The signalling dropped without the server ending the session: rejoin
 * with a new session, a bounded number of times with growing pauses. */
async function reconnect() {
  const c = current;
  for (let i = 0; c && current === c && i < 6; i++) {
    view.status('reconnecting');
    await new Promise((r) => setTimeout(r, 500 * (1 << i)));
    if (current !== c) return;
    const r = await rejoin(c.creds, c.name);
    if (r.session) { enter(r.session, r.space, devices.acquire()); return; }
    if (r.error !== 'errGeneric' && r.error !== 'errLink') break;
  }
  if (current === c) { view.status('disconnected'); remember(null); }
}

const view = new CallView({
  ended: () => { remember(null); },
  dropped: () => { reconnect(); },
  left: () => { const c = current; remember(null); current = c; show('left', 'rejoin'); },
}, { codec: params.get('codec') });
if (params.get('test') === '1')   /* inert without ?test=1 */
  window.__porticoTest = { dropSignal: () => view.dropSignal() };

function enter(session, space, local) {
  view.open(session, space, receiveOnly ? null : local);
}

const flow = new JoinFlow({
  joined: ({ session, space, creds, name }) => {
    remember({ creds, name });
    enter(session, space, devices.take());
  },
}, devices);

$('rejoin').addEventListener('click', async () => {
  if (!current) return;
  $('rejoin-error').hidden = true;
  const r = await rejoin(current.creds, current.name);
  if (r.error) { $('rejoin-error').textContent = t(r.error); $('rejoin-error').hidden = false; return; }
  remember(current);
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
  const nav = performance.getEntriesByType('navigation')[0];
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(SAVED) || 'null'); } catch (e) { saved = null; }
  if (cfg.link && saved && saved.creds && typeof saved.name === 'string' && nav && nav.type === 'reload') {
    /* A reload of a page that was in a call rejoins it. */
    remember(saved);
    show('call');
    view.status('connecting');
    const r = await rejoin(saved.creds, saved.name);
    if (r.session) { enter(r.session, r.space, devices.acquire()); return; }
    remember(null);
    show('welcome');
  }
  if (cfg.link && params.get('secret')) {
    const ok = await flow.resolve({ callId: params.get('id') || '', secret: params.get('secret') });
    if (!ok) show('callid', 'call-id');
  }
}
start();
