/**
 * The core commands the dialects translate onto, used exactly as the native routes use them:
 * find an agent the way a vendor names it, place a call (CallService.place: stored, then queued).
 */
import type { FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.js';
import type { AgentRow } from '../../agents/agent-service.js';
import type { CreateCallInput, CreatedCall } from '../../calls/call-service.js';
import { renameFields } from './dialect.js';
import { AppError } from '../../shared/errors.js';

/**
 * An agent by its Parley id, its exact name, or one of its `metadata.external_ids` (the ids a
 * user's other platform gave it, so requests written for that platform run unchanged).
 */
export async function findAgent(services: ApiServices, orgId: string, ref: string): Promise<AgentRow | undefined> {
  const direct = await services.agents.findByIdOrName(orgId, ref);
  if (direct) return direct;
  return services.agents.findByMetadata(orgId, { external_ids: [ref] });
}

/** The optional `Idempotency-Key` header, honoured on every dialect as on the native API. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  const key = Array.isArray(value) ? value[0] : value;
  if (!key) return undefined;
  // Refused, not ignored: a retry that sent it would otherwise place the call again.
  if (key.length > 255) {
    throw new AppError('VALIDATION_FAILED', 'The Idempotency-Key header is longer than 255 characters', { details: { field: 'Idempotency-Key' } });
  }
  return key;
}

/**
 * Places the call through CallService, as POST /v1/calls does; a refusal names the vendor's
 * fields (`names` maps native field names onto the vendor's).
 */
export async function placeCall(
  services: ApiServices,
  orgId: string,
  input: CreateCallInput,
  names: Readonly<Record<string, string>>,
  key?: string,
): Promise<CreatedCall> {
  try {
    return await services.calls.place(orgId, input, key);
  } catch (error) {
    throw renameFields(error, names);
  }
}

/** The contact a call links to, and whether this request created it (an idempotent replay did not). */
export async function contactOf(services: ApiServices, orgId: string, placed: CreatedCall): Promise<{ id: string | null; created: boolean }> {
  if (placed.contact) return placed.contact;
  if (placed.call.contactId) return { id: placed.call.contactId, created: false };
  const found = await services.contacts.findByPhone(orgId, placed.call.toNumber);
  return { id: found?.id ?? null, created: false };
}
