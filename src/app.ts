/** Builds a whole Parley process from a Config: store, queue, carriers, runtime and API. */
import { hostname, tmpdir } from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config/config.js';
import { createLogger, type Logger } from './shared/logger.js';
import { openDatabase, setPoolErrorHandler, type Database } from './store/database.js';
import { ApiKeyService, revokedKeysChannel } from './keys/api-keys.js';
import { listenChannel } from './store/notifications.js';
import { bootstrapDefaultOrganization } from './orgs/organizations.js';
import { AgentService } from './agents/agent-service.js';
import { PhoneNumberService } from './numbers/phone-number-service.js';
import { CallService } from './calls/call-service.js';
import type { CallRow } from './calls/call-view.js';
import { isTerminal, type CallStatus } from './calls/call-status.js';
import { HookService } from './hooks/hook-service.js';
import { PersonaService } from './telephony/sim/persona-service.js';
import { createSimCarrier } from './telephony/sim/sim-carrier.js';
import { createSimClock } from './telephony/sim/pace.js';
import type { Carrier } from './telephony/types.js';
import { createBoss } from './dispatch/boss.js';
import { Scheduler, systemClock, type SchedulerClock } from './dispatch/scheduler.js';
import { OrgEvents } from './orgs/org-events.js';
import { DoNotCallService } from './dnc/do-not-call-service.js';
import { OrgSettingsService } from './orgs/org-settings.js';
import { optOutHook } from './dnc/opt-out.js';
import { CampaignService } from './campaigns/campaign-service.js';
import { campaignLanes } from './campaigns/campaign-lane.js';
import { campaignProgressHook, CompletionChecks, completeIfDone } from './campaigns/campaign-progress.js';
import { CallRuntime } from './calls/live/call-runtime.js';
import type { ConversationEngine } from './brain/types.js';
import { agentLlm, agentRequiredVariables, createConversationEngine } from './brain/engine.js';
import { resolveLlm, type AgentLlmSettings } from './llm/registry.js';
import { LlmChains } from './llm/fallback.js';
import { agentSettingsChecks, maskLlmKey, unsealLlmKey } from './agents/agent-checks.js';
import { CallAnalyzer } from './calls/call-analyzer.js';
import { AnalysisJobs } from './calls/analysis-jobs.js';
import { createSecretBox, loadEncryptionKey } from './shared/secret-box.js';
import { checkTarget } from './webhooks/safe-target.js';
import { AppError } from './shared/errors.js';
import { ContactService } from './contacts/contact-service.js';
import { buildApi } from './api/server.js';
import { createModules } from './modules.js';
import type { ApiServices } from './api/services.js';
import { CallRecordings } from './calls/call-recordings.js';
import { CallLineRecords } from './calls/call-line-records.js';
import { createLocalRecordingStorage } from './recordings/local-storage.js';
import { createS3RecordingStorage } from './recordings/s3-storage.js';

export interface Parley {
  readonly app: FastifyInstance;
  /** Base URL the API listens on, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly database: Database;
  readonly services: ApiServices;
  readonly runtime: CallRuntime;
  /** The pull scheduler (tests wake it after moving a fake clock). */
  readonly scheduler: Scheduler;
  /** The admin key generated on the first start, if one was. */
  readonly generatedKey: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly logger?: Logger;
  /** Replace the conversation engine (tests, benchmarks). */
  readonly engine?: ConversationEngine;
  /** Listen on the configured port (default) or only build the app for inject(). */
  readonly listen?: boolean;
  /** Handed to modules as `ModuleContext.overrides` (tests, embedding). */
  readonly moduleOverrides?: Readonly<Record<string, unknown>>;
  /** The scheduler's clock: due times, calling windows, daily caps (tests move it). */
  readonly clock?: SchedulerClock;
}

export async function startParley(config: Config, options: StartOptions = {}): Promise<Parley> {
  const log = options.logger ?? createLogger({ level: config.logLevel });
  setPoolErrorHandler((error) => log.warn({ err: error }, 'a pooled database connection failed; it will be replaced'));
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const { db } = database;
  const keys = new ApiKeyService(db, { shared: database.kind === 'postgres' });
  // Other processes on the same PostgreSQL announce revocations: each one is refused here at once.
  const revocations = database.connectionString
    ? await listenChannel({
      connectionString: database.connectionString,
      channel: revokedKeysChannel,
      onMessage: (hash) => keys.forget(hash),
      onReset: () => keys.forgetAll(),
      onError: (error) => log.warn({ err: error }, 'key revocation channel failed; keys are checked on every request until it is back'),
    })
    : undefined;
  if (revocations) keys.attachRevocations(revocations);
  const { generatedKey } = await bootstrapDefaultOrganization(db, keys, config.initApiKey);

  const box = createSecretBox(loadEncryptionKey(config.encryptionKey, config.dataDir));
  // Fallback chains live as long as the process, so a model's outage is remembered across calls.
  const llmChains = new LlmChains();
  const resolve = (settings: AgentLlmSettings) => resolveLlm(settings, config.llm, llmChains);
  const agents = new AgentService(db, agentSettingsChecks(box), [maskLlmKey], (settings) => unsealLlmKey(box, settings));
  const assertAgent = (orgId: string, agentId: string) => agents.get(orgId, agentId);
  const numbers = new PhoneNumberService(db, assertAgent);
  const clock = options.clock ?? systemClock;
  const scheduler = new Scheduler({ log, connectionString: database.connectionString, clock });
  // A placed call waits in its row: enqueueing it is telling the schedulers it is there.
  const queue = { enqueue: (call: CallRow) => scheduler.announce(call.orgId) };
  const carriers = new Map<string, Carrier>();
  const calls = new CallService(db, agents, numbers, {
    carrierAvailable: (carrier) => carriers.has(carrier),
    requiredVariables: (agent) => agentRequiredVariables(agent.settings),
    assertReady: (agent) => {
      if (agent.settings.kind === 'flow') return;
      const llm = agentLlm(agents.spec(agent).settings, resolve);
      if (!llm.ok) throw new AppError('LLM_NOT_CONFIGURED', llm.message, { details: { missing: llm.missing, provider: llm.providerName } });
    },
  }, queue, (plain) => box.seal(plain), log);
  const contacts = new ContactService(db);
  const orgEvents = new OrgEvents();
  const doNotCall = new DoNotCallService(db);
  // Every call, whatever API placed it, is refused when its number is on the do-not-call list.
  calls.addCreateCheck((input, target) => doNotCall.assertCallable(target.agent.orgId, input.to));
  // The opt-out first: a campaign contact who asked not to be called ends do_not_call.
  calls.addEventHook(optOutHook());
  calls.addEventHook(campaignProgressHook(orgEvents, clock));
  const recordings = new CallRecordings({
    db, log, records: new CallLineRecords(db, calls), retentionDays: config.recordingRetentionDays, publicUrl: config.publicUrl,
    // PGlite is one process's alone: no other process can be writing a recording for its calls.
    exclusive: database.kind !== 'postgres',
    storage: config.recordingsS3
      ? // A folder of its own: recordings kept in the folder before the bucket was set are not taken for failed uploads.
        createS3RecordingStorage({ ...config.recordingsS3, spoolDir: join(await recordingsFolder(config), '.s3-spool') })
      : createLocalRecordingStorage(await recordingsFolder(config)),
  });
  const analyzer = new CallAnalyzer(db, calls, agents, (settings) => agentLlm(settings, resolve), log);
  const hooks = new HookService(db, calls, assertAgent);
  const personas = new PersonaService(db, () => {
    const llm = resolve({});
    return llm.ok ? { provider: llm.provider, model: llm.model } : undefined;
  });

  const boss = createBoss({ connectionString: database.connectionString, executeSql: database.sql.executeSql });
  boss.on('error', (error: unknown) => log.warn({ err: error }, 'queue error'));
  await boss.start();
  // A carrier with a clock of its own is a simulated network (asked of the registry, never by id).
  const simulated = (carrier: string) => carriers.get(carrier)?.clock !== undefined;
  const campaigns = new CampaignService({ db, calls, events: orgEvents, clock, simulated, wake: (orgId) => void scheduler.announce(orgId).catch((error: unknown) => log.warn({ err: error }, 'scheduler wake failed')) });
  const analysisJobs = new AnalysisJobs({ boss, db, calls, analyzer, log, retryDelayS: config.analysisRetryDelayS });
  await analysisJobs.prepare();

  const workerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const simClock = createSimClock(config.simSpeed);
  const engine = options.engine ?? createConversationEngine({
    resolveLlm: resolve,
    checkToolUrl: async (url) => {
      const checked = await checkTarget(url, { allowPrivate: config.webhookAllowPrivate });
      return checked.ok ? null : checked.message;
    },
  });

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const transitions = new Counter({ name: 'parley_call_transitions_total', help: 'Call status changes', labelNames: ['status'], registers: [metrics] });
  calls.onTransition((row) => transitions.inc({ status: row.status }));

  let ready = false;
  const services: ApiServices = {
    keys, agents, numbers, calls, hooks, personas, analyzer, contacts, campaigns, doNotCall, orgEvents, settings: new OrgSettingsService(db), recordings,
    ready: () => ready,
  };
  // The web-call line claims and dials its call here; the runtime exists once the modules do.
  let live: CallRuntime | undefined;
  const liveCalls = {
    claim: (orgId: string, callId: string) => (live ? live.claimDirect(orgId, callId) : Promise.resolve('gone' as const)),
    dial: async (callId: string) => live?.dial(callId),
  };
  const modules = createModules({ config, log, database, boss, box, services, engine, resolveLlm: resolve, simClock, metrics, liveCalls, ...(options.moduleOverrides ? { overrides: options.moduleOverrides } : {}) });
  const voice = modules.find((module) => module.voiceLane)?.voiceLane;
  const runtime = new CallRuntime({
    db, claimDb: database.claimDb, calls, agents, numbers, carriers, workerId, log, engine, recordings, laneSources: [campaignLanes(calls, orgEvents)],
    ...(voice ? { voice } : {}),
    onCallEnded: async (row) => {
      if (!analyzer.shouldAnalyze(row)) return;
      // A durable job: the analysis survives a crash or a restart, and the call's end never waits for the model.
      await analysisJobs.enqueue(row.id).catch((error: unknown) => log.warn({ err: error, callId: row.id }, 'could not queue the call analysis; the sweep will'));
    },
    defaultConcurrency: config.maxConcurrentCalls,
  });
  live = runtime;
  // Carriers report to the runtime; a module's carrier replaces the built-in one of the same id.
  carriers.set('sim', createSimCarrier({ sink: runtime.sink, clock: simClock, personas: personas.lookup }));
  for (const module of modules) for (const carrier of module.carriers?.(runtime.sink) ?? []) carriers.set(carrier.id, carrier);
  const app = await buildApi(services, { logger: log, metrics, plugins: modules.filter((m) => m.routes).map((m) => (fastify) => m.routes!(fastify)) });
  for (const module of modules) await module.start?.();
  await recordings.start();
  const completions = new CompletionChecks(
    (campaignId) => completeIfDone(db, orgEvents, campaignId, clock.now()),
    (error) => log.warn({ err: error }, 'campaign completion check failed; the next claim round repeats it'),
  );
  if (config.worker) {
    // A call that ends frees a slot in its organisation: look for the next one at once.
    calls.onTransition((row) => {
      if (!isTerminal(row.status as CallStatus)) return;
      scheduler.wake(row.orgId);
      if (row.campaignId) completions.ended(row.campaignId);
    });
    await scheduler.start(runtime);
    await analysisJobs.work();
    runtime.start();
  }
  let url = '';
  if (options.listen !== false) {
    url = await app.listen({ port: config.port, host: config.host });
    url = url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1');
  } else {
    await app.ready();
  }
  ready = true;

  let closing: Promise<void> | undefined;
  return {
    app, url, database, services, runtime: runtime, scheduler, generatedKey,
    close: () =>
      (closing ??= (async () => {
        ready = false;
        // New work first: no call is claimed and no request accepted while live calls end.
        await scheduler.stop();
        // Analyses in flight go back to the queue: stopping does not wait for a model.
        await analysisJobs.stop();
        await app.close();
        await runtime.stop();
        // The calls' lines are down: their recordings are finished (bounded) before the store closes.
        await recordings.stop();
        for (const module of [...modules].reverse()) await module.stop?.();
        await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
        await revocations?.close();
        await database.close();
      })()),
  };
}

/** The recordings folder: PARLEY_RECORDINGS_DIR, else recordings/ in the data folder (a temporary one for an in-memory store). */
async function recordingsFolder(config: Config): Promise<string> {
  if (config.recordingsDir) return config.recordingsDir;
  if (config.dataDir.startsWith('memory://')) return mkdtemp(join(tmpdir(), 'parley-recordings-'));
  return join(config.dataDir, 'recordings');
}
