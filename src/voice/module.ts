/**
 * The voice module: real phone calls and the real-time voice pipeline. It provides
 *   - the Twilio carrier and its routes, when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
 *     PARLEY_PUBLIC_URL are set (without them a call from a twilio number is refused with
 *     CARRIER_NOT_CONFIGURED);
 *   - the simulated network with its audio lane, when PARLEY_SIM_AUDIO=1;
 *   - the audio session runner: one VoiceSession per answered audio line, prewarmed while the
 *     phone rings, on the server's speech keys (scripted, offline providers when none are set:
 *     fine for the simulated network, so a Twilio call without them is refused with
 *     SPEECH_NOT_CONFIGURED);
 *   - the voice metrics on /metrics.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ZodError } from 'zod';
import type { ModuleContext, ParleyModule } from '../module.js';
import type { Config } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { isTerminal, type CallStatus } from '../calls/call-status.js';
import type { CallRow } from '../calls/call-view.js';
import type { Carrier, CarrierEventSink } from '../telephony/types.js';
import { createSimCarrier } from '../telephony/sim/sim-carrier.js';
import { SimAudioLine } from '../telephony/sim/audio/sim-audio-line.js';
import { ScriptedRecognizer } from './stt/scripted/recognizer.js';
import { createTwilioCarrier, twilioRoutes, type TwilioCarrier } from '../telephony/twilio/index.js';
import { realClock, simSessionClock } from './session/clock.js';
import { promVoiceMetrics } from './session/metrics.js';
import { FramePacer } from './session/pacer.js';
import { missingForPhoneCalls, SpeechProviders } from './session/providers.js';
import { resolveVoiceSettings } from './session/settings.js';
import { VoiceSessions, type SessionCall } from './session/sessions.js';
import { defaultTuning } from './session/session.js';

/** Carriers whose answered calls carry audio (and so get a prewarmed voice session). */
function audioCarriers(config: Config, twilio: TwilioCarrier | undefined): ReadonlySet<string> {
  const ids = new Set<string>();
  if (twilio) ids.add('twilio');
  if (config.simAudio) ids.add('sim');
  return ids;
}

export function voiceModule(context: ModuleContext): ParleyModule {
  const { config, log, services, engine, metrics, sink, simClock } = context;
  const providers = new SpeechProviders(config.speech);
  const voiceMetrics = promVoiceMetrics(metrics);
  const real = { clock: realClock(), pacer: new FramePacer(realClock()) };
  const simulated = (() => {
    const clock = simSessionClock(simClock);
    // The simulated line runs PARLEY_SIM_SPEED times faster, but models and timers of the event
    // loop do not: the lead, the filler and the TTS stall keep their real-time budgets.
    const speed = clock.speed;
    const tuning = { leadMs: defaultTuning.leadMs * speed, fillerAfterMs: defaultTuning.fillerAfterMs * speed, ttsStallMs: defaultTuning.ttsStallMs * speed };
    return { clock, pacer: new FramePacer(clock), tuning };
  })();
  const sessions = new VoiceSessions({
    engine, providers, log, metrics: voiceMetrics,
    loadAgent: async (call) => {
      const row = await services.agents.getForCall(call.agentId);
      return row ? { spec: services.agents.spec(row), voice: row.voice } : undefined;
    },
    recordEvent: (call, type, data) => services.calls.recordEvent(call, type, data),
    storeLatency: (call, summary) => services.calls.recordLatency(call.id, { ...summary }),
    timing: (call) => (call.carrier === 'sim' ? simulated : real),
  });

  // The answered line goes to its prewarmed session at once, then on to the call runtime
  // (a machine that answered waits for the runtime: it is not greeted).
  const machines = new Set<string>();
  const lineFirst: CarrierEventSink = (callId, event) => {
    if (event.type === 'answered' && event.answeredBy === 'machine') machines.add(callId);
    if (event.type === 'line' && event.line.mode === 'audio' && !machines.has(callId)) sessions.lineUp(callId, event.line);
    if (event.type === 'ended') machines.delete(callId);
    sink(callId, event);
  };
  const twilio = twilioCarrier(config, lineFirst, log);
  const carriers: Carrier[] = [];
  if (twilio) carriers.push(twilio);
  if (config.simAudio) {
    // Replaces the text-lane simulator the app registers under the same id.
    carriers.push(createSimCarrier({ sink: lineFirst, clock: simClock, personas: services.personas.lookup, createLine: (options) => new SimAudioLine({ ...options, ears: (ear) => new ScriptedRecognizer(ear) }) }));
  }
  if (twilio) {
    // A call to a person's phone with scripted speech would reach them and never hear them.
    services.calls.addCreateCheck(async (_input, { agent, carrier }) => {
      if (carrier !== twilio.id) return;
      const spec = services.agents.spec(agent);
      const missing = missingForPhoneCalls(providers, resolveVoiceSettings({ settings: spec.settings, voice: agent.voice, language: spec.language }));
      if (missing.length === 0) return;
      throw new AppError('SPEECH_NOT_CONFIGURED', `Calls on ${carrier} need ${missing.join(' and ')} configured on this server, and an agent that does not choose the scripted providers`, {
        details: { carrier, missing },
      });
    });
  }
  const withAudio = audioCarriers(config, twilio);
  services.calls.onTransition((row, from) => {
    if (!withAudio.has(row.carrier)) return;
    // From the dial on: connecting STT and TTS and synthesising the greeting fits in the ring time.
    if ((row.status === 'dialing' || row.status === 'ringing') && from !== row.status) sessions.prewarm(sessionCall(row));
    else if (isTerminal(row.status as CallStatus)) sessions.discard(row.id);
  });

  return {
    name: 'voice',
    carriers,
    audioSession: async ({ call, line, live, answer }) => {
      const end = await sessions.run(sessionCall(call), line, live, answer);
      return { endReason: end.reason };
    },
    ...(twilio ? { routes: async (app) => void (await app.register(twilioPlugin(twilio, log))) } : {}),
    async stop() {
      await sessions.stop();
      real.pacer.stop();
      simulated.pacer.stop();
    },
  };
}

function sessionCall(row: CallRow): SessionCall {
  return { id: row.id, orgId: row.orgId, agentId: row.agentId, carrier: row.carrier, variables: row.variables, maxDurationS: row.maxDurationS };
}

const twilioVariables: Readonly<Record<string, string>> = {
  accountSid: 'TWILIO_ACCOUNT_SID',
  authToken: 'TWILIO_AUTH_TOKEN',
  apiBaseUrl: 'TWILIO_API_BASE_URL',
  publicUrl: 'PARLEY_PUBLIC_URL',
};

/** The Twilio carrier when its configuration is complete; a bad value stops the server, naming the variable. */
function twilioCarrier(config: Config, sink: CarrierEventSink, log: Logger): TwilioCarrier | undefined {
  const { accountSid, authToken, apiBaseUrl } = config.twilio;
  if (!accountSid || !authToken) return undefined;
  if (!config.publicUrl) {
    log.warn({ carrier: 'twilio' }, 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set but PARLEY_PUBLIC_URL is not: Twilio calls stay off');
    return undefined;
  }
  try {
    return createTwilioCarrier({ accountSid, authToken, publicUrl: config.publicUrl, ...(apiBaseUrl ? { apiBaseUrl } : {}) }, { sink, logger: log });
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const problems = error.issues.map((issue) => `${twilioVariables[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
    throw new Error(`Invalid Twilio configuration: ${problems.join('; ')}`, { cause: error });
  }
}

/** Twilio's routes, plus a warning for every refused media-stream upgrade (the carrier logs refused callbacks itself). */
function twilioPlugin(carrier: TwilioCarrier, log: Logger): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 403 && request.method === 'GET') {
        log.warn({ carrier: 'twilio', path: carrier.options.mediaStreamPath }, 'twilio media stream upgrade with an invalid signature refused');
      } else if (reply.statusCode === 403 && request.method === 'POST' && !request.headers['x-twilio-signature']) {
        // Refused in onRequest before the form was read, so the carrier never saw it.
        log.warn({ carrier: 'twilio' }, 'twilio status callback with an invalid signature');
      }
    });
    await app.register(twilioRoutes(carrier));
  };
}
