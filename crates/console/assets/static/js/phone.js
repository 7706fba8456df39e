// The softphone panel: a dial pad, "from" (a number or a directory user) and "to", Call / Hang up /
// Hold, DTMF keys sent out of band, a mic level meter and the jitter buffer's stats. Audio goes
// over the WebSocket /console/phone as 640-byte frames (20 ms of s16le mono 16 kHz) both ways; the
// capture and playback worklets run at the context's native rate and resample themselves.
// `window.__phone` exposes the state and stats for the browser test.

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const $ = (id) => document.getElementById(id);

const phone = { state: 'idle', callId: null, framesIn: 0, framesOut: 0, peak: 0, jitter: null, error: null };
window.__phone = phone;

let socket = null;
let context = null;
let playback = null;
let mic = null;

function show() {
  $('phone-state').textContent = phone.callId ? `${phone.state} · ${phone.callId}` : phone.state;
  $('phone-call').disabled = phone.state !== 'idle' && phone.state !== 'ended';
  $('phone-hangup').disabled = !['dialing', 'connected', 'held'].includes(phone.state);
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

async function call() {
  phone.error = null;
  phone.framesIn = phone.framesOut = 0;
  await startAudio();
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/console/phone`;
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  socket.onmessage = ({ data }) => {
    if (typeof data !== 'string') {
      phone.framesIn++;
      if (playback) playback.port.postMessage(data, [data]);
      return;
    }
    const message = JSON.parse(data);
    if (message.type === 'state') {
      if (message.state === 'idle') {
        send({ type: 'dial', to: $('phone-to').value.trim(), from: $('phone-from').value.trim() });
        return;
      }
      phone.state = message.state;
      phone.callId = message.callId || phone.callId;
      if (message.state === 'ended') hangUpLocally();
    } else if (message.type === 'error') {
      phone.error = message.message;
      $('phone-error').textContent = message.message;
    }
    show();
  };
  socket.onclose = () => hangUpLocally();
}

function hangUpLocally() {
  if (phone.state !== 'ended' && phone.state !== 'idle') phone.state = 'ended';
  if (socket) socket.close();
  socket = null;
  stopAudio();
  show();
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
$('phone-call').addEventListener('click', () => call().catch((error) => {
  phone.error = error.message;
  $('phone-error').textContent = error.message;
  hangUpLocally();
}));
$('phone-hangup').addEventListener('click', () => send({ type: 'hangup' }));
$('phone-hold').addEventListener('click', () => send({ type: 'hold', on: phone.state !== 'held' }));
setInterval(() => {
  if (playback) playback.port.postMessage('stats');
  show();
}, 250);
show();
