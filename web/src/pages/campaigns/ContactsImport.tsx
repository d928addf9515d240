/**
 * Adds contacts to a campaign: JSON rows (with a time zone for rows that give none) or a CSV file
 * (a phone column, every other column a variable); the rows the API refused are listed by CSV
 * line or JSON row.
 */
import { useState, type FormEvent } from 'react';
import { post, postCsv } from '../../api';
import type { RowProblem } from '../../types';
import { ErrorBox, Field, useAction } from '../../ui';

interface ImportResult {
  readonly imported: number;
  readonly errors: RowProblem[];
}

const example = `[
  {"phone": "+14155550100", "first_name": "Ana", "variables": {"customer_name": "Ana"}},
  {"phone": "+14155550106", "timezone": "America/Chicago", "variables": {"customer_name": "Bo"}}
]`;

/** The JSON rows as the API takes them, a default zone on rows without one. */
function jsonContacts(text: string, timezone: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`The rows are not valid JSON: ${(error as Error).message}`);
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { contacts?: unknown })?.contacts;
  if (!Array.isArray(rows)) throw new Error('Give a JSON list of contacts: [{"phone": "+14155550100", "variables": {…}}, …]');
  if (!timezone.trim()) return rows;
  return rows.map((row) => (row && typeof row === 'object' && !('timezone' in row) ? { ...row, timezone: timezone.trim() } : row));
}

export function ContactsImport({ campaignId, onImported }: { campaignId: string; onImported: () => void }) {
  const [rows, setRows] = useState('');
  const [timezone, setTimezone] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<(ImportResult & { source: 'csv' | 'json' }) | null>(null);
  const addJson = useAction(async () => {
    setResult(null);
    const found = await post<ImportResult>(`/v1/campaigns/${campaignId}/contacts`, { contacts: jsonContacts(rows, timezone) });
    setResult({ ...found, source: 'json' });
    if (found.errors.length === 0) setRows('');
    onImported();
  });
  const addCsv = useAction(async () => {
    setResult(null);
    if (!file) throw new Error('Choose a CSV file first');
    const found = await postCsv<ImportResult>(`/v1/campaigns/${campaignId}/contacts`, await file.text());
    setResult({ ...found, source: 'csv' });
    onImported();
  });
  const submitJson = (event: FormEvent) => {
    event.preventDefault();
    void addJson.run();
  };
  const submitCsv = (event: FormEvent) => {
    event.preventDefault();
    void addCsv.run();
  };

  return (
    <section className="card" aria-labelledby="import-head">
      <h2 id="import-head">Add contacts</h2>
      <div className="grid-2">
        <form onSubmit={submitJson} aria-label="Add contacts as JSON rows">
          <Field label="Contacts (JSON rows)" hint="Each row: phone (E.164), and optionally variables, timezone, first_name, last_name, email.">
            {(props) => <textarea {...props} className="code" rows={6} spellCheck={false} value={rows} onChange={(event) => setRows(event.target.value)} placeholder={example} required />}
          </Field>
          <Field label="Time zone for rows without one" hint="IANA, like Europe/Madrid; empty: each number's own zone.">
            {(props) => <input {...props} value={timezone} onChange={(event) => setTimezone(event.target.value)} placeholder="America/New_York" list="time-zones" />}
          </Field>
          <datalist id="time-zones">
            {['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'Europe/London', 'Europe/Madrid', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Sydney'].map((zone) => <option key={zone} value={zone} />)}
          </datalist>
          <ErrorBox error={addJson.error} title="The rows were not added" />
          <button className="button primary" type="submit" disabled={addJson.busy}>Add rows</button>
        </form>
        <form onSubmit={submitCsv} aria-label="Upload contacts as a CSV file">
          <Field label="CSV file" hint="A header row with a phone column (phone, number or phone_number); an optional timezone column; every other column is a variable.">
            {(props) => <input {...props} type="file" accept=".csv,text/csv" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />}
          </Field>
          <ErrorBox error={addCsv.error} title="The file was not imported" />
          <button className="button" type="submit" disabled={addCsv.busy || !file}>Upload CSV</button>
        </form>
      </div>
      {result ? <ImportReport result={result} /> : null}
    </section>
  );
}

function ImportReport({ result }: { result: ImportResult & { source: 'csv' | 'json' } }) {
  const where = (problem: RowProblem) => (problem.line !== undefined ? `Line ${problem.line}` : `Row ${(problem.index ?? 0) + 1}`);
  return (
    <div className="import-report" role="status" data-testid="import-report">
      <p><strong>{result.imported} {result.imported === 1 ? 'contact' : 'contacts'} added.</strong>{result.errors.length ? ` ${result.errors.length} ${result.errors.length === 1 ? 'row was' : 'rows were'} refused:` : ''}</p>
      {result.errors.length ? (
        <div className="table-wrap">
          <table className="stack">
            <thead><tr><th scope="col">{result.source === 'csv' ? 'CSV line' : 'Row'}</th><th scope="col">Field</th><th scope="col">Problem</th></tr></thead>
            <tbody>
              {result.errors.map((problem, index) => (
                <tr key={index}>
                  <td data-label={result.source === 'csv' ? 'CSV line' : 'Row'}>{where(problem)}</td>
                  <td data-label="Field"><code>{problem.field}</code></td>
                  <td data-label="Problem">{problem.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
