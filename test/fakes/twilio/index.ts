/** The fake Twilio for tests and benchmarks. */
export { FakeTwilio } from './fake-twilio.js';
export type { FakeTwilioOptions, ReceivedRequest } from './fake-twilio.js';
export { FakeTwilioCall, answeredByValues } from './fake-call.js';
export type { CalleeScript, CallRequest, FakeAnsweredBy, FakeCallStatus, PostedCallback } from './fake-call.js';
export { FakeMediaStream } from './fake-stream.js';
export type { ClearRecord, EchoedMark, HeardChunk, ScheduledDigit, ScheduledSpeech, StreamError } from './fake-stream.js';
export { FRAME_BYTES, FRAME_MS, MULAW_SILENCE, parseTwiml, signTwilio } from './wire.js';
