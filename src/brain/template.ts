/** `{{variable}}` placeholders in prompts and greetings. */
import type { Variables } from './types.js';

const placeholder = /\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}/g;

/**
 * Whether a template has a `{{` or `}}` that is not part of a `{{variable}}` placeholder ("Hi
 * {{ first name}}", "Hi {{name"): such a text would be spoken as written, braces and all.
 */
export function hasStrayBraces(template: string): boolean {
  return /\{\{|\}\}/.test(template.replace(placeholder, ''));
}

/** The refinement every spoken template's schema adds: no braces that are not a placeholder. */
export const placeholdersWellFormed = [
  (template: string | null | undefined) => !template || !hasStrayBraces(template),
  { message: 'has a "{{" or "}}" that is not a {{variable}} placeholder (a name of letters, digits, "_", "." or "-"); it would be spoken as written' },
] as const;

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
