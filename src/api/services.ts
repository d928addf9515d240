/** What the HTTP layer is given by the composition root. */
import type { ApiKeyService } from '../keys/api-keys.js';
import type { AgentService } from '../agents/agent-service.js';
import type { PhoneNumberService } from '../numbers/phone-number-service.js';
import type { CallService } from '../calls/call-service.js';
import type { HookService } from '../hooks/hook-service.js';
import type { PersonaService } from '../telephony/sim/persona-service.js';
import type { CallRow } from '../calls/call-view.js';
import type { CallAnalyzer } from '../calls/call-analyzer.js';
import type { ContactService } from '../contacts/contact-service.js';

export interface ApiServices {
  readonly keys: ApiKeyService;
  readonly agents: AgentService;
  readonly numbers: PhoneNumberService;
  readonly calls: CallService;
  readonly hooks: HookService;
  readonly personas: PersonaService;
  readonly analyzer: CallAnalyzer;
  readonly contacts: ContactService;
  /** Hands a newly created call to the dial queue. */
  readonly enqueueCall: (call: CallRow) => Promise<void>;
  /** True once the service can take calls. */
  readonly ready: () => boolean;
}
