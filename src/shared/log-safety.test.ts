import { describe, expect, it } from 'vitest';
import { redactUrl, safeErrorSerializer, safeRequestSerializer } from './log-safety.js';

describe('redactUrl', () => {
  it('replaces hook tokens and credential or personal query values', () => {
    expect(redactUrl('/v1/hooks/hk_secret123')).toBe('/v1/hooks/[redacted]');
    // A malformed URL that still carries the token after the route's name.
    expect(redactUrl('/v1/hooks;hk_secret123')).toBe('/v1/hooks;[redacted]');
  });

  it('hides a phone number that is a path segment, escaped or not, and leaves ids alone', () => {
    expect(redactUrl('/v1/do-not-call/+14155550177')).toBe('/v1/do-not-call/[redacted]');
    expect(redactUrl(`/twilio/transfer/briefings/${'a1'.repeat(24)}.wav`)).toBe('/twilio/transfer/briefings/[redacted]');
    expect(redactUrl('/v1/do-not-call/%2B14155550177?x=1')).toBe('/v1/do-not-call/[redacted]?x=1');
    expect(redactUrl('/v1/do-not-call/(415)%20555-0177')).toBe('/v1/do-not-call/[redacted]');
    expect(redactUrl('/v1/calls/call_01m95zchn2sdhwt01v97h8s6py/recording')).toBe('/v1/calls/call_01m95zchn2sdhwt01v97h8s6py/recording');
    expect(redactUrl('/v1/calls/1234/events')).toBe('/v1/calls/1234/events');
    expect(redactUrl('/compat/huskyvoice/v1/hooks/hk_secret?x=1')).toBe('/compat/huskyvoice/v1/hooks/[redacted]?x=1');
    expect(redactUrl('/v1/agents/agent_1/chat?api_key=pk_abc&variables=%7B%22name%22%3A%22Ana%22%7D&x=2')).toBe('/v1/agents/agent_1/chat?api_key=[redacted]&variables=[redacted]&x=2');
    expect(redactUrl('/x?TOKEN=a&input_variables=b&%ZZ=c')).toBe('/x?TOKEN=[redacted]&input_variables=[redacted]&%ZZ=c');
    expect(redactUrl('/v1/calls?limit=5')).toBe('/v1/calls?limit=5');
  });

  it('is what the request serializer logs', () => {
    expect(safeRequestSerializer({ method: 'POST', url: '/v1/hooks/hk_x?token=y' }).url).toBe('/v1/hooks/[redacted]?token=[redacted]');
  });
});

describe('safeErrorSerializer', () => {
  it('keeps a database error\'s code and statement, never its parameters or detail', () => {
    const driver = Object.assign(new Error('insert or update on table "phone_numbers" violates foreign key constraint "pn_agent_fk"'), {
      code: '23503', severity: 'ERROR', constraint: 'pn_agent_fk', table: 'phone_numbers', detail: 'Key (agent_id)=(+14155550100) is not present',
    });
    const failed = Object.assign(new Error('Failed query: insert into "phone_numbers" ("id", "number") values ($1, $2)\nparams: pn_1,+14155550100'), {
      query: 'insert into "phone_numbers" ("id", "number") values ($1, $2)', params: ['pn_1', '+14155550100'], cause: driver,
    });
    const wrapped = new Error('create failed', { cause: failed });
    const logged = JSON.stringify(safeErrorSerializer(wrapped));
    expect(logged).not.toContain('+14155550100');
    expect(logged).not.toContain('pn_1');
    expect(logged).toContain('23503');
    expect(logged).toContain('pn_agent_fk');
    expect(logged).toContain('insert into \\"phone_numbers\\" (\\"id\\", \\"number\\") values ($1, $2)');
  });

  it('masks phone numbers in any error message', () => {
    expect(JSON.stringify(safeErrorSerializer(new Error('could not dial +14155550100')))).not.toContain('4155550100');
  });
});
