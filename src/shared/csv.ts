/**
 * CSV lists (campaign contacts, do-not-call numbers) through csv-parse: a header row, one
 * record per row; a row that cannot be read (a stray quote, a wrong number of fields) is
 * reported by its line and the rest are kept.
 */
import { parse } from 'csv-parse/sync';
import { AppError } from './errors.js';

export interface CsvRow {
  /** The line the record ends on (1 is the header). */
  readonly line: number;
  /** The phone column's value, as written. */
  readonly phone: string;
  /** The name of the phone column as the header spells it. */
  readonly phoneColumn: string;
  /** Every other column, by its header name. */
  readonly values: Record<string, string>;
}

/** A row or entry that was not imported, and why. */
export interface RowProblem {
  readonly line?: number;
  readonly index?: number;
  readonly field?: string;
  readonly message: string;
}

export interface ParsedCsv {
  readonly rows: CsvRow[];
  readonly errors: RowProblem[];
}

export function parseCsv(text: string, options: { phoneColumns: readonly string[] }): ParsedCsv {
  const errors: RowProblem[] = [];
  let header: string[] = [];
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      columns: (names: string[]) => {
        header = names.map((name) => String(name).trim());
        const seen = new Set<string>();
        for (const name of header) {
          if (!name) throw new AppError('CSV_INVALID', 'The header row has an empty column name', { details: { line: 1 } });
          if (seen.has(name.toLowerCase())) throw new AppError('CSV_INVALID', `The header row names "${name}" twice`, { details: { line: 1 } });
          seen.add(name.toLowerCase());
        }
        return header;
      },
      skip_records_with_error: true,
      on_skip: (error) => {
        if (error) errors.push({ line: (error as { lines?: number }).lines, message: error.message.replace(/^Invalid Record Length: /, '') });
        return undefined;
      },
    }) as { record: Record<string, string>; info: { lines: number } }[];
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('CSV_INVALID', `The CSV could not be read: ${(error as Error).message}`, { details: { line: (error as { lines?: number }).lines ?? null }, cause: error });
  }
  const phoneColumn = header.find((name) => options.phoneColumns.includes(name.toLowerCase()));
  if (!phoneColumn) {
    throw new AppError('CSV_INVALID', `The header row needs a "${options.phoneColumns[0]}" column`, { details: { line: 1, columns: header } });
  }
  const rows: CsvRow[] = [];
  for (const { record, info } of records) {
    const phone = record[phoneColumn] ?? '';
    if (!phone) {
      errors.push({ line: info.lines, field: phoneColumn, message: `"${phoneColumn}" is empty` });
      continue;
    }
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(record)) if (name !== phoneColumn && value !== '') values[name] = value;
    rows.push({ line: info.lines, phone, phoneColumn, values });
  }
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { rows, errors };
}
