/** Call analysis: outcome settings (JSON Schema or the seeds' field styles), summary, outcome and tags. */
export {
  analyzeCall,
  analysisErrorCodes,
  type AnalysisError,
  type AnalysisErrorCode,
  type AnalyzeCallInput,
  type CallAnalysis,
} from './analyze.js';
export {
  defaultOutcomeSettings,
  normaliseSchema,
  parseOutcomeSettings,
  type OutcomeSchema,
  type OutcomeSettings,
  type OutcomeSettingsProblem,
  type OutcomeTag,
  type TagRule,
} from './settings.js';
export { compileOutcomeSchema, outcomeErrors } from './outcome-validator.js';
export { outcomeFromValues, summarizeOffline, tagsByRules } from './offline.js';
