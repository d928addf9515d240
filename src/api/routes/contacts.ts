/** /v1/contacts: upsert by phone number, read, list, update, delete, and a contact's calls. */
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { authenticate, principalOf } from '../auth.js';
import type { ApiServices } from '../services.js';
import { contactFields, contactView } from '../../contacts/contact-service.js';
import { callView } from '../../calls/call-view.js';
import { AppError } from '../../shared/errors.js';
import { toE164 } from '../../shared/phone.js';

const idParams = z.object({ id: z.string().min(1).max(100) });

export function contactRoutes(app: FastifyInstance, services: ApiServices): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { contacts, calls, keys } = services;

  api.post(
    '/v1/contacts',
    {
      schema: { tags: ['contacts'], summary: 'Create or update the contact for a phone number', body: contactFields.extend({ phone_number: z.string().min(1).max(32) }).strict() },
      onRequest: authenticate(keys, 'calls:write'),
    },
    async (request, reply) => {
      const { phone_number: number, ...fields } = request.body;
      const phone = toE164(number);
      if (!phone) throw new AppError('INVALID_PHONE_NUMBER', '"phone_number" must be a valid phone number in E.164 form', { details: { field: 'phone_number' } });
      const { contact, created } = await contacts.upsert(principalOf(request).orgId, phone, fields);
      return reply.status(created ? 201 : 200).send({ ...contactView(contact), is_new_contact: created });
    },
  );
  api.get(
    '/v1/contacts',
    {
      schema: { tags: ['contacts'], summary: 'List contacts', querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(500).optional(), search: z.string().max(100).optional() }).strict() },
      onRequest: authenticate(keys, 'calls:read'),
    },
    async (request) => {
      const page = await contacts.list(principalOf(request).orgId, request.query);
      return { data: page.data.map(contactView), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );
  api.get(
    '/v1/contacts/:id',
    { schema: { tags: ['contacts'], summary: 'Get a contact', params: idParams }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => contactView(await contacts.get(principalOf(request).orgId, request.params.id)),
  );
  api.patch(
    '/v1/contacts/:id',
    { schema: { tags: ['contacts'], summary: 'Update a contact', params: idParams, body: contactFields.strict() }, onRequest: authenticate(keys, 'calls:write') },
    async (request) => contactView(await contacts.update(principalOf(request).orgId, request.params.id, request.body)),
  );
  api.delete(
    '/v1/contacts/:id',
    { schema: { tags: ['contacts'], summary: 'Delete a contact', params: idParams }, onRequest: authenticate(keys, 'calls:write') },
    async (request, reply) => {
      await contacts.remove(principalOf(request).orgId, request.params.id);
      return reply.status(204).send();
    },
  );
  api.get(
    '/v1/contacts/:id/calls',
    { schema: { tags: ['contacts'], summary: "A contact's calls, newest first", params: idParams, querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().max(500).optional() }).strict() }, onRequest: authenticate(keys, 'calls:read') },
    async (request) => {
      const { orgId } = principalOf(request);
      const contact = await contacts.get(orgId, request.params.id);
      const page = await calls.list(orgId, { contactId: contact.id }, request.query);
      return { data: page.data.map(callView), has_more: page.nextCursor !== null, next_cursor: page.nextCursor };
    },
  );
}
