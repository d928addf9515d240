/** What running one tool call produced, for the model and for the call. */
import type { AgentAction } from '../types.js';

/** The result of one tool call. */
export interface ToolOutcome {
  /** False when the call failed or was refused; the model still gets `result` and carries on. */
  readonly ok: boolean;
  /** Fed back to the model as the tool result (JSON-serialisable). */
  readonly result: unknown;
  /** What the call asks of the phone line (hang up, transfer, keys, voicemail). */
  readonly action?: AgentAction;
  /** The turn ends with this call: the model gets no further round (the call is ending or moving). */
  readonly endsTurn: boolean;
}
