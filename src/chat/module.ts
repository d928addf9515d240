/** Text chat with agents over a WebSocket: same brain as a call, no carrier. */
import type { ModuleContext, ParleyModule } from '../module.js';
import { agentRequiredVariables } from '../brain/engine.js';
import { chatRoutes, type ChatDeps } from '../api/routes/chat.js';
import { OrgSlots } from '../shared/org-slots.js';

/** The chat module, with what every chat route shares (the Voicing chatbot runs the same chat, under the same cap). */
export function chatModule(context: ModuleContext): ParleyModule & { readonly chat: ChatDeps } {
  const chat: ChatDeps = { engine: context.engine, requiredVariables: agentRequiredVariables, slots: new OrgSlots(context.config.maxChats) };
  return {
    name: 'chat',
    chat,
    routes: (app) => chatRoutes(app, context.services, chat),
  };
}
