/* EN/FR strings and the language choice (?lang=, else the browser's
 * language).  applyLang() renders every [data-i18n] element's text and every
 * [data-i18n-label] element's aria-label from the table, as text only. */
const STR = {
  en: {
    title: 'Meeting', joinCall: 'Join call', loading: 'Loading…',
    linkDown: 'Joining calls is not available right now. Please try again later.',
    enterCallId: 'Enter Call ID', callId: 'Call ID', passcode: 'Passcode (if required)',
    back: 'Back', continue: 'Continue', joining: 'You are joining', yourName: 'Your name',
    participants: 'Participants', leave: 'Leave', you: '(you)', connected: 'Connected',
    connecting: 'Connecting…', reconnecting: 'Connection lost. Reconnecting…',
    left: 'You have left the call.', rejoin: 'Rejoin', disconnected: 'You were disconnected from the call.',
    errEmptyId: 'Enter the call ID.', errNotFound: 'That call ID was not recognised. Check it and try again.',
    errBadPasscode: 'The passcode is incorrect.', errPasscodeRequired: 'This call needs a passcode.',
    errRate: 'Too many attempts. Wait a minute and try again.', errName: 'Enter your name.',
    errLink: 'Joining calls is not available right now. Please try again later.',
    errExpired: 'This request expired. Start again.', errGeneric: 'Something went wrong. Please try again.',
    full: 'This call is full.', mute: 'Mute microphone', unmute: 'Unmute microphone',
    cameraOff: 'Turn camera off', cameraOn: 'Start camera',
    mediaFailed: 'Audio and video could not connect.', noDevices: 'No camera or microphone available.',
    media: 'Audio and video could not start.', camera: 'Camera', microphone: 'Microphone',
    preview: 'Camera preview', noDevice: 'None available', video: 'Video', controls: 'Call controls',
    other: 'Français',
    /* chat, participants, active speaker (chat helper) */
    chat: 'Chat', message: 'Message', micOff: 'microphone off', camOff: 'camera off', speaking: 'Speaking:',
    chatTooLong: 'Your message is too long (2000 characters at most). It was not sent.',
    chatRate: 'You are sending messages too quickly. Wait a few seconds and try again.',
    chatForbidden: 'You cannot send messages in this call.',
    chatFailed: 'Your message could not be sent.',
    /* share (issue 14) */
    shareStart: 'Share screen', shareStop: 'Stop sharing', shareBy: 'Screen shared by',
    waitingHost: 'Waiting for the host to join', callEnded: 'The meeting has ended.',
    callLocked: 'This meeting is locked. You cannot join it now.', removedByHost: 'You were removed from the meeting by the host.',
    mutedByHost: 'You were muted by the host', unmutedByHost: 'The host unmuted you',
    hostControls: 'Host controls', muteAll: 'Mute all', lockMeeting: 'Lock meeting', unlockMeeting: 'Unlock meeting',
    muteGuest: 'Mute', removeGuest: 'Remove', refused: 'The server refused that action.'
  },
  fr: {
    title: 'Réunion', joinCall: "Joindre l'appel", loading: 'Chargement…',
    linkDown: "Il n'est pas possible de joindre un appel pour le moment. Réessayez plus tard.",
    enterCallId: "Saisir l'ID d'appel", callId: "ID d'appel", passcode: 'Code secret (si requis)',
    back: 'Retour', continue: 'Continuer', joining: 'Vous allez rejoindre', yourName: 'Votre nom',
    participants: 'Participants', leave: 'Quitter', you: '(vous)', connected: 'Connecté',
    connecting: 'Connexion…', reconnecting: 'Connexion perdue. Reconnexion…',
    left: "Vous avez quitté l'appel.", rejoin: 'Rejoindre', disconnected: "Vous avez été déconnecté de l'appel.",
    errEmptyId: "Saisissez l'ID d'appel.", errNotFound: "Cet ID d'appel est inconnu. Vérifiez-le et réessayez.",
    errBadPasscode: 'Le code secret est incorrect.', errPasscodeRequired: 'Cet appel demande un code secret.',
    errRate: 'Trop de tentatives. Attendez une minute et réessayez.', errName: 'Saisissez votre nom.',
    errLink: "Il n'est pas possible de joindre un appel pour le moment. Réessayez plus tard.",
    errExpired: 'Cette demande a expiré. Recommencez.', errGeneric: "Une erreur s'est produite. Réessayez.",
    full: 'Cet appel est complet.', mute: 'Couper le micro', unmute: 'Réactiver le micro',
    cameraOff: 'Couper la caméra', cameraOn: 'Activer la caméra',
    mediaFailed: "L'audio et la vidéo n'ont pas pu se connecter.",
    noDevices: 'Aucune caméra ni micro disponible.', media: "L'audio et la vidéo n'ont pas pu démarrer.",
    camera: 'Caméra', microphone: 'Micro', preview: 'Aperçu de la caméra', noDevice: 'Aucun disponible',
    video: 'Vidéo', controls: "Commandes de l'appel",
    other: 'English',
    /* chat, participants, active speaker (chat helper) */
    chat: 'Discussion', message: 'Message', micOff: 'micro coupé', camOff: 'caméra coupée', speaking: 'Parole :',
    chatTooLong: "Votre message est trop long (2000 caractères au plus). Il n'a pas été envoyé.",
    chatRate: 'Vous envoyez des messages trop vite. Attendez quelques secondes et réessayez.',
    chatForbidden: 'Vous ne pouvez pas envoyer de messages dans cet appel.',
    chatFailed: "Votre message n'a pas pu être envoyé.",
    /* share (issue 14) */
    shareStart: "Partager l'écran", shareStop: 'Arrêter le partage', shareBy: 'Écran partagé par',
    waitingHost: "En attente de l'organisateur", callEnded: 'La réunion est terminée.',
    callLocked: 'Cette réunion est verrouillée. Vous ne pouvez pas la rejoindre pour le moment.',
    removedByHost: "L'organisateur vous a retiré de la réunion.",
    mutedByHost: "L'organisateur a coupé votre micro", unmutedByHost: "L'organisateur a réactivé votre micro",
    hostControls: "Commandes de l'organisateur", muteAll: 'Couper tous les micros',
    lockMeeting: 'Verrouiller la réunion', unlockMeeting: 'Déverrouiller la réunion',
    muteGuest: 'Couper le micro', removeGuest: 'Retirer', refused: 'Le serveur a refusé cette action.'
  }
};

function initial() {
  const q = new URLSearchParams(location.search).get('lang');
  const nav = (navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en';
  return STR[q] ? q : nav;
}

let lang = initial();
const listeners = [];

export function t(key) { return STR[lang][key] || STR.en[key] || key; }
export function currentLang() { return lang; }
/* fn runs after every language change (views re-render their own text). */
export function onLangChange(fn) { listeners.push(fn); }

export function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-label]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nLabel)); });
  document.title = t('title');
  listeners.forEach((fn) => fn());
}

export function toggleLang() { lang = lang === 'fr' ? 'en' : 'fr'; applyLang(); }
