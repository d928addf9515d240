/**
 * The voice module: real phone calls and the real-time voice pipeline. It provides
 *   - the Twilio carrier and its routes, when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
 *     PARLEY_PUBLIC_URL are set (without them a call from a twilio number is refused with
 *     CARRIER_NOT_CONFIGURED);
 *   - the simulated network with its audio lane, when PARLEY_SIM_AUDIO=1;
 *   - the voice lane the call runtime drives: one VoiceSession per answered audio line,
 *     prewarmed while the phone rings, on the server's speech keys (scripted, offline providers when none are set:
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
import type { Carrier, CarrierEventSink } from '../telephony/types.js';
import { createSimCarrier } from '../telephony/sim/sim-carrier.js';
import { SimAudioLine } from '../telephony/sim/audio/sim-audio-line.js';
import type { SimLineOptions } from '../telephony/sim/sim-line.js';
import { ScriptedRecognizer } from './stt/scripted/recognizer.js';
import { createTwilioCarrier, twilioRoutes, type TwilioCarrier } from '../telephony/twilio/index.js';
import { realClock, simSessionClock } from './session/clock.js';
import { promVoiceMetrics } from './session/metrics.js';
import { FramePacer } from './session/pacer.js';
import { missingForPhoneCalls, SpeechProviders } from './session/providers.js';
import { resolveVoiceSettings } from './session/settings.js';
import { VoiceSessions } from './session/sessions.js';
import { defaultTuning } from './session/session.js';

/** The voice module, with the speech providers other lines (the browser's web call) share. */
export interface VoiceModule extends ParleyModule {
  /** One set per process: the apology recordings load once, failing vendors are remembered once. */
  readonly speech: SpeechProviders;
}

export function voiceModule(context: ModuleContext): VoiceModule {
  const { config, log, services, engine, metrics, simClock } = context;
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
    timing: (call) => (call.simulated ? simulated : real),
  });

  let twilio: TwilioCarrier | undefined;
  const twilioOn = twilioConfigured(config, log);
  if (twilioOn) {
    // A call to a person's phone with scripted speech would reach them and never hear them.
    services.calls.addCreateCheck(async (_input, { agent, carrier }) => {
      if (carrier !== 'twilio') return;
      const spec = services.agents.spec(agent);
      const missing = missingForPhoneCalls(providers, resolveVoiceSettings({ settings: spec.settings, voice: agent.voice, language: spec.language }));
      if (missing.length === 0) return;
      throw new AppError('SPEECH_NOT_CONFIGURED', `Calls on ${carrier} need ${missing.join(' and ')} configured on this server, and an agent that does not choose the scripted providers`, {
        details: { carrier, missing },
      });
    });
  }
  return {
    name: 'voice',
    speech: providers,
    voiceLane: sessions,
    carriers(sink) {
      const carriers: Carrier[] = [];
      twilio = twilioOn ? twilioCarrier(config, sink, log) : undefined;
      if (twilio) carriers.push(twilio);
      if (config.simAudio) {
        // Replaces the text-lane simulator the app registers under the same id.
        const createLine = (options: SimLineOptions) => new SimAudioLine({ ...options, ears: (ear) => new ScriptedRecognizer(ear) });
        carriers.push(createSimCarrier({ sink, clock: simClock, personas: services.personas.lookup, lines: 'audio', createLine }));
      }
      return carriers;
    },
    ...(twilioOn
      ? {
          routes: async (app) => {
            if (!twilio) throw new Error('the Twilio routes are registered after the carriers');
            await app.register(twilioPlugin(twilio, log));
          },
        }
      : {}),
    async stop() {
      await sessions.stop();
      real.pacer.stop();
      simulated.pacer.stop();
    },
  };
}

const twilioVariables: Readonly<Record<string, string>> = {
  accountSid: 'TWILIO_ACCOUNT_SID',
  authToken: 'TWILIO_AUTH_TOKEN',
  apiBaseUrl: 'TWILIO_API_BASE_URL',
  publicUrl: 'PARLEY_PUBLIC_URL',
};

/** Whether the Twilio configuration is complete (a partial one is logged). */
function twilioConfigured(config: Config, log: Logger): boolean {
  const { accountSid, authToken } = config.twilio;
  if (!accountSid || !authToken) return false;
  if (!config.publicUrl) {
    log.warn({ carrier: 'twilio' }, 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are set but PARLEY_PUBLIC_URL is not: Twilio calls stay off');
    return false;
  }
  return true;
}

/** The Twilio carrier (its configuration is complete); a bad value stops the server, naming the variable. */
function twilioCarrier(config: Config, sink: CarrierEventSink, log: Logger): TwilioCarrier {
  const { accountSid, authToken, apiBaseUrl } = config.twilio;
  if (!accountSid || !authToken || !config.publicUrl) throw new Error('Twilio is not configured');
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
