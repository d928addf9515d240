/**
 * The five compat dialects: each seed vendor's documented API under /compat/<vendor>, a thin
 * translation onto the services the native routes use (see docs/compat.md).
 */
import type { ModuleContext, ParleyModule } from '../../module.js';
import { agentRequiredVariables } from '../../brain/engine.js';
import { hamsaRoutes } from './hamsa.js';
import { happyRobotRoutes } from './happyrobot.js';
import { huskyVoiceRoutes } from './huskyvoice.js';
import { voicingRoutes } from './voicing.js';
import { vozAgentRoutes } from './vozagent.js';

export function compatModule(context: ModuleContext): ParleyModule {
  const { services } = context;
  return {
    name: 'compat',
    routes: async (app) => {
      await huskyVoiceRoutes(app, services);
      await voicingRoutes(app, services, { engine: context.engine, requiredVariables: agentRequiredVariables });
      await hamsaRoutes(app, services);
      await happyRobotRoutes(app, services);
      await vozAgentRoutes(app, services);
    },
  };
}
