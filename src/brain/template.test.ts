import { describe, expect, it } from 'vitest';
import { missingVariables, placeholders, renderTemplate } from './template.js';

describe('{{variable}} templates', () => {
  it('renders values of any primitive type, with defaults, tolerating spaces in braces', () => {
    expect(renderTemplate('Hi {{ name }}, you owe {{amount}} ({{paid}}) at {{place}}.', { name: 'Ana', amount: 12.5, paid: false }, { place: 'our office' }))
      .toBe('Hi Ana, you owe 12.5 (false) at our office.');
  });

  it('lists placeholders once, in order', () => {
    expect(placeholders('{{a}} {{b}} {{a}} {{c.d}}')).toEqual(['a', 'b', 'c.d']);
  });

  it('names exactly the placeholders neither the call nor the defaults fill', () => {
    expect(missingVariables(['Hi {{name}} on {{date}}', null, 'From {{company}}'], { name: 'Ana' }, { company: 'Acme' })).toEqual(['date']);
  });

  it('leaves an unfilled placeholder as written rather than inventing a value', () => {
    expect(renderTemplate('Hi {{name}}', {})).toBe('Hi {{name}}');
  });
});
