/** The do-not-call list: add numbers (typed or a CSV), see the rows a CSV refused by line, remove a number. */
import { useState, type FormEvent } from 'react';
import { del, get, post, postCsv } from '../api';
import { useAuth } from '../auth';
import type { DoNotCallEntry, RowProblem } from '../types';
import { Empty, ErrorBox, Field, Loading, Time, useAction, useLoad } from '../ui';

interface ListPage {
  readonly data: DoNotCallEntry[];
  readonly total: number;
  readonly has_more: boolean;
  readonly next_cursor: string | null;
}

interface AddResult {
  readonly added: number;
  readonly already_listed: number;
  readonly errors: RowProblem[];
}

export function DoNotCallPage() {
  const { can } = useAuth();
  const write = can('calls:write');
  const [cursor, setCursor] = useState<string | null>(null);
  const list = useLoad(() => get<ListPage>(`/v1/do-not-call?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`), [cursor]);
  const [numbers, setNumbers] = useState('');
  const [reason, setReason] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<(AddResult & { source: 'csv' | 'typed' }) | null>(null);

  const add = useAction(async () => {
    setResult(null);
    const typed = numbers.split(/[\s,;]+/).map((number) => number.trim()).filter(Boolean);
    const found = await post<AddResult>('/v1/do-not-call', { numbers: typed, ...(reason.trim() ? { reason: reason.trim() } : {}) });
    setResult({ ...found, source: 'typed' });
    if (found.errors.length === 0) setNumbers('');
    list.reload();
  });
  const upload = useAction(async () => {
    setResult(null);
    if (!file) throw new Error('Choose a CSV file first');
    setResult({ ...(await postCsv<AddResult>('/v1/do-not-call', await file.text())), source: 'csv' });
    list.reload();
  });
  const remove = useAction(async (number: string) => {
    if (!window.confirm(`Take ${number} off the do-not-call list? It may be called again.`)) return;
    await del(`/v1/do-not-call/${encodeURIComponent(number)}`);
    list.reload();
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void add.run();
  };
  const submitCsv = (event: FormEvent) => {
    event.preventDefault();
    void upload.run();
  };

  return (
    <section>
      <h1>Do-not-call list</h1>
      <p className="muted">Numbers here are never called: a call to one is refused when it is placed, and a queued call or campaign contact is dropped right before dialling. A callee who asks not to be called again is added automatically.</p>
      {write ? (
        <div className="grid-2">
          <form className="card" onSubmit={submit} aria-labelledby="dnc-add">
            <h2 id="dnc-add">Add numbers</h2>
            <Field label="Numbers" hint="E.164, one per line (or separated by commas).">
              {(props) => <textarea {...props} rows={4} value={numbers} onChange={(event) => setNumbers(event.target.value)} required placeholder={'+14155550100\n+14155550101'} />}
            </Field>
            <Field label="Reason">{(props) => <input {...props} value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} placeholder="asked not to be called" />}</Field>
            <ErrorBox error={add.error} title="The numbers were not added" />
            <button className="button primary" type="submit" disabled={add.busy}>Add to the list</button>
          </form>
          <form className="card" onSubmit={submitCsv} aria-labelledby="dnc-csv">
            <h2 id="dnc-csv">Upload a CSV</h2>
            <Field label="CSV file" hint="A header row with a number (or phone) column, and optionally reason.">
              {(props) => <input {...props} type="file" accept=".csv,text/csv" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />}
            </Field>
            <ErrorBox error={upload.error} title="The file was not imported" />
            <button className="button" type="submit" disabled={upload.busy || !file}>Upload CSV</button>
          </form>
        </div>
      ) : null}
      {result ? (
        <div className="card import-report" role="status" data-testid="dnc-report">
          <p><strong>{result.added} added</strong>{result.already_listed ? `, ${result.already_listed} already listed` : ''}.{result.errors.length ? ` ${result.errors.length} refused:` : ''}</p>
          {result.errors.length ? (
            <ul>
              {result.errors.map((problem, index) => (
                <li key={index}>{problem.line !== undefined ? `Line ${problem.line}` : `Number ${(problem.index ?? 0) + 1}`}: <code>{problem.field}</code> {problem.message}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <section className="card" aria-labelledby="dnc-list">
        <h2 id="dnc-list">Listed numbers{list.data ? <span className="badge subtle">{list.data.total}</span> : null}</h2>
        <ErrorBox error={list.error ?? remove.error} />
        {list.loading && !list.data ? <Loading /> : null}
        {list.data?.data.length === 0 ? <Empty title="The list is empty"><p>No number is blocked yet.</p></Empty> : null}
        {list.data?.data.length ? (
          <div className="table-wrap">
            <table className="stack">
              <thead><tr><th scope="col">Number</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col">Added</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
              <tbody>
                {list.data.data.map((entry) => (
                  <tr key={entry.number}>
                    <td data-label="Number" className="mono">{entry.number}</td>
                    <td data-label="Reason">{entry.reason ?? <span className="muted">—</span>}</td>
                    <td data-label="Source">{entry.source.replace('_', ' ')}</td>
                    <td data-label="Added"><Time at={entry.created_at} /></td>
                    <td data-label="">{write ? <button type="button" className="button small danger" onClick={() => void remove.run(entry.number)} aria-label={`Remove ${entry.number}`}>Remove</button> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <div className="actions">
          {cursor ? <button type="button" className="button" onClick={() => setCursor(null)}>First page</button> : null}
          {list.data?.has_more ? <button type="button" className="button" onClick={() => setCursor(list.data!.next_cursor)}>Next page</button> : null}
        </div>
      </section>
    </section>
  );
}
