// The web call's audio thread: the microphone resampled to 8 kHz in 20 ms frames for the server,
// and the agent's 8 kHz audio resampled to the device rate for the speakers, with marks reported
// once the audio before them has played and `clear` dropping what has not (barge-in).
const LINE_RATE = 8000;
const FRAME = 160;

class WebCallProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = LINE_RATE / sampleRate; // line samples per device sample
    // capture
    this.frame = new Float32Array(FRAME);
    this.frameLength = 0;
    this.sum = 0;
    this.count = 0;
    this.phase = 0;
    // playback
    this.chunks = [];
    this.readIndex = 0; // fractional index into chunks[0]
    this.queued = 0; // line samples ever queued
    this.played = 0; // line samples ever played
    this.marks = [];
    this.framesPlayed = 0;
    this.partial = 0;
    this.lastReport = 0;
    this.port.onmessage = (event) => this.onMessage(event.data);
  }

  onMessage(message) {
    if (message.type === 'audio') {
      this.chunks.push(message.samples);
      this.queued += message.samples.length;
    } else if (message.type === 'mark') {
      this.marks.push({ name: message.name, at: this.queued });
      this.flushMarks();
    } else if (message.type === 'clear') {
      this.chunks = [];
      this.readIndex = 0;
      this.marks = [];
      this.played = this.queued;
    }
  }

  flushMarks() {
    while (this.marks.length && this.marks[0].at <= this.played) this.port.postMessage({ type: 'mark', name: this.marks.shift().name });
  }

  capture(input) {
    if (!input) return;
    for (let i = 0; i < input.length; i++) {
      // Box filter over each line sample's span: a cheap low-pass against aliasing.
      this.sum += input[i];
      this.count += 1;
      this.phase += this.step;
      if (this.phase >= 1) {
        this.phase -= 1;
        this.frame[this.frameLength++] = this.sum / this.count;
        this.sum = 0;
        this.count = 0;
        if (this.frameLength === FRAME) {
          this.port.postMessage({ type: 'frame', samples: this.frame }, [this.frame.buffer]);
          this.frame = new Float32Array(FRAME);
          this.frameLength = 0;
        }
      }
    }
  }

  play(output) {
    const channel = output[0];
    if (!channel) return;
    for (let i = 0; i < channel.length; i++) {
      const chunk = this.chunks[0];
      if (!chunk) {
        channel[i] = 0;
        continue;
      }
      const index = Math.floor(this.readIndex);
      const next = index + 1 < chunk.length ? chunk[index + 1] : (this.chunks[1]?.[0] ?? chunk[index]);
      const t = this.readIndex - index;
      channel[i] = chunk[index] * (1 - t) + next * t;
      this.readIndex += this.step;
      const whole = Math.floor(this.readIndex);
      if (whole > index) {
        const advanced = whole - index;
        this.played += advanced;
        this.partial += advanced;
        if (this.partial >= FRAME) {
          this.framesPlayed += Math.floor(this.partial / FRAME);
          this.partial %= FRAME;
        }
      }
      if (this.readIndex >= chunk.length) {
        this.readIndex -= chunk.length;
        this.chunks.shift();
      }
    }
    for (let c = 1; c < output.length; c++) output[c].set(channel);
    this.flushMarks();
  }

  process(inputs, outputs) {
    this.capture(inputs[0] && inputs[0][0]);
    this.play(outputs[0]);
    if (currentTime - this.lastReport > 0.1) {
      this.lastReport = currentTime;
      this.port.postMessage({ type: 'stats', framesPlayed: this.framesPlayed, buffered: this.queued - this.played });
    }
    return true;
  }
}

registerProcessor('web-call', WebCallProcessor);
