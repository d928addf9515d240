/**
 * `npm run bench -- media`: N concurrent calls through the real voice session (VAD, scripted STT
 * and TTS, sentence streaming, pacing, marks), each on a line that behaves like Twilio Media
 * Streams: a frame in and a frame out every 20 ms, a carrier buffer that plays in real time and
 * counts a gap whenever a frame was due mid-sentence and had not arrived (a dropped frame). The
 * agent talks most of the time; the callee answers each agent turn, which starts the next one.
 *
 * Per N it reports the outbound frame lateness (how long after it was due each frame left the
 * session), dropped frames, CPU and memory per call, and finds the largest N with p99 lateness
 * under 20 ms and no dropped frame.
 *
 *   --line inproc   (default) in-process lines paced like Twilio: measures the pipeline itself.
 *   --line twilio   the Twilio wire: a fake Twilio in a child process opens a real Media Streams
 *                   WebSocket per call to Parley's Twilio routes (JSON, base64, marks, clear).
 *   --calls 100,200 the N to try (default 100,300,500,700,1000,1500,2000); stops at the first failure.
 *   --seconds 12    measured seconds per N (after a 3 s ramp-up).
 * Loopback only; every run is bounded by N steps × (ramp + seconds + teardown).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BrainEvent, Conversation } from '../src/brain/types.js';
import type { AudioLine } from '../src/telephony/types.js';
import { LineTicker, PacedLine } from '../src/telephony/sim/audio/paced-line.js';
import { encodeScriptedSpeech } from '../src/voice/audio/scripted-speech.js';
import { createScriptedStt } from '../src/voice/stt/scripted/index.js';
import { createScriptedTts } from '../src/voice/tts/scripted/index.js';
import { realClock } from '../src/voice/session/clock.js';
import { percentile } from '../src/voice/session/latency.js';
import { FramePacer } from '../src/voice/session/pacer.js';
import { VoiceSession } from '../src/voice/session/session.js';
import { resolveVoiceSettings } from '../src/voice/session/settings.js';
import { printTable } from './_table.js';

const greeting = 'Hello, this is Parley calling about your appointment next Tuesday. I have a few details to go through with you.';
const answer = 'Thanks. Here is the next part of what you asked about. It takes a few sentences to explain it well.';
const calleeReply = encodeScriptedSpeech('Yes, please go on.');
const rampMs = 3000;

/** A full GC before each memory reading, so the per-call figures are live memory, not garbage. */
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** A brain with no model: it speaks its lines after a short think, as a fast LLM would. */
function benchConversation(): Conversation {
  return {
    firstSpeaker: 'agent',
    async *respond(_turns, cue, signal): AsyncIterable<BrainEvent> {
      if (cue.type !== 'start') await new Promise((resolve) => setTimeout(resolve, 80));
      if (signal.aborted) return;
      const text = cue.type === 'start' ? greeting : answer;
      for (const piece of text.match(/[^.]+\.\s*/g) ?? [text]) yield { type: 'text', text: piece };
    },
  };
}

interface StepResult {
  readonly calls: number;
  readonly frames: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly dropped: number;
  readonly cpuPerCallPct: number;
  readonly cpuTotalPct: number;
  readonly rssPerCallKb: number;
  readonly heapPerCallKb: number;
  readonly turns: number;
  readonly note: string;
}

/** Lateness samples, without an array per frame. */
class Samples {
  private values = new Float64Array(1 << 16);
  count = 0;
  push(value: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = value;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }
}

function newSession(line: AudioLine, pacer: FramePacer, onFrame: (lateness: number) => void, onTurn: () => void): Promise<unknown> {
  const clock = pacer.clock;
  const session = new VoiceSession({
    conversation: benchConversation(),
    settings: resolveVoiceSettings({ settings: {}, language: 'en-US' }),
    stt: createScriptedStt(),
    tts: createScriptedTts(),
    offlineTts: createScriptedTts({ id: 'offline' }),
    clock,
    pacer,
    timers: { silenceRepromptMs: 0, inactivityTimeoutMs: 0, wrapUpAtMs: 0, responseDelayMs: 0 },
    onFrame,
    hooks: {
      recordTurn: async (turn) => {
        if (turn.role === 'agent') onTurn();
      },
      recordEvent: async () => undefined,
      recordBrainEvent: async () => undefined,
      endAs: () => undefined,
      storeLatency: async () => undefined,
    },
  });
  session.prepare();
  return session.run(line);
}

/** The callee: once the agent has been quiet for 700 ms after speaking, says its line. */
function callee(line: { say(audio: Buffer): void }) {
  let heardAgent = false;
  let quietMs = 0;
  return (frame: Buffer | null): void => {
    if (frame) {
      heardAgent = true;
      quietMs = 0;
      return;
    }
    quietMs += 20;
    if (heardAgent && quietMs >= 700) {
      heardAgent = false;
      line.say(calleeReply);
    }
  };
}

async function inprocStep(calls: number, seconds: number): Promise<StepResult> {
  const clock = realClock();
  const pacer = new FramePacer(clock);
  const ticker = new LineTicker();
  const samples = new Samples();
  let measuring = false;
  let turns = 0;
  const lines: PacedLine[] = [];
  const runs: Promise<unknown>[] = [];
  collect();
  const memory0 = process.memoryUsage();
  for (let i = 0; i < calls; i++) {
    setTimeout(() => {
      let hear: (frame: Buffer | null) => void = () => undefined;
      const line = new PacedLine({ onPlayed: (frame) => hear(frame) });
      hear = callee(line);
      lines.push(line);
      runs.push(newSession(line, pacer, (lateness) => measuring && samples.push(lateness), () => measuring && turns++));
      ticker.add(line);
    }, (i * rampMs) / calls);
  }
  await sleep(rampMs + 500);
  collect();
  const memory1 = process.memoryUsage();
  const dropped0 = lines.reduce((sum, line) => sum + line.buffer.counters().underruns, 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const dropped = lines.reduce((sum, line) => sum + line.buffer.counters().underruns, 0) - dropped0;
  for (const line of lines) line.end();
  await Promise.all(runs);
  ticker.stop();
  pacer.stop();
  const tickLate = percentile([...ticker.lateness].sort((a, b) => a - b), 99);
  return summarize(calls, samples, dropped, cpu, wallMs, memory0, memory1, turns, tickLate > 20 ? `line ticker itself ${tickLate.toFixed(0)} ms late (p99)` : '');
}

function summarize(
  calls: number, samples: Samples, dropped: number, cpu: NodeJS.CpuUsage, wallMs: number,
  memory0: NodeJS.MemoryUsage, memory1: NodeJS.MemoryUsage, turns: number, note: string,
): StepResult {
  const sorted = samples.sorted();
  const cpuTotalPct = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  return {
    calls,
    frames: samples.count,
    p50: percentile(sorted as unknown as number[], 50),
    p99: percentile(sorted as unknown as number[], 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    dropped,
    cpuTotalPct,
    cpuPerCallPct: cpuTotalPct / calls,
    rssPerCallKb: (memory1.rss - memory0.rss) / 1024 / calls,
    heapPerCallKb: (memory1.heapUsed - memory0.heapUsed) / 1024 / calls,
    turns,
    note,
  };
}

// --- The Twilio wire: a fake Twilio in a child process, Parley's real Twilio carrier and routes here. ---

interface ChildReport {
  readonly dropped: number;
  readonly cpuPct: number;
  readonly errors: number;
  /** How late the fake ran its own frame ticks (p99): high means the fake, not Parley, lags. */
  readonly tickLateP99Ms: number;
}

async function twilioStep(calls: number, seconds: number): Promise<StepResult> {
  const child = fork(fileURLToPath(import.meta.url), ['--fake-twilio'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  child.stderr?.pipe(process.stderr);
  const killChild = () => child.kill();
  process.once('exit', killChild);
  try {
    return await twilioRun(child, calls, seconds);
  } finally {
    process.off('exit', killChild);
    child.kill();
  }
}

async function twilioRun(child: ChildProcess, calls: number, seconds: number): Promise<StepResult> {
  const [{ default: Fastify }, { default: formbody }, { default: websocket }, twilio, { createServer }] = await Promise.all([
    import('fastify'), import('@fastify/formbody'), import('@fastify/websocket'), import('../src/telephony/twilio/index.js'), import('node:http'),
  ]);
  const fake = await request<{ baseUrl: string; accountSid: string; authToken: string }>(child, { type: 'start' });
  const clock = realClock();
  const pacer = new FramePacer(clock);
  const samples = new Samples();
  let measuring = false;
  let turns = 0;
  const runs: Promise<unknown>[] = [];
  let server: import('node:http').Server | undefined;
  const app = Fastify({
    serverFactory: (handler) => {
      server = createServer(handler);
      return server;
    },
  });
  // Listen before the routes exist: the carrier's public URL must name the port.
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
  await app.register(formbody);
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const carrier = twilio.createTwilioCarrier(
    { accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.baseUrl, publicUrl: address, streamStartTimeoutMs: 30_000 },
    {
      sink: (_callId, event) => {
        if (event.type === 'line' && event.line.mode === 'audio') {
          runs.push(newSession(event.line, pacer, (lateness) => measuring && samples.push(lateness), () => measuring && turns++));
        }
      },
    },
  );
  await app.register(twilio.twilioRoutes(carrier));
  await app.ready();
  collect();
  const memory0 = process.memoryUsage();
  const placed: string[] = [];
  for (let i = 0; i < calls; i++) {
    setTimeout(() => {
      void carrier
        .dial({ callId: `call_${i}`, orgId: 'org', to: '+14155550100', from: '+14155550142', ringTimeoutS: 30, timeLimitS: 3600, detectVoicemail: false })
        .then(({ providerCallId }) => placed.push(providerCallId));
    }, (i * rampMs) / calls);
  }
  await sleep(rampMs + 1500);
  collect();
  const memory1 = process.memoryUsage();
  await request(child, { type: 'mark' });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const report = await request<ChildReport>(child, { type: 'report' });
  await Promise.all(placed.map((sid) => carrier.hangUp(sid).catch(() => undefined)));
  await Promise.race([Promise.all(runs), sleep(5000)]);
  await request(child, { type: 'stop' });
  server!.closeAllConnections();
  await app.close();
  if (server!.listening) await new Promise<void>((resolve) => server!.close(() => resolve()));
  pacer.stop();
  const result = summarize(calls, samples, report.dropped, cpu, wallMs, memory0, memory1, turns, `fake Twilio process: ${report.cpuPct.toFixed(0)}% CPU, its ticks p99 ${report.tickLateP99Ms.toFixed(0)} ms late`);
  return { ...result, note: [result.note, report.errors ? `${report.errors} stream errors` : '', runs.length < calls ? `${runs.length}/${calls} streams up` : ''].filter(Boolean).join('; ') };
}

function request<T = unknown>(child: ChildProcess, message: { type: string }): Promise<T> {
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

/** The child process: a fake Twilio whose callees answer at once and speak every few seconds. */
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
        return reply({ baseUrl: fake.baseUrl, accountSid: fake.accountSid, authToken: fake.authToken });
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
        });
      }
      case 'stop':
        void fake.stop().then(() => reply({}));
        return;
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const line = option(args, 'line') ?? 'inproc';
  const seconds = Number(option(args, 'seconds') ?? 12);
  const steps = (option(args, 'calls') ?? '100,300,500,700,1000,1500,2000').split(',').map(Number);
  const rows: (string | number)[][] = [];
  let best = 0;
  for (const calls of steps) {
    const result = line === 'twilio' ? await twilioStep(calls, seconds) : await inprocStep(calls, seconds);
    const ok = result.p99 < 20 && result.dropped === 0 && result.frames > 0;
    if (ok) best = calls;
    rows.push([
      result.calls, result.frames, result.p50.toFixed(2), result.p99.toFixed(2), result.max.toFixed(1), result.dropped,
      result.cpuTotalPct.toFixed(0), result.cpuPerCallPct.toFixed(3), result.rssPerCallKb.toFixed(0), result.heapPerCallKb.toFixed(0), result.turns,
      ok ? 'yes' : 'no', result.note,
    ]);
    process.stderr.write(`${calls} calls: p99 ${result.p99.toFixed(2)} ms, dropped ${result.dropped}, CPU ${result.cpuTotalPct.toFixed(0)}%\n`);
    if (!ok) break;
    await sleep(1000);
  }
  printTable(
    `Voice sessions on ${line === 'twilio' ? 'the Twilio Media Streams wire (fake Twilio in a child process)' : 'in-process lines paced like Twilio'}, ${seconds} s measured per N`,
    ['calls', 'frames out', 'lateness p50 ms', 'p99 ms', 'max ms', 'dropped', 'CPU % (1 core = 100)', 'CPU %/call', 'RSS KB/call', 'heap KB/call', 'agent turns', 'ok', 'note'],
    rows,
  );
  process.stdout.write(`Largest N with p99 lateness < 20 ms and no dropped frame: ${best}\n`);
}

if (process.argv.includes('--fake-twilio')) void fakeTwilioProcess();
