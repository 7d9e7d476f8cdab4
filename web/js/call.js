/* The call view: the space name and status, the video tiles (remote guests
 * as tiles, the guest's own self-view among them), the guest's controls
 * (microphone, camera, leave) and the participant list, driven by one
 * Signal and one Media per joined session. */
import { $, el, show } from './dom.js';
import { t, onLangChange } from './i18n.js';
import { Signal } from './signal.js';
import { Media } from './media.js';
import { Chat } from './chat.js';
import { renderParticipants, markSpeaker, participantsToggle } from './participants.js';
import { lobbyMessage, endedKey } from './lobby.js';
import { moderationMessage, renderHostBar, decorateParticipant } from './moderation.js';

export class CallView {
  /* hooks: ended(reason) when the server ends the session, dropped() when
   * the signalling connection is lost, left() when the guest leaves. */
  constructor(hooks, opts) {
    this.hooks = hooks;
    this.opts = opts;
    this.signal = null;
    this.media = null;
    this.list = [];
    this.streams = {};
    this.space = '';
    this.muted = false;
    this.cameraOff = false;
    this.statusKey = '';
    $('mute').addEventListener('click', () => this.setMuted(!this.muted));
    $('camera').addEventListener('click', () => this.setCameraOff(!this.cameraOff));
    $('leave').addEventListener('click', () => this.leave());
    this.chat = new Chat((msg) => { if (this.signal) this.signal.send(msg); },
      () => { const s = this.list.find((p) => p.self); return s && s.id; });
    participantsToggle();
    onLangChange(() => this.render());
  }

  status(key) { this.statusKey = key; $('call-status').textContent = key ? t(key) : ''; }

  /* Joins with a logged-in session; local: promise of the stream to send
   * (null: watch only). */
  open(session, space, local) {
    show('call');
    this.space = space;
    $('call-space').textContent = space;
    this.status('connecting');
    this.signal = new Signal(session, {
      message: (m) => this.onMessage(m),
      ended: (reason) => {
        this.status(endedKey(reason));
        this.end();
        this.hooks.ended(reason);
      },
      dropped: () => { this.end(); this.hooks.dropped(); },
    });
    const sig = this.signal;
    this.media = new Media((msg) => sig.send(msg), {
      local: (s) => { this.applyTracks(); this.renderTiles(); this.announce(); return s; },
      track: (id, stream) => { this.streams[id] = stream; this.renderTiles(); },
      state: () => {},
      error: (k) => this.status(k),
    }, { codec: this.opts.codec });
    this.streams = {};
    document.querySelector('.card').classList.add('in-call');
    this.media.start(local);
  }

  onMessage(m) {
    if (this.chat.onMessage(m)) return;
    if (lobbyMessage(this, m) || moderationMessage(this, m)) { this.render(); return; }
    if (m.type === 'offer') { this.media.offer(m); return; }
    if (m.type === 'speaker') { this.speaker = m.id; this.markSpeaker(); return; }
    if (m.type === 'mediaFailed') { this.status('mediaFailed'); return; }
    if (m.type === 'participants' && Array.isArray(m.participants)) {
      this.list = m.participants.filter((p) => p && typeof p.name === 'string');
      // The first list after a (re)join means connected; later lists (a
      // join, a mute) must not overwrite what the status says since
      // ("You were muted by the host", a refused action, media failure).
      if (!this.waiting && (this.statusKey === 'connecting' || this.statusKey === 'reconnecting'))
        this.status('connected');
      this.announce();
      this.space = typeof m.spaceName === 'string' ? m.spaceName : this.space;
      $('call-space').textContent = this.space;
      this.render();
    }
  }

  /* Tears down media and signalling (no hook runs). */
  end() {
    if (this.signal) this.signal.close();
    if (this.media) this.media.stop();
    this.signal = null; this.media = null; this.streams = {};
    this.list = [];
    this.chat.clear();
    this.announced = null;
    this.profile = null; this.waiting = false; this.locked = false;
    $('tiles').hidden = false;
    document.querySelector('.card').classList.remove('in-call');
    this.render();
  }

  leave() {
    this.end();
    this.hooks.left();
  }

  /* Test hook (?test=1): the socket drops as on a network failure. */
  dropSignal() { if (this.signal) this.signal.drop(); }

  applyTracks() {
    if (!this.media) return;
    this.media.setEnabled('audio', !this.muted);
    this.media.setEnabled('video', !this.cameraOff);
  }

  setMuted(on) { this.muted = on; this.applyTracks(); this.renderControls(); this.announce(); }
  setCameraOff(on) { this.cameraOff = on; this.applyTracks(); this.renderControls(); this.announce(); }

  /* Tells the call this guest's mute state (everyone's participant list). */
  announce() {
    const muted = this.muted || !(this.media && this.media.local);
    const s = JSON.stringify({ muted, cameraOff: this.cameraOff || !(this.media && this.media.local) });
    if (!this.signal || s === this.announced) return;
    this.announced = s;
    this.signal.send({ type: 'state', ...JSON.parse(s) });
  }

  renderControls() {
    $('mute').textContent = t(this.muted ? 'unmute' : 'mute');
    $('mute').setAttribute('aria-pressed', String(this.muted));
    $('camera').textContent = t(this.cameraOff ? 'cameraOn' : 'cameraOff');
    $('camera').setAttribute('aria-pressed', String(this.cameraOff));
  }

  label(p) { return p.name + (p.self ? ' ' + t('you') : ''); }

  tile(id, name, self) {
    let fig = [...$('tiles').children].find((e) => e.dataset.tile === id);
    if (fig) { fig.querySelector('figcaption').textContent = name; fig.setAttribute('aria-label', name); return fig; }
    fig = el('figure', { class: self ? 'tile self' : 'tile', 'data-tile': id, 'aria-label': name });
    const v = el('video', { autoplay: true, playsInline: true, muted: !!self });
    fig.append(v, el('figcaption', { class: 'name' }, name));
    /* Remote tiles first, the self-view last. */
    if (self) $('tiles').appendChild(fig);
    else $('tiles').insertBefore(fig, $('tiles').querySelector('.tile.self'));
    return fig;
  }

  renderTiles() {
    const keep = new Set();
    for (const p of this.list) {
      const id = p.self ? 'self' : String(p.id);
      keep.add(id);
      const fig = this.tile(id, this.label(p), p.self);
      const v = fig.querySelector('video');
      const s = p.self ? (this.media && this.media.local) : this.streams[p.id];
      if (s && v.srcObject !== s) v.srcObject = s;
    }
    [...$('tiles').children].forEach((e) => { if (!keep.has(e.dataset.tile)) e.remove(); });
    $('tiles').dataset.count = String(keep.size);
    $('count').textContent = String(this.list.length);
    this.markSpeaker();
  }

  markSpeaker() { markSpeaker(this.list, this.speaker); }

  render() {
    if (this.statusKey) $('call-status').textContent = t(this.statusKey);
    this.renderTiles();
    this.renderControls();
    renderParticipants(this.list);
    for (const p of this.list) {
      const li = $('participants').querySelector(`li[data-participant="${String(p.id)}"]`);
      if (li) decorateParticipant(this, li, p);
    }
    renderHostBar(this);
  }
}
