/** Tools a prompt agent can call: call-control built-ins and the author's HTTP tools. */
export { builtinToolNames, builtinToolSpec, DTMF_PATTERN, type BuiltinToolName } from './builtin.js';
export { callHttpTool, DEFAULT_MAX_RESPONSE_BYTES, httpToolSettings, type HttpToolSettings, type UrlCheck } from './http-tool.js';
export { parseArguments, schemaProblem, type ParsedArguments } from './arguments.js';
export type { ToolOutcome } from './outcome.js';
export { createToolbox, type Toolbox, type ToolboxOptions, type ToolRun } from './toolbox.js';
