/** `{{variable}}` placeholders in prompts and greetings. */
import type { Variables } from './types.js';

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/** Names of the placeholders in a template, in order of first appearance. */
export function placeholders(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(placeholder)) names.add(match[1]!);
  return [...names];
}

/** Placeholders of the templates that neither the call's variables nor the defaults fill. */
export function missingVariables(
  templates: readonly (string | null | undefined)[],
  variables: Variables,
  defaults: Readonly<Record<string, string>> = {},
): string[] {
  const missing = new Set<string>();
  for (const template of templates) {
    if (!template) continue;
    for (const name of placeholders(template)) {
      if (!(name in variables) && !(name in defaults)) missing.add(name);
    }
  }
  return [...missing];
}

/** Fills placeholders; one with no value is left as written (creation refuses those calls). */
export function renderTemplate(
  template: string,
  variables: Variables,
  defaults: Readonly<Record<string, string>> = {},
): string {
  return template.replace(placeholder, (whole, name: string) => {
    const value = variables[name] ?? defaults[name];
    return value === undefined ? whole : String(value);
  });
}
