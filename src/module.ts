/**
 * A capability that plugs into a Parley process (webhooks, a carrier, the voice pipeline, the
 * compat dialects, chat): what it adds, and the context it is built from. `src/modules.ts`
 * lists them explicitly; importing a module registers nothing.
 */
import type { FastifyInstance } from 'fastify';
import type PgBoss from 'pg-boss';
import type { Registry } from 'prom-client';
import type { Config } from './config/config.js';
import type { Logger } from './shared/logger.js';
import type { Database } from './store/database.js';
import type { SecretBox } from './shared/secret-box.js';
import type { ApiServices } from './api/services.js';
import type { ConversationEngine } from './brain/types.js';
import type { AgentLlmSettings, LlmResolution } from './llm/registry.js';
import type { Carrier, CarrierEventSink } from './telephony/types.js';
import type { SimClock } from './telephony/sim/pace.js';
import type { PrewarmingHost } from './conversation/host.js';
import type { AudioLine } from './media/audio-line.js';

export interface ModuleContext {
  readonly config: Config;
  readonly log: Logger;
  readonly database: Database;
  readonly boss: PgBoss;
  readonly box: SecretBox;
  readonly services: ApiServices;
  readonly engine: ConversationEngine;
  readonly resolveLlm: (settings: AgentLlmSettings) => LlmResolution;
  readonly simClock: SimClock;
  /** Claims and dials a queued call in this process (a line that exists only here, like a browser's). */
  readonly liveCalls: { claim(orgId: string, callId: string): Promise<'claimed' | 'busy' | 'gone'>; dial(callId: string): Promise<void> };
  readonly metrics: Registry;
  /** Per-module overrides by module name (tests: short retry schedules, injected clocks). */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export interface ParleyModule {
  readonly name: string;
  /** Carriers this module provides (by their id), reporting call progress to `sink` (the call runtime). */
  carriers?(sink: CarrierEventSink): readonly Carrier[];
  /** Hosts conversations on audio lines (the real-time voice pipeline); the call runtime drives it. */
  readonly voiceLane?: PrewarmingHost<AudioLine>;
  /** HTTP and WebSocket routes, registered after the native API. */
  routes?(app: FastifyInstance): void | Promise<void>;
  /** Background work (workers), started once the API is up, in process order. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
