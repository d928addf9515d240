/** Text chat with agents over a WebSocket: same brain as a call, no carrier. */
import type { ModuleContext, ParleyModule } from '../module.js';
import { agentRequiredVariables } from '../brain/engine.js';
import { chatRoutes } from '../api/routes/chat.js';

export function chatModule(context: ModuleContext): ParleyModule {
  return {
    name: 'chat',
    routes: (app) => chatRoutes(app, context.services, { engine: context.engine, requiredVariables: agentRequiredVariables }),
  };
}
