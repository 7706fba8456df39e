// The softphone panel: a dial pad, "from" (a number or a directory user) and "to", Call / Hang up /
// Hold, DTMF keys sent out of band, a mic level meter and the jitter buffer's stats; "you" (a
// directory user picked here: calls to them ring on the page, with Answer / Decline). Audio goes
// over the WebSocket /console/phone as 640-byte frames (20 ms of s16le mono 16 kHz) both ways; the
// capture and playback worklets run at the context's native rate and resample themselves.
// `window.__phone` exposes the state and stats for the browser test.

import { api, el, partyName } from './api.js';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const $ = (id) => document.getElementById(id);

const phone = {
  state: 'idle', callId: null, framesIn: 0, framesOut: 0, peak: 0, jitter: null, error: null,
  you: null, from: null, rings: 0,
};
window.__phone = phone;

let socket = null;
let ready = null;
let context = null;
let playback = null;
let mic = null;

function show() {
  $('phone-state').textContent = phone.callId ? `${phone.state} · ${phone.callId}` : phone.state;
  $('phone-call').disabled = phone.state !== 'idle' && phone.state !== 'ended';
  $('phone-hangup').disabled = !['dialing', 'answering', 'connected', 'held'].includes(phone.state);
  $('phone-incoming').hidden = phone.state !== 'ringing';
  $('phone-incoming-from').textContent = partyName(phone.from);
  $('phone-you-status').textContent = phone.you ? `calls to ${partyName(phone.you)} ring here` : '';
  $('phone-hold').disabled = !['connected', 'held'].includes(phone.state);
  $('phone-hold').textContent = phone.state === 'held' ? 'Resume' : 'Hold';
  $('phone-meter').value = phone.peak;
  const j = phone.jitter;
  $('phone-stats').textContent = j
    ? `in ${phone.framesIn} · out ${phone.framesOut} · buffered ${j.bufferedMs.toFixed(0)} ms · underruns ${j.underruns} · dropped ${j.dropped}`
    : `in ${phone.framesIn} · out ${phone.framesOut}`;
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

async function startAudio() {
  // Created inside the click (autoplay policy), at the device's own rate.
  context = new AudioContext();
  await context.audioWorklet.addModule('/console/assets/js/capture-worklet.js');
  await context.audioWorklet.addModule('/console/assets/js/playback-worklet.js');
  playback = new AudioWorkletNode(context, 'ringside-playback', { outputChannelCount: [1] });
  playback.connect(context.destination);
  playback.port.onmessage = ({ data }) => {
    if (data.stats) phone.jitter = data.stats;
  };
  mic = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1 } });
  const capture = new AudioWorkletNode(context, 'ringside-capture');
  capture.port.onmessage = ({ data }) => {
    phone.peak = data.peak;
    if (socket && socket.readyState === WebSocket.OPEN && ['connected'].includes(phone.state)) {
      socket.send(data.frame);
      phone.framesOut++;
    }
  };
  context.createMediaStreamSource(mic).connect(capture);
}

function stopAudio() {
  if (mic) mic.getTracks().forEach((track) => track.stop());
  if (context) context.close();
  mic = context = playback = null;
}

/** Opens the socket unless open; resolves once the server said `idle`. */
function connect() {
  if (socket) return ready;
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/phone`;
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  ready = new Promise((resolve, reject) => {
    socket.onerror = () => reject(new Error('the softphone socket failed'));
    socket.onmessage = (message) => receive(message, resolve);
  });
  socket.onclose = () => {
    socket = ready = null;
    phone.you = null;
    $('phone-you').value = '';
    endedLocally();
  };
  return ready;
}

function receive({ data }, opened) {
  if (typeof data !== 'string') {
    phone.framesIn++;
    if (playback) playback.port.postMessage(data, [data]);
    return;
  }
  const message = JSON.parse(data);
  if (message.type === 'state') {
    if (message.state === 'idle') return opened();
    phone.state = message.state;
    phone.callId = message.callId || phone.callId;
    if (message.state === 'ringing') {
      phone.from = message.from;
      phone.rings++;
    }
    if (message.state === 'ended') endedLocally();
  } else if (message.type === 'registered') {
    phone.you = message.you;
  } else if (message.type === 'error') {
    phone.error = message.message;
    $('phone-error').textContent = message.message;
  }
  show();
}

async function call() {
  phone.error = null;
  phone.framesIn = phone.framesOut = 0;
  await startAudio();
  await connect();
  send({ type: 'dial', to: $('phone-to').value.trim(), from: $('phone-from').value.trim() });
}

async function answer() {
  phone.framesIn = phone.framesOut = 0;
  await startAudio();
  send({ type: 'answer' });
}

/** The call ended: audio stops; the socket stays open while it stands for "you". */
function endedLocally() {
  if (phone.state !== 'ended' && phone.state !== 'idle') phone.state = 'ended';
  phone.from = null;
  if (socket && !phone.you) socket.close();
  stopAudio();
  show();
}

/** Be the picked user (or nobody). */
async function pickYou() {
  const user = $('phone-you').value;
  if (!user && !socket) return;
  await connect();
  send(user ? { type: 'register', user } : { type: 'unregister' });
}

/** Fills the "you" picker with the directory's users. */
async function loadUsers() {
  const { value: tenants } = await api('/ringside/v1/tenants');
  for (const tenant of tenants) {
    const { value: users } = await api(`/ringside/v1/tenants/${encodeURIComponent(tenant.id)}/users`);
    for (const user of users) {
      const label = `${user.displayName} <${user.userPrincipalName}>`;
      $('phone-you').append(el('option', { value: user.id }, label));
    }
  }
}

function failed(error) {
  phone.error = error.message;
  $('phone-error').textContent = error.message;
  endedLocally();
}

KEYS.forEach((key) => {
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = key;
  button.dataset.key = key;
  button.addEventListener('click', () => {
    if (phone.state === 'connected') send({ type: 'dtmf', digit: key });
    else $('phone-to').value += key;
  });
  $('phone-pad').append(button);
});
$('phone-call').addEventListener('click', () => call().catch(failed));
$('phone-answer').addEventListener('click', () => answer().catch(failed));
$('phone-decline').addEventListener('click', () => send({ type: 'decline' }));
$('phone-you').addEventListener('change', () => pickYou().catch(failed));
$('phone-hangup').addEventListener('click', () => send({ type: 'hangup' }));
$('phone-hold').addEventListener('click', () => send({ type: 'hold', on: phone.state !== 'held' }));
setInterval(() => {
  if (playback) playback.port.postMessage('stats');
  show();
}, 250);
show();
loadUsers().catch((error) => console.warn('users:', error.message));
