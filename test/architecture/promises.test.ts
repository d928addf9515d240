/**
 * No promise in the service is left floating: each is awaited, caught, or let go with `void` on
 * purpose, and no async function is passed where its promise would be ignored (an event
 * handler). A rejection nobody hears would take the process down (see process-guard.ts). The
 * rules live in eslint.config.mjs; `npm run lint` runs the same check.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

describe('promises under src/', () => {
  it('are all awaited, caught or explicitly let go', async () => {
    const results = await new ESLint().lintFiles(['src']);
    const problems = results.flatMap((result) => result.messages.map((m) => `${result.filePath}:${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`));
    expect(problems).toEqual([]);
    expect(results.length).toBeGreaterThan(200);
  }, 180_000);
});
