/** A flow agent's graph as validated JSON, with its nodes listed and each problem beside its node. */
import { useMemo } from 'react';
import { JsonField, type JsonText } from './JsonField';

export interface FlowProblem {
  readonly code?: string;
  readonly message: string;
  readonly node?: string;
  readonly field?: string;
}

export function FlowEditor({ value, onChange, problems, readOnly }: { value: JsonText; onChange: (value: JsonText) => void; problems: FlowProblem[]; readOnly?: boolean }) {
  const nodes = useMemo(() => {
    try {
      const flow = JSON.parse(value.text) as { start?: string; nodes?: Record<string, { type?: string; say?: string; next?: unknown }> };
      return { start: flow.start, list: Object.entries(flow.nodes ?? {}) };
    } catch {
      return undefined;
    }
  }, [value.text]);
  const general = problems.filter((problem) => !problem.node || !nodes?.list.some(([id]) => id === problem.node));
  return (
    <div className="flow-editor">
      <JsonField label="Flow (JSON)" hint='{"start": "node id", "nodes": {"id": {"type": "say" | "ask" | "end" | …}}}' value={value} onChange={onChange} problems={general.map((problem) => problem.message)} rows={18} {...(readOnly ? { readOnly } : {})} />
      <div className="flow-nodes" aria-live="polite">
        <h3>Nodes</h3>
        {!nodes ? <p className="muted">Fix the JSON to see the nodes.</p> : nodes.list.length === 0 ? <p className="muted">No nodes.</p> : (
          <ul>
            {nodes.list.map(([id, node]) => {
              const own = problems.filter((problem) => problem.node === id);
              return (
                <li key={id} className={own.length ? 'has-error' : ''} data-node={id}>
                  <code>{id}</code> <span className="muted small">{node?.type ?? '?'}</span>{id === nodes.start ? <span className="badge subtle">start</span> : null}
                  {own.map((problem, index) => <p key={index} className="field-error small" role="alert">{problem.field ? `${problem.field}: ` : ''}{problem.message}</p>)}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </div>
  );
}
