/** A plain-text table a person can read in a terminal or paste into a note. */
export function printTable(title: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  process.stdout.write(`\n${title}\n\n${line(cells[0]!)}\n|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|\n`);
  for (const row of cells.slice(1)) process.stdout.write(`${line(row)}\n`);
  process.stdout.write('\n');
}
