/** The scripted LLM provider: deterministic replies with no network, for dev mode, e2e and benchmarks. */
export {
  createScriptedLlm,
  splitIntoTokens,
  type ScriptedFailure,
  type ScriptedLlm,
  type ScriptedLlmOptions,
  type ScriptedLlmScript,
  type ScriptedReply,
  type ScriptedToolCall,
} from './scripted-llm.js';
