/** The capabilities a Parley process runs, in order. */
import type { ModuleContext, ParleyModule } from './module.js';
import { chatModule } from './chat/module.js';
import { compatModule } from './api/compat/module.js';
import { webhooksModule } from './webhooks/module.js';
import { voiceModule } from './voice/module.js';
import { eventsModule } from './events/module.js';
import { webCallModule } from './webcall/module.js';

export function createModules(context: ModuleContext): ParleyModule[] {
  const voice = voiceModule(context);
  const chat = chatModule(context);
  // The web call checks the same speech providers its voice session runs on; the Voicing chatbot is the same chat.
  return [chat, compatModule(context, chat.chat), webhooksModule(context), voice, eventsModule(context), webCallModule(context, voice.speech)];
}
