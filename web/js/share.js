/* Screen share (issue 14), the page's side.  A "Share screen" button
 * (getDisplayMedia, contentHint 'detail' so the encoder keeps resolution
 * over frame rate) and "Stop sharing"; the effective callLegProfile's
 * presentationContributionAllowed === false (the `profile` object the
 * server sends, vendor key names) hides the button and stops a running
 * share.  One presenter at a time: stopped(reason) is how the call view
 * tells this module that another guest took over or the server refused.
 *
 * The media path is given as `attach(track|null)`: a promise that puts the
 * screen track on this guest's own screen transceiver (or clears it).
 * NOT WIRED YET: the SFU's screen m-line is not in this branch (see the
 * h/share report); app.js does not create a Share until it is. */
import { t, onLangChange } from './i18n.js';
import { el } from './dom.js';

export class Share {
  /* box: the element the button goes in; attach: see above. */
  constructor(box, attach) {
    this.attach = attach; this.track = null; this.allowed = true; this.busy = false;
    this.button = el('button', { type: 'button', class: 'share' });
    this.button.addEventListener('click', () => (this.track ? this.stop() : this.start()));
    box.appendChild(this.button);
    onLangChange(() => this.render());
    this.render();
  }

  render() {
    this.button.textContent = t(this.track ? 'shareStop' : 'shareStart');
    this.button.setAttribute('aria-pressed', this.track ? 'true' : 'false');
    this.button.hidden = !this.allowed || !navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia;
  }

  /* The server's `profile` message (effective permissions of this leg). */
  profile(p) {
    if (p && typeof p.presentationContributionAllowed === 'boolean')
      this.allowed = p.presentationContributionAllowed;
    if (!this.allowed && this.track) this.stop();
    this.render();
  }

  async start() {
    if (this.busy || !this.allowed) return;
    this.busy = true;
    try {
      const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      const track = s.getVideoTracks()[0];
      if (!track) return;
      track.contentHint = 'detail';
      /* The browser's own "Stop sharing" bar ends the track. */
      track.addEventListener('ended', () => { if (this.track === track) this.stop(); });
      this.track = track;
      await this.attach(track);
    } catch (e) {
      /* The guest cancelled the picker, or capture is not allowed. */
      if (this.track) this.stop();
    } finally {
      this.busy = false;
      this.render();
    }
  }

  stop() {
    const track = this.track;
    this.track = null;
    if (track) track.stop();
    this.render();
    return Promise.resolve(this.attach(null)).catch(() => {});
  }

  /* Another presenter took over, or the call ended: end ours quietly. */
  stopped() { if (this.track) this.stop(); }
}
