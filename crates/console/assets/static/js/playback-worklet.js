// The softphone's playback worklet: 16 kHz Int16 frames from the socket go into a jitter buffer
// (play starts once 60 ms are buffered; beyond 300 ms the oldest are dropped), are upsampled
// linearly to the context's rate, and on underrun the output is silence until the buffer has
// primed again. Stats (buffered ms, underruns, dropped, frames) go to the page on request.

const IN_RATE = 16000;
const PREBUFFER = IN_RATE * 0.06;
const CAP = IN_RATE * 0.3;

class Playback extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.buffered = 0;
    this.offset = 0; // read position in queue[0]
    this.frac = 0;
    this.step = IN_RATE / sampleRate;
    this.playing = false;
    this.stats = { underruns: 0, dropped: 0, frames: 0 };
    this.port.onmessage = ({ data }) => {
      if (data === 'stats') {
        this.port.postMessage({ stats: { ...this.stats, bufferedMs: (this.buffered / IN_RATE) * 1000, playing: this.playing } });
        return;
      }
      const frame = new Int16Array(data);
      this.queue.push(frame);
      this.buffered += frame.length;
      this.stats.frames++;
      while (this.buffered > CAP && this.queue.length > 1) {
        const old = this.queue.shift();
        this.buffered -= old.length - this.offset;
        this.offset = 0;
        this.stats.dropped++;
      }
    };
  }

  /** The sample `k` after the read position, as a float (0 if not buffered). */
  peek(k) {
    let i = 0;
    let at = this.offset + k;
    while (i < this.queue.length && at >= this.queue[i].length) {
      at -= this.queue[i].length;
      i++;
    }
    return i < this.queue.length ? this.queue[i][at] / 0x8000 : 0;
  }

  advance() {
    this.offset++;
    this.buffered--;
    if (this.offset >= this.queue[0].length) {
      this.queue.shift();
      this.offset = 0;
    }
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    if (!this.playing && this.buffered >= PREBUFFER) this.playing = true;
    for (let n = 0; n < out.length; n++) {
      if (!this.playing || this.buffered < 2) {
        if (this.playing) {
          this.playing = false;
          this.stats.underruns++;
        }
        out[n] = 0;
        continue;
      }
      out[n] = this.peek(0) + (this.peek(1) - this.peek(0)) * this.frac;
      this.frac += this.step;
      while (this.frac >= 1 && this.buffered >= 2) {
        this.frac -= 1;
        this.advance();
      }
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    return true;
  }
}

registerProcessor('ringside-playback', Playback);
