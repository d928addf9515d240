/**
 * The five compat dialects: each seed vendor's documented API under /compat/<vendor>, a thin
 * translation onto the services the native routes use (see docs/compat.md).
 */
import type { ModuleContext, ParleyModule } from '../../module.js';
import type { ChatDeps } from '../routes/chat.js';
import { hamsaRoutes } from './hamsa.js';
import { happyRobotRoutes } from './happyrobot.js';
import { huskyVoiceRoutes } from './huskyvoice.js';
import { voicingRoutes } from './voicing.js';
import { vozAgentRoutes } from './vozagent.js';

/** `chat`: the native chat's, which the Voicing chatbot runs. */
export function compatModule(context: ModuleContext, chat: ChatDeps): ParleyModule {
  const { services } = context;
  return {
    name: 'compat',
    routes: async (app) => {
      await huskyVoiceRoutes(app, services);
      await voicingRoutes(app, services, chat);
      await hamsaRoutes(app, services);
      await happyRobotRoutes(app, services);
      await vozAgentRoutes(app, services);
    },
  };
}
