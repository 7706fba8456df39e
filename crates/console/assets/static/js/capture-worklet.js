// The softphone's capture worklet: the microphone at the context's native rate → an anti-alias
// low-pass FIR (windowed sinc, cut-off below 8 kHz) → a fractional resampler to 16 kHz (linear
// interpolation between filtered samples, the step being the exact rate ratio, so 44.1 kHz works)
// → 320-sample frames of Int16 posted to the page, with the frame's peak level for the meter.

const OUT_RATE = 16000;
const FRAME = 320;
const TAPS = 63;

/** Windowed-sinc (Blackman) low-pass taps with cut-off `fc` (a fraction of the input rate). */
function lowPass(fc) {
  const taps = new Float32Array(TAPS);
  const mid = (TAPS - 1) / 2;
  let sum = 0;
  for (let i = 0; i < TAPS; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (TAPS - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (TAPS - 1));
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < TAPS; i++) taps[i] /= sum;
  return taps;
}

class Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / OUT_RATE;
    // 7.2 kHz keeps the 8 kHz Nyquist of the output clear of aliases.
    this.taps = lowPass(Math.min(0.45, 7200 / sampleRate));
    this.history = new Float32Array(TAPS);
    this.at = 0;
    this.pos = 0; // the next output's position, in filtered input samples from `prev`
    this.prev = 0;
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
    this.peak = 0;
  }

  filter(sample) {
    this.history[this.at] = sample;
    this.at = (this.at + 1) % TAPS;
    let acc = 0;
    for (let i = 0, j = this.at; i < TAPS; i++, j = (j + 1) % TAPS) acc += this.taps[i] * this.history[j];
    return acc;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let n = 0; n < input.length; n++) {
      const cur = this.filter(input[n]);
      // Outputs that fall between `prev` (position 0) and `cur` (position 1).
      while (this.pos <= 1) {
        const v = this.prev + (cur - this.prev) * this.pos;
        const s = Math.max(-1, Math.min(1, v));
        this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
        this.peak = Math.max(this.peak, Math.abs(s));
        if (this.filled === FRAME) {
          this.port.postMessage({ frame: this.frame.buffer, peak: this.peak }, [this.frame.buffer]);
          this.frame = new Int16Array(FRAME);
          this.filled = 0;
          this.peak = 0;
        }
        this.pos += this.step;
      }
      this.pos -= 1;
      this.prev = cur;
    }
    return true;
  }
}

registerProcessor('ringside-capture', Capture);
