/* portico guest media: one RTCPeerConnection per guest; the server makes
 * every offer (one transceiver per remote track, unified plan) over the
 * call's WebSocket, the page answers and trickles its candidates.  The
 * first two m-lines (audio, video) carry this guest's camera and mic.
 * The local stream comes from devices.js (the guest's choice); this module
 * owns it once start() has it and stops its tracks in stop().
 * window.porticoPc is the live RTCPeerConnection, for tests and bench/sfu. */
export const Media = (function () {
  function Media(send, hooks, opts) {
    this.send = send; this.hooks = hooks; this.pc = null; this.local = null;
    this.preferCodec = opts && opts.codec === 'h264' ? 'video/h264' : null;
    this.queue = Promise.resolve(); this.restarting = false;
  }
  /* local: a promise of the MediaStream to send, or null to only watch. */
  Media.prototype.start = function (local) {
    var self = this;
    if (!local) { this.localReady = Promise.resolve(null); return; }
    this.localReady = local
      .then(function (s) {
        if (self.stopped) { s.getTracks().forEach(function (t) { t.stop(); }); return null; }
        self.local = s; self.hooks.local(s); return s;
      })
      .catch(function (e) { if (!self.stopped) self.hooks.error('noDevices'); return null; });
    window.addEventListener('online', this.onOnline = function () { self.restart(); });
  };
  Media.prototype.makePc = function (m) {
    var self = this;
    var pc = new RTCPeerConnection({ iceServers: m.iceServers || [], iceTransportPolicy: m.iceTransportPolicy || 'all',
      bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.onicecandidate = function (e) {
      self.send({ type: 'candidate', candidate: e.candidate ? e.candidate.candidate : '' });
    };
    pc.ontrack = function (e) { if (e.streams && e.streams[0]) self.hooks.track(e.streams[0].id, e.streams[0]); };
    pc.oniceconnectionstatechange = function () {
      self.hooks.state(pc.iceConnectionState);
      if (pc.iceConnectionState === 'failed') self.restart();
    };
    this.pc = pc; window.porticoPc = pc;
    return pc;
  };
  /* The first two transceivers carry our tracks. */
  Media.prototype.attachLocal = function (pc) {
    var local = this.local, prefer = this.preferCodec;
    var tasks = pc.getTransceivers().slice(0, 2).map(function (tr, i) {
      var track = local && (i === 0 ? local.getAudioTracks()[0] : local.getVideoTracks()[0]);
      if (!track || tr.sender.track) return null;
      tr.direction = 'sendonly';
      if (i === 1 && prefer) preferCodec(tr, prefer);
      return tr.sender.replaceTrack(track);
    });
    return Promise.all(tasks);
  };
  /* The server offers VP8 and H.264 for our camera; a guest may ask for
   * H.264 (e.g. a hardware encoder): its codecs go first in the answer. */
  function preferCodec(tr, mime) {
    if (!tr.setCodecPreferences || !window.RTCRtpReceiver.getCapabilities) return;
    var codecs = RTCRtpReceiver.getCapabilities('video').codecs;
    var first = codecs.filter(function (c) { return c.mimeType.toLowerCase() === mime; });
    var rest = codecs.filter(function (c) { return c.mimeType.toLowerCase() !== mime; });
    try { tr.setCodecPreferences(first.concat(rest)); } catch (e) { /* keep the default order */ }
  }
  Media.prototype.offer = function (m) {
    var self = this;
    this.queue = this.queue.then(function () { return self.localReady; }).then(function () {
      if (self.stopped) return null;
      var pc = self.pc || self.makePc(m);
      return pc.setRemoteDescription({ type: 'offer', sdp: m.sdp })
        .then(function () { return self.attachLocal(pc); })
        .then(function () { return pc.createAnswer(); })
        .then(function (a) { return pc.setLocalDescription(a).then(function () { return a; }); })
        .then(function (a) { self.restarting = false; self.send({ type: 'answer', sdp: a.sdp }); });
    }).catch(function (e) { if (!self.stopped) { console.error('portico media:', e); self.hooks.error('media'); } });
  };
  Media.prototype.restart = function () {
    if (!this.pc || this.restarting) return;
    this.restarting = true;
    this.send({ type: 'restart' });
  };
  /* A disabled track sends silence or black frames: the others' received
   * audio and video stop, the transceivers and the call leg stay. */
  Media.prototype.setEnabled = function (kind, on) {
    if (!this.local) return;
    (kind === 'audio' ? this.local.getAudioTracks() : this.local.getVideoTracks())
      .forEach(function (t) { t.enabled = on; });
  };
  Media.prototype.stop = function () {
    this.stopped = true;  /* late getUserMedia or negotiation results are dropped */
    if (this.pc) this.pc.close();
    if (this.local) this.local.getTracks().forEach(function (t) { t.stop(); });
    if (this.onOnline) window.removeEventListener('online', this.onOnline);
    this.pc = null; this.local = null; window.porticoPc = null;
  };
  return Media;
})();
