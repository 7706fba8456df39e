// The recordings page: every recording the node holds (Graph recordResponse and ACS call
// recordings), newest first, with call, leg, dialect, start, duration, channels and size; a
// waveform per channel computed by the server and drawn in a canvas (click or arrow keys to
// seek, the playhead follows the audio); an <audio> element over the console's audio route
// (Range, so it seeks) and a download link. A recording written while the page is open arrives
// as a `recording.ready` event.

import { api, liveEvents, el } from './api.js';

const list = document.getElementById('recordings');
const recordings = new Map();
/** What the page drew, for tests: id → { columns, tallColumns, nonFlat } or { error }. */
window.__recordings = {};

function render() {
  const items = [...recordings.values()]
    .sort((a, b) => b.started.localeCompare(a.started) || b.id.localeCompare(a.id))
    .map((recording) => recording.element ?? (recording.element = item(recording)));
  list.replaceChildren(...items);
  document.getElementById('recordings-count').textContent = String(recordings.size);
  document.getElementById('recordings-empty').hidden = recordings.size > 0;
}

function item(recording) {
  const base = `/console/api/recordings/${encodeURIComponent(recording.id)}`;
  const audio = el('audio', { controls: '', preload: 'metadata', src: `${base}/audio` });
  const canvas = el('canvas', {
    class: 'waveform', tabindex: '0', role: 'slider', 'aria-valuemin': '0', 'aria-valuemax': '100',
    'aria-valuenow': '0', 'aria-label': `Waveform, ${recording.channels} channel(s): arrow keys seek, space plays`,
    height: String(48 * Math.max(1, recording.channels)),
  });
  const call = recording.call
    ? el('a', { href: `/console/calls/${encodeURIComponent(recording.call)}` }, el('code', {}, recording.call.slice(0, 8)))
    : el('span', { class: 'muted' }, 'no call');
  const header = el('header', {},
    el('span', { class: 'kind', title: recording.kind }, `${recording.dialect} · ${recording.kind}`),
    el('time', { datetime: recording.started }, new Date(recording.started).toLocaleString()),
    el('span', {}, 'call ', call),
    recording.leg ? el('span', { class: 'muted' }, 'leg ', el('code', {}, recording.leg.slice(0, 8))) : null,
    el('span', { class: 'duration' }, seconds(recording.durationMs)),
    el('span', {}, `${recording.channels} ch`),
    el('span', { class: 'muted' }, size(recording.bytes)),
  );
  const download = el('a', { href: `${base}/audio?download`, download: `recording-${recording.id}.wav`, class: 'download' }, 'Download');
  const element = el('li', { class: 'recording', 'data-recording': recording.id, 'data-kind': recording.kind },
    header, canvas, el('div', { class: 'player' }, audio, download));
  wire(canvas, audio, recording);
  requestAnimationFrame(() => draw(canvas, base, recording.id).catch((error) => {
    window.__recordings[recording.id] = { error: error.message };
    canvas.replaceWith(el('p', { class: 'error' }, error.message));
  }));
  return element;
}

/** Click or arrow keys on the waveform seek; the playhead follows the audio. */
function wire(canvas, audio, recording) {
  const total = () => (Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration : recording.durationMs / 1000);
  const seek = (to) => {
    audio.currentTime = Math.max(0, Math.min(total(), to));
    playhead(canvas, audio.currentTime / total());
  };
  canvas.addEventListener('click', (event) => {
    const box = canvas.getBoundingClientRect();
    seek(((event.clientX - box.left) / box.width) * total());
  });
  canvas.addEventListener('keydown', (event) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, PageDown: -10, PageUp: 10 }[event.key];
    if (event.key === 'Home') seek(0);
    else if (event.key === 'End') seek(total());
    else if (step !== undefined) seek(audio.currentTime + step);
    else if (event.key === ' ' || event.key === 'Enter') {
      if (audio.paused) audio.play().catch(() => {}); else audio.pause();
    } else return;
    event.preventDefault();
  });
  audio.addEventListener('timeupdate', () => playhead(canvas, audio.currentTime / total()));
}

/** Fetches the waveform at the canvas's pixel width and draws each channel in its band. */
async function draw(canvas, base, id) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.min(4096, Math.round((canvas.clientWidth || 800) * ratio)));
  canvas.width = width;
  const waveform = await api(`${base}/waveform?width=${width}`);
  canvas.waveform = waveform;
  paint(canvas, 0);
  window.__recordings[id] = {
    columns: waveform.width,
    tallColumns: tallColumns(canvas),
    nonFlat: waveform.channels.some((c) => c.max.some((v, i) => v - c.min[i] > 0.01)),
  };
}

function paint(canvas, position) {
  const { waveform } = canvas;
  if (!waveform) return;
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  const band = height / Math.max(1, waveform.channels.length);
  const scale = width / waveform.width;
  const style = getComputedStyle(canvas);
  context.clearRect(0, 0, width, height);
  context.fillStyle = style.getPropertyValue('--wave').trim() || '#1565c0';
  waveform.channels.forEach((channel, c) => {
    const middle = band * c + band / 2;
    for (let x = 0; x < waveform.width; x += 1) {
      const top = middle - (channel.max[x] * band) / 2;
      const bottom = middle - (channel.min[x] * band) / 2;
      context.fillRect(x * scale, top, Math.max(1, scale), Math.max(1, bottom - top));
    }
  });
  if (position > 0) {
    context.fillStyle = style.getPropertyValue('--playhead').trim() || '#c62828';
    context.fillRect(Math.min(width - 2, position * width), 0, 2, height);
  }
}

function playhead(canvas, fraction) {
  const position = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  canvas.setAttribute('aria-valuenow', String(Math.round(position * 100)));
  paint(canvas, position);
}

/** Pixel columns inked taller than 3 px (what a test checks: a flat line inks 1 px a column). */
function tallColumns(canvas) {
  const { width, height } = canvas;
  const { data } = canvas.getContext('2d').getImageData(0, 0, width, height);
  let tall = 0;
  for (let x = 0; x < width; x += 1) {
    let inked = 0;
    for (let y = 0; y < height && inked <= 3; y += 1) if (data[(y * width + x) * 4 + 3] > 0) inked += 1;
    if (inked > 3) tall += 1;
  }
  return tall;
}

function seconds(ms) {
  const total = Math.round(ms / 100) / 10;
  return total >= 60 ? `${Math.floor(total / 60)}:${String(Math.floor(total % 60)).padStart(2, '0')}` : `${total} s`;
}

function size(bytes) {
  if (bytes >= 1_048_576) return `${(bytes / 1_048_576).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${bytes} B`;
}

async function reload() {
  const shown = document.getElementById('recordings-error');
  try {
    const { value } = await api('/console/api/recordings');
    const kept = new Map(value.map((recording) => [recording.id, recordings.get(recording.id) ?? recording]));
    recordings.clear();
    kept.forEach((recording, id) => recordings.set(id, recording));
    shown.hidden = true;
    render();
  } catch (error) {
    shown.textContent = error.message;
    shown.hidden = false;
  }
}

const source = liveEvents({ onEvent: () => {}, onReset: () => reload() });
source.addEventListener('recording.ready', (message) => {
  const { recording } = JSON.parse(message.data);
  if (!recordings.has(recording.id)) {
    recordings.set(recording.id, recording);
    render();
  }
});
