/** The simulated network's audio lane (PARLEY_SIM_AUDIO=1), and the Twilio-like in-process line benchmarks use. */
export { SimAudioLine, type HeardEvent, type SimAudioLineOptions, type SimEars } from './sim-audio-line.js';
export { CarrierBuffer, type CarrierBufferStats } from './carrier-buffer.js';
export { LineTicker, PacedLine, type PacedLineHooks } from './paced-line.js';
