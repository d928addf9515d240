/** Tests on a variable's value, shared by flow `branch` nodes and outcome tag rules. */
import type { Condition } from './schema.js';

/**
 * Whether a value meets every condition given. Values from a call arrive as text ("true", "42"),
 * so comparisons are by meaning: numbers numerically, booleans and strings case-insensitively.
 */
export function matchesCondition(value: unknown, condition: Condition): boolean {
  const present = value !== undefined && value !== null && value !== '';
  if (condition.exists !== undefined && condition.exists !== present) return false;
  if (condition.equals !== undefined && !looselyEqual(value, condition.equals)) return false;
  if (condition.in !== undefined && !condition.in.some((candidate) => looselyEqual(value, candidate))) return false;
  if (condition.contains !== undefined) {
    if (!present || !String(value).toLowerCase().includes(condition.contains.toLowerCase())) return false;
  }
  const bounds: [number | undefined, (a: number, b: number) => boolean][] = [
    [condition.gt, (a, b) => a > b],
    [condition.gte, (a, b) => a >= b],
    [condition.lt, (a, b) => a < b],
    [condition.lte, (a, b) => a <= b],
  ];
  for (const [bound, compare] of bounds) {
    if (bound === undefined) continue;
    const number = toNumber(value);
    if (number === null || !compare(number, bound)) return false;
  }
  return true;
}

function looselyEqual(value: unknown, expected: string | number | boolean): boolean {
  if (value === undefined || value === null) return false;
  if (typeof expected === 'number') return toNumber(value) === expected;
  return String(value).trim().toLowerCase() === String(expected).trim().toLowerCase();
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  }
  return null;
}
