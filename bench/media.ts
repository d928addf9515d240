/**
 * `npm run bench -- media`: N concurrent calls through the real voice session (VAD, scripted STT
 * and TTS, sentence streaming, pacing, marks), each on a line that behaves like Twilio Media
 * Streams: a frame in and a frame out every 20 ms, a carrier buffer that plays in real time and
 * counts a gap whenever a frame was due mid-sentence and had not arrived (a dropped frame). The
 * agent talks most of the time; the callee answers each agent turn, which starts the next one.
 *
 * Per N it reports the outbound frame lateness (how long after it was due each frame left the
 * session), dropped frames, CPU and memory per call, and finds the largest N with p99 lateness
 * under 20 ms and no dropped frame. Beside each N: Parley's GC pauses of 5 ms or more and the CPU
 * time the hypervisor took (/proc/stat steal) in the window, which explain most bad runs on a VM.
 *
 *   --line inproc   (default) in-process lines paced like Twilio: measures the pipeline itself.
 *   --line twilio   the Twilio wire: a fake Twilio in a child process opens a real Media Streams
 *                   WebSocket per call to Parley's Twilio routes (JSON, base64, marks, clear).
 *   --processes 2   (twilio line) Parley in this many processes, each with its own port and
 *                   public URL, the calls split between them (default 1).
 *   --calls 100,200 the N to try (default 100,300,500,700,1000,1500,2000); stops at the first failure.
 *   --seconds 12    measured seconds per N (after a 3 s ramp-up).
 * Loopback only; every run is bounded by N steps × (ramp + seconds + teardown).
 */
import { LineTicker, PacedLine } from '../src/telephony/sim/audio/paced-line.js';
import { realClock } from '../src/voice/session/clock.js';
import { percentile } from '../src/voice/session/latency.js';
import { FramePacer } from '../src/voice/session/pacer.js';
import { callee, collect, newSession, rampMs, Samples, sleep, summarize, type StepResult } from './_media-shared.js';
import { twilioStep } from './_twilio-wire.js';
import { printTable } from './_table.js';
import { watchConditions } from './_conditions.js';

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
  const watching = watchConditions();
  measuring = true;
  await sleep(seconds * 1000);
  measuring = false;
  const conditions = watching();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const dropped = lines.reduce((sum, line) => sum + line.buffer.counters().underruns, 0) - dropped0;
  for (const line of lines) line.end();
  await Promise.all(runs);
  ticker.stop();
  pacer.stop();
  const tickLate = percentile([...ticker.lateness].sort((a, b) => a - b), 99);
  return summarize(calls, samples, dropped, cpu, wallMs, memory0, memory1, turns, conditions, tickLate > 20 ? `line ticker itself ${tickLate.toFixed(0)} ms late (p99)` : '');
}

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

export async function main(args: string[]): Promise<void> {
  const line = option(args, 'line') ?? 'inproc';
  const seconds = Number(option(args, 'seconds') ?? 12);
  const processes = Math.max(1, Number(option(args, 'processes') ?? 1));
  const steps = (option(args, 'calls') ?? '100,300,500,700,1000,1500,2000').split(',').map(Number);
  const rows: (string | number)[][] = [];
  let best = 0;
  for (const calls of steps) {
    const result = line === 'twilio' ? await twilioStep(calls, seconds, processes) : await inprocStep(calls, seconds);
    const ok = result.p99 < 20 && result.dropped === 0 && result.frames > 0;
    if (ok) best = calls;
    rows.push([
      result.calls, result.frames, result.p50.toFixed(2), result.p99.toFixed(2), result.max.toFixed(1), result.dropped,
      result.cpuTotalPct.toFixed(0), result.cpuPerCallPct.toFixed(3), result.rssPerCallKb.toFixed(0), result.heapPerCallKb.toFixed(0), result.turns,
      `${result.conditions.longGcPauses} (${result.conditions.longestGcMs.toFixed(0)})`, result.conditions.stolenMs ?? '-',
      ok ? 'yes' : 'no', result.note,
    ]);
    process.stderr.write(`${calls} calls: p99 ${result.p99.toFixed(2)} ms, dropped ${result.dropped}, CPU ${result.cpuTotalPct.toFixed(0)}%\n`);
    if (!ok) break;
    await sleep(1000);
  }
  printTable(
    `Voice sessions on ${line === 'twilio' ? `the Twilio Media Streams wire (fake Twilio in a child process, Parley in ${processes} process${processes > 1 ? 'es' : ''})` : 'in-process lines paced like Twilio'}, ${seconds} s measured per N`,
    ['calls', 'frames out', 'lateness p50 ms', 'p99 ms', 'max ms', 'dropped', 'CPU % (1 core = 100)', 'CPU %/call', 'RSS KB/call', 'heap KB/call', 'agent turns', 'GC pauses >= 5 ms (longest)', 'CPU stolen ms', 'ok', 'note'],
    rows,
  );
  process.stdout.write(`Largest N with p99 lateness < 20 ms and no dropped frame: ${best}\n`);
}

