/** One conversation's tools: the specs the model is offered and how each of its calls is run. */
import type { LlmToolCall, LlmToolSpec } from '../../llm/types.js';
import type { Variables } from '../types.js';
import { parseArguments } from './arguments.js';
import { builtinToolSpec, runBuiltinTool, type BuiltinToolName } from './builtin.js';
import { callHttpTool, DEFAULT_MAX_RESPONSE_BYTES, type HttpToolSettings, type UrlCheck } from './http-tool.js';
import type { ToolOutcome } from './outcome.js';

/** Which tools a conversation has and what their calls may use. */
export interface ToolboxOptions {
  /** Built-ins to offer; transfer_call is offered only when `transferNumbers` has some. */
  readonly builtins: readonly BuiltinToolName[];
  readonly transferNumbers: readonly string[];
  readonly httpTools: readonly HttpToolSettings[];
  readonly variables?: Variables;
  readonly variableDefaults?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  readonly checkUrl?: UrlCheck;
  readonly maxResponseBytes?: number;
}

/** One run of a tool call: the arguments as parsed (the raw text when they were not JSON) and the outcome. */
export interface ToolRun extends ToolOutcome {
  readonly arguments: unknown;
}

/** A conversation's tools. */
export interface Toolbox {
  readonly specs: readonly LlmToolSpec[];
  /** Never rejects for a tool's failure (that becomes a failed outcome); only when `signal` aborts. */
  run(call: LlmToolCall, signal: AbortSignal): Promise<ToolRun>;
}

/** Builds a conversation's tools from the agent's settings. */
export function createToolbox(options: ToolboxOptions): Toolbox {
  const builtins = options.builtins.filter((name) => name !== 'transfer_call' || options.transferNumbers.length > 0);
  const builtinSpecs = new Map(builtins.map((name) => [name as string, builtinToolSpec(name, options.transferNumbers)]));
  // Settings validation refuses clashing names; should one slip through, the built-in and the first one win.
  const httpTools = new Map<string, HttpToolSettings>();
  for (const tool of options.httpTools) {
    if (!builtinSpecs.has(tool.name) && !httpTools.has(tool.name)) httpTools.set(tool.name, tool);
  }
  const specs: LlmToolSpec[] = [
    ...builtinSpecs.values(),
    ...[...httpTools.values()].map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters })),
  ];
  const context = {
    fetch: options.fetch ?? globalThis.fetch,
    variables: options.variables ?? {},
    variableDefaults: options.variableDefaults ?? {},
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...(options.checkUrl ? { checkUrl: options.checkUrl } : {}),
  };

  return {
    specs,
    async run(call, signal) {
      const spec = specs.find((candidate) => candidate.name === call.name);
      if (!spec) {
        const known = specs.map((candidate) => candidate.name).join(', ') || 'none';
        return { arguments: call.arguments, ok: false, result: { error: `There is no tool named "${call.name}". Tools: ${known}.` }, endsTurn: false };
      }
      const parsed = parseArguments(call.arguments, spec.parameters);
      if (!parsed.ok) return { arguments: parsed.arguments, ok: false, result: { error: parsed.error }, endsTurn: false };
      const http = httpTools.get(call.name);
      const outcome = http
        ? await callHttpTool(http, parsed.value, context, signal)
        : runBuiltinTool(call.name as BuiltinToolName, parsed.value, options.transferNumbers);
      return { arguments: parsed.value, ...outcome };
    },
  };
}
