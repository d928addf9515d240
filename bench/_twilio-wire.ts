/**
 * The media bench on the Twilio Media Streams wire: a fake Twilio in a child process opens a
 * real WebSocket per call to Parley's Twilio routes (JSON, base64, marks, clear), and Parley's
 * real Twilio carrier dials every call through the fake's REST API.
 *
 * Parley runs in this process, or (`--processes 2`) in several worker processes, each with its
 * own port, carrier and public URL, as several Parley processes on one machine are deployed:
 * Node runs JavaScript on one core, so one process cannot use a second one. The calls are
 * split between them and their samples merged; each has a fake Twilio process of its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { realClock } from '../src/voice/session/clock.js';
import { FramePacer } from '../src/voice/session/pacer.js';
import type { TwilioApp } from '../test/fakes/twilio/harness.js';
import { type Conditions, watchConditions } from './_conditions.js';
import { calleeReply, collect, newSession, rampMs, Samples, sleep, summarize, type StepResult } from './_media-shared.js';

interface FakeInfo {
  readonly baseUrl: string;
  readonly accountSid: string;
  readonly authToken: string;
}

interface FakeReport {
  readonly dropped: number;
  readonly cpuPct: number;
  readonly errors: number;
  /** How late the fake ran its own frame ticks (p99): high means the fake, not Parley, lags. */
  readonly tickLateP99Ms: number;
}

/** What one Parley process measured over the window. */
interface WorkerReport {
  readonly samples: number[];
  readonly cpu: NodeJS.CpuUsage;
  readonly wallMs: number;
  readonly memory0: NodeJS.MemoryUsage;
  readonly memory1: NodeJS.MemoryUsage;
  readonly turns: number;
  readonly streams: number;
  readonly conditions: Conditions;
}

/** One Parley process's part: a server with the Twilio routes, the carrier, a session per call. */
class TwilioWorker {
  private readonly pacer = new FramePacer(realClock());
  private readonly samples = new Samples();
  private readonly runs: Promise<unknown>[] = [];
  private readonly placed: string[] = [];
  private measuring = false;
  private turns = 0;
  private memory0: NodeJS.MemoryUsage | undefined;
  private memory1: NodeJS.MemoryUsage | undefined;
  private cpu0: NodeJS.CpuUsage | undefined;
  private t0 = 0;
  private watching: (() => Conditions) | undefined;

  private constructor(private readonly twilioApp: TwilioApp) {}

  static async start(fake: FakeInfo): Promise<TwilioWorker> {
    const [{ startTwilioApp }, { createTwilioCarrier }] = await Promise.all([
      import('../test/fakes/twilio/harness.js'), import('../src/telephony/twilio/index.js'),
    ]);
    let worker: TwilioWorker | undefined;
    const twilioApp = await startTwilioApp((publicUrl) =>
      createTwilioCarrier(
        { accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.baseUrl, publicUrl, streamStartTimeoutMs: 30_000 },
        { sink: (_callId, event) => (event.type === 'line' && event.line.mode === 'audio' ? worker?.attach(event.line) : undefined) },
      ),
    );
    worker = new TwilioWorker(twilioApp);
    return worker;
  }

  /** Dials `count` calls spread over the ramp; resolves once the ramp and a settling second are over. */
  async dial(count: number, firstIndex: number): Promise<void> {
    collect();
    this.memory0 = process.memoryUsage();
    for (let i = 0; i < count; i++) {
      setTimeout(() => {
        void this.twilioApp.carrier
          .dial({ callId: `call_${firstIndex + i}`, orgId: 'org', to: '+14155550100', from: '+14155550142', ringTimeoutS: 30, timeLimitS: 3600, detectVoicemail: false })
          .then(({ providerCallId }) => this.placed.push(providerCallId));
      }, (i * rampMs) / count);
    }
    await sleep(rampMs + 1500);
    collect();
    this.memory1 = process.memoryUsage();
  }

  beginMeasure(): void {
    this.cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    this.watching = watchConditions();
    this.measuring = true;
  }

  endMeasure(): WorkerReport {
    this.measuring = false;
    const cpu = process.cpuUsage(this.cpu0);
    return {
      samples: Array.from(this.samples.sorted()), cpu, wallMs: performance.now() - this.t0,
      memory0: this.memory0!, memory1: this.memory1!, turns: this.turns, streams: this.runs.length, conditions: this.watching!(),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.placed.map((sid) => this.twilioApp.carrier.hangUp(sid).catch(() => undefined)));
    await Promise.race([Promise.all(this.runs), sleep(5000)]);
    await this.twilioApp.close();
    this.pacer.stop();
  }

  private attach(line: import('../src/media/audio-line.js').AudioLine): void {
    this.runs.push(newSession(line, this.pacer, (lateness) => this.measuring && this.samples.push(lateness), () => this.measuring && this.turns++));
  }
}

/** N calls on the Twilio wire, Parley in `processes` processes. */
export async function twilioStep(calls: number, seconds: number, processes: number): Promise<StepResult> {
  const children: ChildProcess[] = [];
  const spawn = (role: string): ChildProcess => {
    const child = fork(fileURLToPath(import.meta.url), [role], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    child.stderr?.pipe(process.stderr);
    children.push(child);
    return child;
  };
  const killAll = () => children.forEach((child) => child.kill());
  process.once('exit', killAll);
  try {
    // One fake Twilio per Parley process, so no single load generator is what saturates.
    const fakeChildren = Array.from({ length: processes }, () => spawn('--fake-twilio'));
    const fakes = await Promise.all(fakeChildren.map((child) => request<FakeInfo>(child, { type: 'start' })));
    const parts = Array.from({ length: processes }, (_, i) => Math.floor(calls / processes) + (i < calls % processes ? 1 : 0));
    const workers: RemoteWorker[] = processes === 1 ? [localWorker(await TwilioWorker.start(fakes[0]!))] : parts.map(() => remoteWorker(spawn('--parley-worker')));
    await Promise.all(workers.map((worker, i) => worker.dial(fakes[i]!, parts[i]!, parts.slice(0, i).reduce((a, b) => a + b, 0))));
    await Promise.all(fakeChildren.map((child) => request(child, { type: 'mark' })));
    workers.forEach((worker) => worker.begin());
    await sleep(seconds * 1000);
    const reports = await Promise.all(workers.map((worker) => worker.end()));
    const fakeReports = await Promise.all(fakeChildren.map((child) => request<FakeReport>(child, { type: 'report' })));
    await Promise.all(workers.map((worker) => worker.stop()));
    await Promise.all(fakeChildren.map((child) => request(child, { type: 'stop' })));
    return merge(calls, processes, reports, fakeReports);
  } finally {
    process.off('exit', killAll);
    killAll();
  }
}

function merge(calls: number, processes: number, reports: WorkerReport[], fakes: FakeReport[]): StepResult {
  const fake: FakeReport = {
    dropped: fakes.reduce((sum, report) => sum + report.dropped, 0),
    cpuPct: fakes.reduce((sum, report) => sum + report.cpuPct, 0),
    errors: fakes.reduce((sum, report) => sum + report.errors, 0),
    tickLateP99Ms: Math.max(...fakes.map((report) => report.tickLateP99Ms)),
  };
  const samples = new Samples();
  for (const report of reports) for (const value of report.samples) samples.push(value);
  const add = (pick: (report: WorkerReport) => number) => reports.reduce((sum, report) => sum + pick(report), 0);
  const cpu = { user: add((r) => r.cpu.user), system: add((r) => r.cpu.system) };
  const wallMs = Math.max(...reports.map((r) => r.wallMs));
  const memory = (pick: (report: WorkerReport) => NodeJS.MemoryUsage) =>
    ({ rss: add((r) => pick(r).rss), heapUsed: add((r) => pick(r).heapUsed) }) as NodeJS.MemoryUsage;
  const streams = add((r) => r.streams);
  const note = [
    processes > 1 ? `${processes} Parley processes` : '',
    `fake Twilio ${fakes.length > 1 ? `processes (${fakes.length})` : 'process'}: ${fake.cpuPct.toFixed(0)}% CPU, ticks p99 ${fake.tickLateP99Ms.toFixed(0)} ms late`,
    fake.errors ? `${fake.errors} stream errors` : '',
    streams < calls ? `${streams}/${calls} streams up` : '',
  ].filter(Boolean).join('; ');
  const conditions: Conditions = {
    gcPauses: add((r) => r.conditions.gcPauses),
    longGcPauses: add((r) => r.conditions.longGcPauses),
    longestGcMs: Math.max(...reports.map((r) => r.conditions.longestGcMs)),
    // Steal is the machine's, the same for every process.
    stolenMs: reports[0]!.conditions.stolenMs,
    seconds: wallMs / 1000,
  };
  return summarize(calls, samples, fake.dropped, cpu, wallMs, memory((r) => r.memory0), memory((r) => r.memory1), add((r) => r.turns), conditions, note);
}

/** A Parley process of the bench, here or in a child. */
interface RemoteWorker {
  dial(fake: FakeInfo, count: number, firstIndex: number): Promise<void>;
  begin(): void;
  end(): Promise<WorkerReport>;
  stop(): Promise<void>;
}

function localWorker(worker: TwilioWorker): RemoteWorker {
  return {
    dial: (_fake, count, firstIndex) => worker.dial(count, firstIndex),
    begin: () => worker.beginMeasure(),
    end: async () => worker.endMeasure(),
    stop: () => worker.stop(),
  };
}

function remoteWorker(child: ChildProcess): RemoteWorker {
  return {
    dial: (fake, count, firstIndex) => request(child, { type: 'dial', fake, count, firstIndex }),
    begin: () => child.send({ type: 'begin' }),
    end: () => request<WorkerReport>(child, { type: 'end' }),
    stop: () => request(child, { type: 'stop' }),
  };
}

function request<T = void>(child: ChildProcess, message: { type: string } & Record<string, unknown>): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (reply: { type: string; body: T }) => {
      if (reply.type !== message.type) return;
      child.off('message', onMessage);
      resolve(reply.body);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** A worker child: one Parley process, driven over IPC. */
function parleyWorkerProcess(): void {
  let worker: TwilioWorker | undefined;
  process.on('message', (message: { type: string; fake?: FakeInfo; count?: number; firstIndex?: number }) => {
    const reply = (body: unknown = {}) => process.send?.({ type: message.type, body });
    switch (message.type) {
      case 'dial':
        void TwilioWorker.start(message.fake!).then(async (started) => {
          worker = started;
          await worker.dial(message.count!, message.firstIndex!);
          reply();
        });
        return;
      case 'begin':
        worker?.beginMeasure();
        return;
      case 'end':
        return reply(worker!.endMeasure());
      case 'stop':
        void worker!.stop().then(() => reply());
        return;
    }
  });
}

/** The fake Twilio child: callees answer at once and speak every few seconds. */
async function fakeTwilioProcess(): Promise<void> {
  const { FakeTwilio } = await import('../test/fakes/twilio/index.js');
  const speech = Array.from({ length: 20 }, (_, i) => ({ atMs: 9000 + i * 7000, audio: calleeReply }));
  const fake = await FakeTwilio.start({ defaultScript: { outcome: 'answer', ringMs: 20, speech }, recordTraffic: false });
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let dropped0 = 0;
  const droppedNow = () => fake.calls.reduce((sum, call) => sum + (call.stream?.underruns ?? 0), 0);
  process.on('message', (message: { type: string }) => {
    const reply = (body: unknown) => process.send?.({ type: message.type, body });
    switch (message.type) {
      case 'start':
        return reply({ baseUrl: fake.baseUrl, accountSid: fake.accountSid, authToken: fake.authToken } satisfies FakeInfo);
      case 'mark':
        cpu0 = process.cpuUsage();
        t0 = performance.now();
        dropped0 = droppedNow();
        return reply({});
      case 'report': {
        const cpu = process.cpuUsage(cpu0);
        return reply({
          dropped: droppedNow() - dropped0,
          cpuPct: ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100,
          errors: fake.errors.length,
          tickLateP99Ms: fake.tickLateness.p99Ms,
        } satisfies FakeReport);
      }
      case 'stop':
        void fake.stop().then(() => reply({}));
        return;
    }
  });
}

if (process.argv.includes('--fake-twilio')) void fakeTwilioProcess();
if (process.argv.includes('--parley-worker')) parleyWorkerProcess();
