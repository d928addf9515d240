/** The real-time voice session: one per live audio call, and the registry that prewarms and runs them. */
export { VoiceSession, defaultTuning } from './session.js';
export type { AnswerInfo, SessionEnd, SessionTuning, VoiceSessionHooks, VoiceSessionOptions } from './types.js';
export { VoiceSessions, type VoiceSessionsOptions } from './sessions.js';
export { SpeechProviders, type SpeechKeys } from './providers.js';
export { FramePacer } from './pacer.js';
export { realClock, simSessionClock, type SessionClock } from './clock.js';
export { checkVoiceSettings, resolveVoiceSettings, type VoiceSettings } from './settings.js';
export { summarizeLatency, latencyStages, type LatencySummary, type TurnLatency } from './latency.js';
export { promVoiceMetrics, noVoiceMetrics, type VoiceMetrics } from './metrics.js';
