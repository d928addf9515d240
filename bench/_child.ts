/** Starts a helper script of the benchmarks in a child process and waits for its first message. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface BenchChild<T> {
  readonly child: ChildProcess;
  readonly ready: T;
  /** Sends `message` and resolves with the child's next message. */
  ask<R>(message: string): Promise<R>;
  stop(): Promise<void>;
}

export async function startChild<T>(script: string, env: Record<string, string> = {}): Promise<BenchChild<T>> {
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: 'inherit' });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    child,
    ready,
    ask: <R>(message: string) =>
      new Promise<R>((resolve) => {
        child.once('message', (answer) => resolve(answer as R));
        child.send(message);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
