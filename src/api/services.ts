/** What the HTTP layer is given by the composition root. */
import type { ApiKeyService } from '../keys/api-keys.js';
import type { AgentService } from '../agents/agent-service.js';
import type { PhoneNumberService } from '../numbers/phone-number-service.js';
import type { CallService } from '../calls/call-service.js';
import type { HookService } from '../hooks/hook-service.js';
import type { PersonaService } from '../telephony/sim/persona-service.js';
import type { CallAnalyzer } from '../calls/call-analyzer.js';
import type { ContactService } from '../contacts/contact-service.js';
import type { OrgEvents } from '../orgs/org-events.js';
import type { OrgSettingsService } from '../orgs/org-settings.js';
import type { CampaignService } from '../campaigns/campaign-service.js';
import type { DoNotCallService } from '../dnc/do-not-call-service.js';
import type { CallRecordings } from '../calls/call-recordings.js';

export interface ApiServices {
  readonly keys: ApiKeyService;
  readonly agents: AgentService;
  readonly numbers: PhoneNumberService;
  readonly calls: CallService;
  readonly hooks: HookService;
  readonly personas: PersonaService;
  readonly analyzer: CallAnalyzer;
  readonly contacts: ContactService;
  readonly campaigns: CampaignService;
  readonly doNotCall: DoNotCallService;
  readonly settings: OrgSettingsService;
  /** Organisation events (campaign.*): webhooks and event streams hook in here. */
  readonly orgEvents: OrgEvents;
  readonly recordings: CallRecordings;
  /** True once the service can take calls. */
  readonly ready: () => boolean;
}
