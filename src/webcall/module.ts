/**
 * Web calls: talk to an agent by voice from a browser. The `web` carrier's line is the browser's
 * WebSocket; the call runtime runs the same voice session on it as on a phone line, with the
 * server's STT and TTS. A web call needs real speech providers (a browser's microphone carries a
 * person's voice): without them it is refused with SPEECH_NOT_CONFIGURED naming what to set.
 */
import type { ModuleContext, ParleyModule } from '../module.js';
import { AppError } from '../shared/errors.js';
import { createWebCarrier, type WebCarrier } from '../telephony/web/carrier.js';
import { webCallRoutes } from '../api/routes/web-call.js';
import { missingForPhoneCalls, type SpeechProviders } from '../voice/session/providers.js';
import { resolveVoiceSettings } from '../voice/session/settings.js';

/** `providers`: the voice module's speech providers, the ones the web call's session will use. */
export function webCallModule(context: ModuleContext, providers: SpeechProviders): ParleyModule {
  const { services } = context;
  // Built when the process hands carriers their sink (the call runtime), before the routes.
  let carrier: WebCarrier | undefined;
  services.calls.addCreateCheck(async (_input, { agent, carrier: id }) => {
    if (id !== 'web') return;
    const spec = services.agents.spec(agent);
    const missing = missingForPhoneCalls(providers, resolveVoiceSettings({ settings: spec.settings, voice: agent.voice, language: spec.language }));
    if (missing.length === 0) return;
    throw new AppError('SPEECH_NOT_CONFIGURED', `A web call needs ${missing.join(' and ')} configured on this server, and an agent that does not choose the scripted providers`, {
      details: { carrier: id, missing },
    });
  });
  return {
    name: 'web-call',
    carriers: (sink) => [(carrier = createWebCarrier({ sink }))],
    routes: (app) => {
      if (!carrier) throw new Error('The web carrier is built before the routes');
      webCallRoutes(app, services, { carrier, claim: (orgId, id) => context.liveCalls.claim(orgId, id), dial: (id) => context.liveCalls.dial(id) });
    },
  };
}
