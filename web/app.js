/* portico web bridge guest app: Join call -> Call ID (+ passcode) -> name ->
 * in-call page with the participant list over WebSocket.  No framework. */
'use strict';
(function () {
  var STR = {
    en: {
      title: 'Meeting', joinCall: 'Join call', loading: 'Loading…',
      linkDown: 'Joining calls is not available right now. Please try again later.',
      enterCallId: 'Enter Call ID', callId: 'Call ID', passcode: 'Passcode (if required)',
      back: 'Back', continue: 'Continue', joining: 'You are joining', yourName: 'Your name',
      participants: 'Participants', leave: 'Leave', you: '(you)', connected: 'Connected',
      connecting: 'Connecting…', left: 'You have left the call.', disconnected: 'You were disconnected from the call.',
      errEmptyId: 'Enter the call ID.', errNotFound: 'That call ID was not recognised. Check it and try again.',
      errBadPasscode: 'The passcode is incorrect.', errPasscodeRequired: 'This call needs a passcode.',
      errRate: 'Too many attempts. Wait a minute and try again.', errName: 'Enter your name.',
      errLink: 'Joining calls is not available right now. Please try again later.',
      errExpired: 'This request expired. Start again.', errGeneric: 'Something went wrong. Please try again.',
      full: 'This call is full.', mute: 'Mute', unmute: 'Unmute', cameraOff: 'Stop camera',
      cameraOn: 'Start camera', mediaFailed: 'Audio and video could not connect.', noDevices: 'No camera or microphone available.',
      media: 'Audio and video could not start.',
      other: 'Français'
    },
    fr: {
      title: 'Réunion', joinCall: "Joindre l'appel", loading: 'Chargement…',
      linkDown: "Il n'est pas possible de joindre un appel pour le moment. Réessayez plus tard.",
      enterCallId: "Saisir l'ID d'appel", callId: "ID d'appel", passcode: 'Code secret (si requis)',
      back: 'Retour', continue: 'Continuer', joining: 'Vous allez rejoindre', yourName: 'Votre nom',
      participants: 'Participants', leave: 'Quitter', you: '(vous)', connected: 'Connecté',
      connecting: 'Connexion…', left: "Vous avez quitté l'appel.", disconnected: "Vous avez été déconnecté de l'appel.",
      errEmptyId: "Saisissez l'ID d'appel.", errNotFound: "Cet ID d'appel est inconnu. Vérifiez-le et réessayez.",
      errBadPasscode: 'Le code secret est incorrect.', errPasscodeRequired: 'Cet appel demande un code secret.',
      errRate: 'Trop de tentatives. Attendez une minute et réessayez.', errName: 'Saisissez votre nom.',
      errLink: "Il n'est pas possible de joindre un appel pour le moment. Réessayez plus tard.",
      errExpired: 'Cette demande a expiré. Recommencez.', errGeneric: "Une erreur s'est produite. Réessayez.",
      full: 'Cet appel est complet.', mute: 'Couper le micro', unmute: 'Activer le micro', cameraOff: 'Arrêter la caméra',
      cameraOn: 'Démarrer la caméra', mediaFailed: "L'audio et la vidéo n'ont pas pu se connecter.",
      noDevices: 'Aucune caméra ni micro disponible.', media: "L'audio et la vidéo n'ont pas pu démarrer.",
      other: 'English'
    }
  };
  var ERR = { notFound: 'errNotFound', badPasscode: 'errBadPasscode', passcodeRequired: 'errPasscodeRequired',
    rateLimited: 'errRate', linkDown: 'errLink', expired: 'errExpired' };
  var params = new URLSearchParams(location.search);
  var lang = params.get('lang') || ((navigator.language || 'en').toLowerCase().indexOf('fr') === 0 ? 'fr' : 'en');
  if (!STR[lang]) lang = 'en';
  var state = { token: null, session: null, space: '', ws: null, list: [], media: null, streams: {},
    muted: false, cameraOff: false };
  var $ = function (id) { return document.getElementById(id); };
  function t(k) { return STR[lang][k] || STR.en[k] || k; }

  function applyLang() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (el) { el.textContent = t(el.getAttribute('data-i18n')); });
    $('lang').textContent = lang === 'fr' ? 'EN' : 'FR';
    $('lang').setAttribute('aria-label', t('other'));
    document.title = t('title');
    renderList();
  }
  function show(name) {
    ['welcome', 'callid', 'name', 'call'].forEach(function (s) { $('screen-' + s).hidden = s !== name; });
    var focus = { callid: 'call-id', name: 'display-name' }[name];
    if (focus) $(focus).focus();
  }
  function showError(id, key) { var el = $(id); el.textContent = key ? t(key) : ''; el.hidden = !key; }

  function post(path, data) {
    return fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(data).toString() })
      .then(function (r) { return r.json().catch(function () { return { error: 'error' }; }); });
  }

  function resolve(data, errId) {
    return post('/api/guest/resolve', data).then(function (res) {
      if (res.error) { showError(errId, ERR[res.error] || 'errGeneric'); return false; }
      state.token = res.token; state.space = res.spaceName;
      $('space-name').textContent = res.spaceName;
      showError('callid-error', null);
      show('name');
      return true;
    });
  }

  function tile(id, name) {
    var el = document.querySelector('.tile[data-tile="' + id + '"]');
    if (el) { el.querySelector('.name').textContent = name; return el; }
    el = document.createElement('figure'); el.className = 'tile'; el.setAttribute('data-tile', id);
    var v = document.createElement('video'); v.autoplay = true; v.playsInline = true;
    var cap = document.createElement('figcaption'); cap.className = 'name'; cap.textContent = name;
    el.appendChild(v); el.appendChild(cap); $('tiles').appendChild(el);
    return el;
  }
  function renderTiles() {
    var keep = {};
    state.list.forEach(function (p) {
      var id = p.self ? 'self' : p.id; keep[id] = true;
      var el = tile(id, p.name + (p.self ? ' ' + t('you') : ''));
      var v = el.querySelector('video'), s = p.self ? (state.media && state.media.local) : state.streams[p.id];
      if (p.self) v.muted = true;
      if (s && v.srcObject !== s) v.srcObject = s;
    });
    document.querySelectorAll('.tile').forEach(function (el) {
      if (!keep[el.getAttribute('data-tile')]) el.remove();
    });
    $('count').textContent = String(state.list.length);
  }
  function renderList() {
    var ul = $('participants');
    if (!ul) return;
    renderTiles();
    $('mute').textContent = t(state.muted ? 'unmute' : 'mute');
    $('camera').textContent = t(state.cameraOff ? 'cameraOn' : 'cameraOff');
    ul.textContent = '';
    state.list.forEach(function (p) {
      var li = document.createElement('li');
      li.textContent = p.name + (p.self ? ' ' + t('you') : '');
      if (p.self) li.className = 'self';
      li.setAttribute('data-participant', p.id);
      ul.appendChild(li);
    });
  }

  function openCall() {
    show('call');
    $('call-space').textContent = state.space;
    $('call-status').textContent = t('connecting');
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
      '/ws?session=' + encodeURIComponent(state.session));
    state.ws = ws;
    var media = new window.PorticoMedia(function (msg) {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    }, {
      local: function () { renderTiles(); },
      track: function (id, stream) { state.streams[id] = stream; renderTiles(); },
      state: function () {},
      error: function (k) { $('call-status').textContent = t(k); }
    }, { codec: params.get('codec') });
    state.media = media; state.streams = {};
    document.querySelector('.card').classList.add('in-call');
    /* ?receive=1: watch only (no camera or microphone), as bench/sfu's
     * receivers do. */
    media.start(params.get('receive') === '1');
    ws.onmessage = function (ev) {
      var m; try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === 'offer') { media.offer(m); return; }
      if (m.type === 'speaker') {
        document.querySelectorAll('.tile').forEach(function (el) {
          var id = el.getAttribute('data-tile'), self = state.list.filter(function (p) { return p.self; })[0];
          el.classList.toggle('speaking', id === m.id || (id === 'self' && self && self.id === m.id));
        });
        return;
      }
      if (m.type === 'mediaFailed') { $('call-status').textContent = t('mediaFailed'); return; }
      if (m.type === 'participants') {
        state.list = m.participants; $('call-status').textContent = t('connected');
        $('call-space').textContent = m.spaceName || state.space; renderList();
      } else if (m.type === 'disconnected') {
        $('call-status').textContent = t(m.reason === 'participantLimitReached' ? 'full' : 'disconnected');
        endMedia(); state.list = []; renderList();
      }
    };
    ws.onclose = function () { if (state.ws === ws) { state.ws = null; endMedia(); } };
  }
  function endMedia() {
    if (state.media) state.media.stop();
    state.media = null; state.streams = {};
    document.querySelector('.card').classList.remove('in-call');
  }

  $('join-call').addEventListener('click', function () { show('callid'); });
  document.querySelectorAll('.back').forEach(function (b) {
    b.addEventListener('click', function () { show($('screen-name').hidden ? 'welcome' : 'callid'); });
  });
  $('callid-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var id = $('call-id').value.trim();
    if (!/^[0-9]{1,18}$/.test(id)) { showError('callid-error', 'errEmptyId'); return; }
    resolve({ callId: id, passcode: $('passcode').value.trim() }, 'callid-error');
  });
  $('name-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var name = $('display-name').value.trim();
    if (!name) { showError('name-error', 'errName'); return; }
    post('/api/guest/login', { token: state.token, name: name }).then(function (res) {
      if (res.error) { showError('name-error', ERR[res.error] || 'errGeneric'); return; }
      showError('name-error', null);
      state.session = res.session;
      openCall();
    });
  });
  $('mute').addEventListener('click', function () {
    state.muted = !state.muted;
    if (state.media) state.media.setEnabled('audio', !state.muted);
    $('mute').setAttribute('aria-pressed', String(state.muted)); renderList();
  });
  $('camera').addEventListener('click', function () {
    state.cameraOff = !state.cameraOff;
    if (state.media) state.media.setEnabled('video', !state.cameraOff);
    $('camera').setAttribute('aria-pressed', String(state.cameraOff)); renderList();
  });
  $('leave').addEventListener('click', function () {
    if (state.ws) state.ws.close();
    endMedia();
    state.list = []; renderList();
    $('call-status').textContent = t('left');
    show('welcome');
  });
  $('lang').addEventListener('click', function () { lang = lang === 'fr' ? 'en' : 'fr'; applyLang(); });

  applyLang();
  fetch('/api/guest/config').then(function (r) { return r.json(); }).then(function (cfg) {
    $('loading').hidden = true;
    if (cfg.background) document.body.style.backgroundImage = 'url("' + encodeURI(cfg.background) + '")';
    if (cfg.logo) { $('logo').src = cfg.logo; $('logo').hidden = false; }
    $('join-call').hidden = !cfg.link;
    $('link-down').hidden = !!cfg.link;
    /* Invitation link: /invited.sf?id=..&secret=.. lands here with both. */
    if (cfg.link && params.get('secret')) {
      resolve({ callId: params.get('id') || '', secret: params.get('secret') }, 'callid-error')
        .then(function (ok) { if (!ok) show('callid'); });
    }
  }).catch(function () { $('loading').hidden = true; $('link-down').hidden = false; });
})();
