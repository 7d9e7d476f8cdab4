/* Camera and microphone before joining: a self-view preview and the device
 * choice (the "Camera" and "Microphone" selects list enumerateDevices()).
 * The chosen devices are what the call sends: take() hands the preview's
 * stream over to the call (the caller then owns and stops it), acquire()
 * opens the same devices again for a rejoin. */
import { $, el } from './dom.js';
import { t, onLangChange } from './i18n.js';

const VIDEO = { width: 640, height: 480 };

export class Devices {
  constructor() {
    this.stream = null;        /* the preview's stream, owned here until take() */
    this.pending = null;       /* the getUserMedia in flight */
    this.choice = { video: '', audio: '' };
    this.seq = 0;
    $('camera-select').addEventListener('change', () => this.choose('video', $('camera-select').value));
    $('mic-select').addEventListener('change', () => this.choose('audio', $('mic-select').value));
    onLangChange(() => this.fill([]));
  }

  constraints() {
    return {
      audio: this.choice.audio ? { deviceId: { exact: this.choice.audio } } : true,
      video: this.choice.video ? { ...VIDEO, deviceId: { exact: this.choice.video } } : VIDEO,
    };
  }

  /* Fresh tracks from the chosen devices; the caller owns the stream. */
  acquire() { return navigator.mediaDevices.getUserMedia(this.constraints()); }

  /* Shows the preview (again) with the current choice. */
  preview() {
    const seq = ++this.seq;
    this.release();
    this.pending = this.acquire().then(async (s) => {
      if (seq !== this.seq) { s.getTracks().forEach((tr) => tr.stop()); return null; }
      this.stream = s;
      $('preview').srcObject = s;
      this.remember(s);
      await this.list();
      $('device-error').hidden = true;
      return s;
    }).catch(() => {
      if (seq !== this.seq) return null;
      $('device-error').textContent = t('noDevices');
      $('device-error').hidden = false;
      this.list();
      return null;
    });
    return this.pending;
  }

  /* The devices in use are the choice (the browser may have picked one). */
  remember(s) {
    const v = s.getVideoTracks()[0], a = s.getAudioTracks()[0];
    if (v && v.getSettings().deviceId) this.choice.video = v.getSettings().deviceId;
    if (a && a.getSettings().deviceId) this.choice.audio = a.getSettings().deviceId;
  }

  async list() {
    let all = [];
    try { all = await navigator.mediaDevices.enumerateDevices(); } catch (e) { /* none */ }
    this.devices = all;
    this.fill(all);
  }

  fill(all) {
    if (all.length) this.devices = all; else all = this.devices || [];
    for (const [id, kind, key] of [['camera-select', 'videoinput', 'video'], ['mic-select', 'audioinput', 'audio']]) {
      const sel = $(id), list = all.filter((d) => d.kind === kind && d.deviceId);
      sel.textContent = '';
      list.forEach((d, i) => sel.appendChild(el('option', { value: d.deviceId }, d.label || t(key === 'video' ? 'camera' : 'microphone') + ' ' + (i + 1))));
      if (!list.length) sel.appendChild(el('option', { value: '' }, t('noDevice')));
      sel.disabled = !list.length;
      if (list.some((d) => d.deviceId === this.choice[key])) sel.value = this.choice[key];
    }
  }

  choose(kind, id) {
    this.choice[kind] = id;
    this.preview();
  }

  /* The preview's stream for the call (waits for one in flight); the
   * preview stops showing it and the caller owns it. */
  async take() {
    const s = this.stream || await this.pending;
    if (this.stream === s) this.stream = null;
    $('preview').srcObject = null;
    if (!s) return this.acquire();
    return s;
  }

  release() {
    if (this.stream) this.stream.getTracks().forEach((tr) => tr.stop());
    this.stream = null;
    $('preview').srcObject = null;
  }
}
