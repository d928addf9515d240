/** Lists the pages share (agents by id for names, numbers), loaded with the key's scopes in mind. */
import { get, type Page } from './api';
import type { Agent, PhoneNumber } from './types';

/** Every agent (the API pages by 100). */
export async function allAgents(): Promise<Agent[]> {
  const agents: Agent[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await get<Page<Agent>>(`/v1/agents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    agents.push(...page.data);
    cursor = page.has_more ? page.next_cursor : null;
  } while (cursor);
  return agents;
}

export async function allNumbers(): Promise<PhoneNumber[]> {
  return (await get<Page<PhoneNumber>>('/v1/phone-numbers')).data;
}

export function agentName(agents: readonly Agent[] | undefined, id: string): string {
  return agents?.find((agent) => agent.id === id)?.name ?? id;
}
