/** Flow agents: the definition schema, its validation, the engine that runs it, and ready-made templates. */
export { createFlowEngine, type FlowEngineDeps } from './engine.js';
export {
  edgesOf,
  flowProblemCodes,
  parseFlow,
  requiredFlowVariables,
  validateFlow,
  type FlowEdge,
  type FlowProblem,
  type FlowProblemCode,
} from './validate.js';
export {
  conditionSchema,
  flowNodeSchema,
  flowNodeTypes,
  flowSchema,
  flowSettingsSchema,
  isFlowSettings,
  type AskNode,
  type BranchNode,
  type Condition,
  type Flow,
  type FlowInput,
  type FlowNode,
  type FlowNodeType,
} from './schema.js';
export { matchesCondition } from './conditions.js';
export { FlowRun, flowPhases, type FlowOutput, type FlowPhase } from './runner.js';
export {
  appointmentConfirmation,
  appointmentConfirmationFlow,
  appointmentConfirmationOutcomeSchema,
  flowTemplateNames,
  flowTemplates,
  type FlowTemplate,
  type FlowTemplateName,
} from './templates.js';
