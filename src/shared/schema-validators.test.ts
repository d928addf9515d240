import { describe, expect, it } from 'vitest';
import { SchemaValidators } from './schema-validators.js';

const schemaOf = (field: string) => ({ type: 'object', properties: { [field]: { type: 'boolean' } }, required: [field] });

describe('SchemaValidators', () => {
  it('compiles equal content once, whatever object holds it', () => {
    const validators = new SchemaValidators();
    const first = validators.validatorFor(schemaOf('confirmed'));
    const second = validators.validatorFor(schemaOf('confirmed'));
    expect(second).toBe(first);
    expect(first({ confirmed: true })).toBe(true);
    expect(first({ confirmed: 'yes' })).toBe(false);
    expect(validators.stats().cached).toBe(1);
  });

  it('keeps ajv from retaining the schemas it compiled', () => {
    const validators = new SchemaValidators();
    validators.validatorFor(schemaOf('warmup'));
    const before = validators.stats().ajvRetained;
    for (let i = 0; i < 200; i += 1) validators.validatorFor(schemaOf(`field${i}`));
    expect(validators.stats().ajvRetained).toBe(before);
  });

  it('holds at most its bound, dropping the least recently used', () => {
    const validators = new SchemaValidators({ maxEntries: 2 });
    const a = validators.validatorFor(schemaOf('a'));
    validators.validatorFor(schemaOf('b'));
    validators.validatorFor(schemaOf('a'));
    validators.validatorFor(schemaOf('c'));
    expect(validators.stats().cached).toBe(2);
    expect(validators.validatorFor(schemaOf('a'))).toBe(a);
  });

  it('compiles two schemas with the same $id one after the other', () => {
    const validators = new SchemaValidators();
    validators.validatorFor({ $id: 'https://example.com/outcome', ...schemaOf('a') });
    expect(() => validators.validatorFor({ $id: 'https://example.com/outcome', ...schemaOf('b') })).not.toThrow();
  });

  it('throws for a schema that does not compile and caches nothing', () => {
    const validators = new SchemaValidators();
    expect(() => validators.validatorFor({ type: 'object', properties: { a: { type: 'nonsense' } } })).toThrow();
    expect(validators.stats().cached).toBe(0);
  });
});
