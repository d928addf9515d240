/** Personas registered per callee number on the simulated network. */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../store/database.js';
import { simPersonas } from '../../store/schema.js';
import { AppError } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { personaDefinition, scriptedPersona, type Persona, type PersonaDefinition } from './personas.js';
import { llmPersona } from './llm-persona.js';
import type { LlmProvider } from '../../llm/types.js';

/** The server's model for personas with a prompt, if one is configured. */
export type PersonaModel = () => { provider: LlmProvider; model: string } | undefined;

export type PersonaRow = typeof simPersonas.$inferSelect;

export function personaView(row: PersonaRow) {
  return { id: row.id, number: row.number, ...row.definition, created_at: row.createdAt.toISOString() };
}

export class PersonaService {
  constructor(private readonly db: Db, private readonly model: PersonaModel = () => undefined) {}

  /** Registers (or replaces) the persona answering `number`. */
  async upsert(orgId: string, number: string, definition: PersonaDefinition): Promise<PersonaRow> {
    if (definition.prompt && !this.model()) {
      throw new AppError('LLM_NOT_CONFIGURED', 'A persona with a prompt needs the server\'s model: set OPENAI_API_KEY (or OPENAI_BASE_URL) and PARLEY_LLM_MODEL', { details: { field: 'prompt' } });
    }
    const [row] = await this.db
      .insert(simPersonas)
      .values({ id: newId('persona'), orgId, number, definition })
      .onConflictDoUpdate({ target: [simPersonas.orgId, simPersonas.number], set: { definition } })
      .returning();
    return row!;
  }

  async list(orgId: string): Promise<PersonaRow[]> {
    return this.db.select().from(simPersonas).where(eq(simPersonas.orgId, orgId)).orderBy(asc(simPersonas.createdAt));
  }

  async remove(orgId: string, id: string): Promise<void> {
    const deleted = await this.db.delete(simPersonas).where(and(eq(simPersonas.id, id), eq(simPersonas.orgId, orgId))).returning();
    if (deleted.length === 0) throw new AppError('VALIDATION_FAILED', 'No persona with that id', { details: { field: 'id' } });
  }

  /** The persona the simulated network uses for a callee, if one is registered. */
  readonly lookup = async (orgId: string, number: string): Promise<Persona | undefined> => {
    const row = await this.db.query.simPersonas.findFirst({ where: and(eq(simPersonas.orgId, orgId), eq(simPersonas.number, number)) });
    if (!row) return undefined;
    const definition = personaDefinition.parse(row.definition);
    const model = definition.prompt ? this.model() : undefined;
    return model ? llmPersona(definition, model) : scriptedPersona(definition);
  };
}
