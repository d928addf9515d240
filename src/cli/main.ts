/** `npm run parley -- <command>`: keys, agents, numbers, calls (and chat) from a terminal. */
import { Command } from 'commander';
import { callApi, type CliTarget } from './api-client.js';
import { registerKeyCommands } from './keys.js';
import { runChat } from './chat.js';

const program = new Command('parley')
  .description('Parley command line')
  .option('--url <url>', 'Parley base URL', process.env.PARLEY_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`)
  .option('--key <key>', 'API key (default: $PARLEY_API_KEY)')
  .option('--json', 'print raw JSON');

const target = (): CliTarget => {
  const options = program.opts<{ url: string; key?: string }>();
  return { url: options.url, key: options.key ?? process.env.PARLEY_API_KEY };
};
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

function parseVariables(pairs: string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--var takes name=value, got "${pair}"`);
    variables[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return variables;
}
const collect = (value: string, previous: string[]) => [...previous, value];

registerKeyCommands(program, target, print);

const agents = program.command('agents').description('agents: list, get, create');
agents.command('list').action(async () => print((await callApi(target(), 'GET', '/v1/agents?limit=100')).data));
agents.command('get').argument('<id>').action(async (id: string) => print(await callApi(target(), 'GET', `/v1/agents/${id}`)));
agents
  .command('create')
  .requiredOption('--name <name>')
  .option('--prompt <prompt>', 'system prompt', '')
  .option('--greeting <greeting>')
  .option('--number <e164>', 'also add this simulated number and assign it')
  .action(async (options: { name: string; prompt: string; greeting?: string; number?: string }) => {
    const agent = await callApi(target(), 'POST', '/v1/agents', { name: options.name, prompt: options.prompt, greeting: options.greeting });
    if (options.number) await callApi(target(), 'POST', '/v1/phone-numbers', { number: options.number, carrier: 'sim', agent_id: agent.id });
    print(agent);
  });

const calls = program.command('calls').description('calls: create, get, list, cancel, events');
calls
  .command('create')
  .requiredOption('--agent <id>')
  .requiredOption('--to <e164>')
  .option('--var <name=value>', 'a call variable (repeatable)', collect, [])
  .option('--wait', 'wait for the call to end and print it')
  .action(async (options: { agent: string; to: string; var: string[]; wait?: boolean }) => {
    let call = await callApi(target(), 'POST', '/v1/calls', { agent_id: options.agent, to: options.to, variables: parseVariables(options.var) });
    while (options.wait && !['completed', 'busy', 'no_answer', 'failed', 'canceled', 'voicemail'].includes(call.status)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      call = await callApi(target(), 'GET', `/v1/calls/${call.id}`);
    }
    print(call);
  });
calls.command('get').argument('<id>').action(async (id: string) => print(await callApi(target(), 'GET', `/v1/calls/${id}`)));
calls
  .command('list')
  .option('--status <statuses>')
  .option('--limit <n>', 'page size', '20')
  .action(async (options: { status?: string; limit: string }) => {
    const query = new URLSearchParams({ limit: options.limit, ...(options.status ? { status: options.status } : {}) });
    print((await callApi(target(), 'GET', `/v1/calls?${query}`)).data);
  });
calls.command('cancel').argument('<id>').action(async (id: string) => print(await callApi(target(), 'POST', `/v1/calls/${id}/cancel`)));
calls.command('events').argument('<id>').action(async (id: string) => print((await callApi(target(), 'GET', `/v1/calls/${id}/events`)).data));

program
  .command('chat')
  .description('talk to an agent by text, as a call would')
  .argument('<agent-id>')
  .option('--var <name=value>', 'a variable (repeatable)', collect, [])
  .action(async (agentId: string, options: { var: string[] }) => runChat(target(), agentId, parseVariables(options.var)));

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
