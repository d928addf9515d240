/**
 * CSV lists (campaign contacts, do-not-call numbers) through csv-parse: a header row, one
 * record per row; a row that cannot be read (a stray quote, a wrong number of fields) is
 * reported by its line and the rest are kept.
 */
import { parse } from 'csv-parse';
import { AppError } from './errors.js';
import { nextTurn } from './next-turn.js';

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

/** Text is handed to the parser this many characters at a time, with a turn for other work between. */
const sliceChars = 64 * 1024;

export async function parseCsv(text: string, options: { phoneColumns: readonly string[] }): Promise<ParsedCsv> {
  const errors: RowProblem[] = [];
  let header: string[] = [];
  const records: { record: Record<string, string>; info: { lines: number } }[] = [];
  const parser = parse({
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
  });
  let failure: unknown;
  parser.on('readable', () => {
    for (let record = parser.read(); record !== null; record = parser.read()) records.push(record as (typeof records)[number]);
  });
  const ended = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (error) => {
      failure ??= error;
      resolve();
    });
  });
  // Parsed a slice at a time: a 20 MB list took the thread for seconds in one go.
  for (let at = 0; at < text.length && failure === undefined; at += sliceChars) {
    parser.write(text.slice(at, at + sliceChars));
    await nextTurn();
  }
  if (failure === undefined) parser.end();
  await ended;
  if (failure !== undefined) {
    if (failure instanceof AppError) throw failure;
    throw new AppError('CSV_INVALID', `The CSV could not be read: ${(failure as Error).message}`, { details: { line: (failure as { lines?: number }).lines ?? null }, cause: failure });
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
