/** The Twilio carrier's public surface: the factory, its routes, and the pieces tests and tools reuse. */
export { createTwilioCarrier } from './carrier.js';
export type {
  TwilioCarrier, TwilioCarrierDeps, TwilioCallbackResult, TwilioMediaResult, TwilioSignedRequest, TwilioUpgradeRequest,
} from './carrier.js';
export { twilioRoutes } from './routes.js';
export { twilioOptionsSchema, parseTwilioOptions, publicWsUrl } from './options.js';
export type { TwilioOptions, TwilioOptionsInput } from './options.js';
export { TwilioApiClient, TwilioApiError } from './api-client.js';
export type { TwilioApiClientOptions, TwilioCreateCallParams, TwilioMachineDetection } from './api-client.js';
export { TwilioMediaCodec } from './media-codec.js';
export { TwilioMediaLine, acceptTwilioMediaStream } from './media-line.js';
export type { TwilioMarkState, TwilioMediaLineStats, TwilioStreamStart } from './media-line.js';
export { computeTwilioSignature, verifyTwilioSignature, signatureUrlCandidates } from './signature.js';
export { mapAnsweredBy, mapCallStatus, mapStatusCallback, mapAmdCallback } from './status.js';
export { buildConnectStreamTwiml, escapeXml } from './twiml.js';
export * from './protocol.js';
