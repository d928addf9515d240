/**
 * Create or edit an agent: every setting the API has, the {{variables}} its texts use with their
 * defaults, flow agents as validated JSON with problems beside their nodes; then talk to it by
 * text or voice.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, del, get, patch, post } from '../api';
import { useAuth } from '../auth';
import type { Agent } from '../types';
import { ErrorBox, Field, Loading, useAction, useLoad, variablesIn } from '../ui';
import { JsonField, parseJsonText, toJsonText, type JsonText } from '../components/JsonField';
import { FlowEditor, type FlowProblem } from '../components/FlowEditor';
import { ChatPanel } from '../components/ChatPanel';
import { WebCallPanel } from '../components/WebCallPanel';
import { agentVariables } from './NewCall';

const jsonSettings = [
  ['llm', 'Model (llm)', '{"provider": "openai" | "anthropic", "model", "base_url", "api_key", "temperature"}; empty: the server\'s model'],
  ['stt', 'Speech to text (stt)', '{"provider": "deepgram", "model", "language", "endpointing_ms"}'],
  ['tts', 'Text to speech (tts)', '{"provider": "elevenlabs" | "cartesia", "voice", "model"}'],
  ['interruption', 'Interruption', '{"enabled", "min_duration_ms", "vad_threshold", "backchannels"}'],
  ['tools', 'Tools', '[{"name", "description", "url", "method", "parameters"}]: HTTP tools the model may call'],
  ['outcome', 'Outcome', '{"schema": JSON Schema | {"field": {"type", "description", "required"}}, "tags": […]}'],
  ['metadata', 'Metadata', 'Free-form JSON kept with the agent (e.g. {"external_ids": […]})'],
] as const;
type JsonKey = (typeof jsonSettings)[number][0];

interface FormState {
  name: string;
  kind: 'prompt' | 'flow';
  template: string;
  prompt: string;
  greeting: string;
  first_speaker: 'agent' | 'contact';
  language: string;
  voice: string;
  timezone: string;
  defaults: Record<string, string>;
  json: Record<JsonKey, JsonText>;
  flow: JsonText;
  timers: Record<string, string>;
  voicemailAction: 'hang_up' | 'leave_message';
  voicemailMessage: string;
  /** '' leaves it to the line: the carrier's detector where it has one, else Parley's. */
  voicemailDetection: '' | 'carrier' | 'parley' | 'off';
  voicemailMaxVerdictMs: string;
  transferNumbers: string;
}

const timerFields = [
  ['max_duration_s', 'Longest call (s)'],
  ['ring_timeout_s', 'Ring timeout (s)'],
  ['silence_reprompt_s', 'Re-prompt after silence (s)'],
  ['inactivity_timeout_s', 'Hang up after inactivity (s)'],
  ['response_delay_ms', 'Response delay (ms)'],
] as const;

function formOf(agent: Agent | undefined): FormState {
  const timers = (agent?.timers ?? {}) as Record<string, number>;
  const voicemail = (agent?.voicemail ?? {}) as { action?: 'hang_up' | 'leave_message'; message?: string; detection?: 'carrier' | 'parley' | 'off'; max_verdict_ms?: number };
  return {
    name: agent?.name ?? '',
    kind: agent?.kind ?? 'prompt',
    template: '',
    prompt: agent?.prompt ?? '',
    greeting: agent?.greeting ?? '',
    first_speaker: agent?.first_speaker ?? 'agent',
    language: agent?.language ?? 'en-US',
    voice: agent?.voice ?? '',
    timezone: (agent?.timezone as string | undefined) ?? '',
    defaults: { ...(agent?.default_variables ?? {}) },
    json: Object.fromEntries(jsonSettings.map(([key]) => [key, toJsonText(key === 'metadata' && agent && Object.keys(agent.metadata).length === 0 ? undefined : agent?.[key])])) as Record<JsonKey, JsonText>,
    flow: toJsonText(agent?.flow),
    timers: Object.fromEntries(timerFields.map(([key]) => [key, timers[key] !== undefined ? String(timers[key]) : ''])),
    voicemailAction: voicemail.action ?? 'hang_up',
    voicemailMessage: voicemail.message ?? '',
    voicemailDetection: voicemail.detection ?? '',
    voicemailMaxVerdictMs: voicemail.max_verdict_ms !== undefined ? String(voicemail.max_verdict_ms) : '',
    transferNumbers: ((agent?.transfer_numbers as string[] | undefined) ?? []).join(', '),
  };
}

/** Parley's own detector may run: chosen, or left to the line (which picks it where the carrier has none). */
/** The verdict bound is Parley's detector's: offered only once it is chosen (unset is the carrier's where it detects). */
const parleyDetects = (form: FormState): boolean => form.voicemailDetection === 'parley';

/** The API body from the form; throws on JSON that does not parse. */
function bodyOf(form: FormState, creating: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: form.name.trim(),
    prompt: form.prompt,
    greeting: form.greeting.trim() === '' ? null : form.greeting,
    first_speaker: form.first_speaker,
    language: form.language.trim() || 'en-US',
    voice: form.voice.trim() || null,
    timezone: form.timezone.trim() || null,
    default_variables: Object.fromEntries(Object.entries(form.defaults).filter(([, value]) => value !== '')),
    voicemail: {
      action: form.voicemailAction,
      ...(form.voicemailMessage.trim() ? { message: form.voicemailMessage } : {}),
      ...(form.voicemailDetection ? { detection: form.voicemailDetection } : {}),
      ...(parleyDetects(form) && form.voicemailMaxVerdictMs.trim() ? { max_verdict_ms: Number(form.voicemailMaxVerdictMs) } : {}),
    },
    transfer_numbers: form.transferNumbers.split(/[\s,]+/).filter(Boolean),
  };
  if (creating) body.kind = form.kind;
  const timers: Record<string, number> = {};
  for (const [key] of timerFields) if (form.timers[key]?.trim()) timers[key] = Number(form.timers[key]);
  body.timers = timers;
  for (const [key, label] of jsonSettings) {
    const value = parseJsonText(label, form.json[key]);
    if (key === 'metadata') body.metadata = value ?? {};
    else body[key] = value;
  }
  if (form.kind === 'flow') {
    if (creating && form.template && form.flow.text.trim() === '') body.template = form.template;
    else body.flow = parseJsonText('Flow', form.flow);
  }
  return body;
}

/** Which form section an API problem belongs to. */
function sectionOf(error: ApiError, problem: { field?: string; node?: string; code?: string }): string {
  if (problem.node || /flow/i.test(error.message) && !problem.field?.includes('.')) return 'flow';
  if (/outcome/i.test(error.message)) return 'outcome';
  return (problem.field ?? '').split('.')[0] || 'general';
}

export function AgentPage() {
  const { id } = useParams();
  const creating = !id;
  const navigate = useNavigate();
  const { can } = useAuth();
  const writable = can('agents:write');
  const agent = useLoad(() => (id ? get<Agent>(`/v1/agents/${id}`) : Promise.resolve(undefined)), [id]);
  const [form, setForm] = useState<FormState>(() => formOf(undefined));
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (agent.data) setForm(formOf(agent.data));
  }, [agent.data]);

  const save = useAction(async () => {
    setSaved(false);
    const body = bodyOf(form, creating);
    const result = creating ? await post<Agent>('/v1/agents', body) : await patch<Agent>(`/v1/agents/${id}`, body);
    if (creating) navigate(`/agents/${result.id}`, { replace: true });
    else {
      agent.setData(result);
      setSaved(true);
    }
  });
  const remove = useAction(async () => {
    if (!window.confirm(`Delete the agent "${form.name}"? Calls already placed keep their records.`)) return;
    await del(`/v1/agents/${id}`);
    navigate('/agents');
  });

  const found = useMemo(() => variablesIn(form.prompt, form.greeting, form.kind === 'flow' ? form.flow.text : ''), [form.prompt, form.greeting, form.kind, form.flow.text]);
  const problems = useMemo(() => {
    const out: Record<string, FlowProblem[]> = {};
    const error = save.error;
    if (!(error instanceof ApiError)) return out;
    const list = ((error.details as { problems?: FlowProblem[] })?.problems ?? error.fields) as FlowProblem[];
    for (const problem of list) (out[sectionOf(error, problem)] ??= []).push(problem);
    return out;
  }, [save.error]);
  const messages = (section: string) => (problems[section] ?? []).map((problem) => `${problem.field && problem.field !== section ? `${problem.field}: ` : ''}${problem.message}`);

  if (agent.loading && !creating) return <Loading what="Loading the agent" />;
  if (agent.error) return <ErrorBox error={agent.error} title="This agent could not be loaded" />;

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save.run();
  };
  const callVariables = agentVariables(agent.data);

  return (
    <section>
      <p><Link to="/agents">← Agents</Link></p>
      <div className="page-head">
        <h1>{creating ? 'Create agent' : form.name || 'Agent'}</h1>
        {!creating && can('calls:write') ? <Link className="button" to={`/calls/new?agent_id=${id}`}>Place a call</Link> : null}
        {writable && !creating ? <button className="button primary" type="submit" form="agent-form" disabled={save.busy}>Save</button> : null}
      </div>
      <div className={creating ? '' : 'agent-layout'}>
        <form id="agent-form" onSubmit={submit} aria-label="Agent settings" className="agent-form">
          <fieldset disabled={!writable} className="card">
            <legend>Basics</legend>
            <div className="form-grid">
              <Field label="Name" error={messages('name')[0]}>{(props) => <input {...props} value={form.name} onChange={(event) => set('name', event.target.value)} required maxLength={200} />}</Field>
              <Field label="Kind" hint={creating ? 'prompt: talks with an LLM; flow: follows a graph.' : 'Fixed once created.'}>
                {(props) => (
                  <select {...props} value={form.kind} disabled={!creating} onChange={(event) => set('kind', event.target.value as 'prompt' | 'flow')}>
                    <option value="prompt">prompt</option>
                    <option value="flow">flow</option>
                  </select>
                )}
              </Field>
              <Field label="Language" hint="BCP 47, e.g. en-US, es-ES" error={messages('language')[0]}>{(props) => <input {...props} value={form.language} onChange={(event) => set('language', event.target.value)} />}</Field>
              <Field label="Voice" hint="The TTS provider's voice id" error={messages('voice')[0]}>{(props) => <input {...props} value={form.voice} onChange={(event) => set('voice', event.target.value)} />}</Field>
              <Field label="Who speaks first">
                {(props) => (
                  <select {...props} value={form.first_speaker} onChange={(event) => set('first_speaker', event.target.value as 'agent' | 'contact')}>
                    <option value="agent">The agent</option>
                    <option value="contact">The contact</option>
                  </select>
                )}
              </Field>
              <Field label="Time zone" hint="IANA, for dates a flow hears" error={messages('timezone')[0]}>{(props) => <input {...props} value={form.timezone} onChange={(event) => set('timezone', event.target.value)} placeholder="America/New_York" />}</Field>
            </div>
          </fieldset>

          <fieldset disabled={!writable} className="card">
            <legend>What the agent says</legend>
            {form.kind === 'prompt' ? (
              <Field label="Prompt" hint="The system prompt; {{variable}} is filled from the call." error={messages('prompt').join(' · ') || undefined}>
                {(props) => <textarea {...props} rows={8} value={form.prompt} onChange={(event) => set('prompt', event.target.value)} />}
              </Field>
            ) : null}
            <Field label="Greeting" hint="Said word for word when the call is answered; may use {{variables}}." error={messages('greeting')[0]}>
              {(props) => <textarea {...props} rows={2} value={form.greeting} onChange={(event) => set('greeting', event.target.value)} />}
            </Field>
            <div className="variables" aria-live="polite">
              <h3>Variables</h3>
              {found.length === 0 ? <p className="muted small">None yet: write <code>{'{{customer_name}}'}</code> in the prompt or greeting.</p> : (
                <ul>
                  {found.map((name) => (
                    <li key={name}>
                      <Field label={`Default for {{${name}}}`} hint={form.defaults[name] ? undefined : 'No default: every call must give it.'}>
                        {(props) => <input {...props} value={form.defaults[name] ?? ''} onChange={(event) => set('defaults', { ...form.defaults, [name]: event.target.value })} />}
                      </Field>
                    </li>
                  ))}
                </ul>
              )}
              {Object.keys(form.defaults).filter((name) => !found.includes(name) && form.defaults[name] !== '').length ? (
                <p className="muted small">Defaults for variables the texts do not use: {Object.keys(form.defaults).filter((name) => !found.includes(name)).join(', ')}</p>
              ) : null}
            </div>
          </fieldset>

          {form.kind === 'flow' ? (
            <fieldset disabled={!writable} className="card">
              <legend>Flow</legend>
              {creating ? (
                <Field label="Start from a template" hint="Leave the JSON empty to use it as shipped.">
                  {(props) => (
                    <select {...props} value={form.template} onChange={(event) => set('template', event.target.value)}>
                      <option value="">None</option>
                      <option value="appointment_confirmation">appointment_confirmation</option>
                    </select>
                  )}
                </Field>
              ) : null}
              <FlowEditor value={form.flow} onChange={(value) => set('flow', value)} problems={problems.flow ?? []} />
            </fieldset>
          ) : null}

          <details className="section" open={Object.values(form.timers).some(Boolean) || form.voicemailAction !== 'hang_up' || !!form.voicemailDetection || !!form.voicemailMaxVerdictMs || !!form.transferNumbers || !!problems.timers || !!problems.voicemail || !!problems.transfer_numbers}>
          <summary>Call behaviour <span className="muted small">timers, voicemail, transfers</span></summary>
          <fieldset disabled={!writable}>
            <legend className="visually-hidden">Call behaviour</legend>
            <div className="form-grid">
              {timerFields.map(([key, label]) => (
                <Field key={key} label={label} error={messages('timers').find((message) => message.startsWith(`timers.${key}`))}>
                  {(props) => <input {...props} type="number" min={0} value={form.timers[key] ?? ''} onChange={(event) => set('timers', { ...form.timers, [key]: event.target.value })} />}
                </Field>
              ))}
              <Field label="Answering-machine detection" hint="Default: the carrier's where it has one, else Parley's">
                {(props) => (
                  <select {...props} value={form.voicemailDetection} onChange={(event) => set('voicemailDetection', event.target.value as FormState['voicemailDetection'])}>
                    <option value="">Default</option>
                    <option value="carrier">The carrier's</option>
                    <option value="parley">Parley's own</option>
                    <option value="off">Off (greet whoever answers)</option>
                  </select>
                )}
              </Field>
              {parleyDetects(form) ? (
                <Field label="Parley's verdict within (ms)" hint="1500-4500; default 4500. Sooner is wrong more often" error={messages('voicemail').find((message) => message.startsWith('voicemail.max_verdict_ms'))}>
                  {(props) => <input {...props} type="number" min={1500} max={4500} step={100} value={form.voicemailMaxVerdictMs} onChange={(event) => set('voicemailMaxVerdictMs', event.target.value)} />}
                </Field>
              ) : null}
              <Field label="On an answering machine">
                {(props) => (
                  <select {...props} value={form.voicemailAction} onChange={(event) => set('voicemailAction', event.target.value as 'hang_up' | 'leave_message')}>
                    <option value="hang_up">Hang up</option>
                    <option value="leave_message">Leave a message</option>
                  </select>
                )}
              </Field>
              <Field label="Transfer numbers" hint="E.164, separated by commas" error={messages('transfer_numbers')[0]}>
                {(props) => <input {...props} value={form.transferNumbers} onChange={(event) => set('transferNumbers', event.target.value)} />}
              </Field>
            </div>
            {form.voicemailAction === 'leave_message' ? (
              <Field label="Voicemail message" error={messages('voicemail').find((message) => !message.startsWith('voicemail.max_verdict_ms'))}>{(props) => <textarea {...props} rows={2} value={form.voicemailMessage} onChange={(event) => set('voicemailMessage', event.target.value)} />}</Field>
            ) : null}
          </fieldset>
          </details>

          <details className="section" open={jsonSettings.some(([key]) => form.json[key].text.trim() !== '' || !!problems[key])}>
          <summary>Providers, tools and outcome <span className="muted small">model, speech, interruption, tools, outcome, metadata</span></summary>
          <fieldset disabled={!writable}>
            <legend className="visually-hidden">Providers, tools and outcome</legend>
            {jsonSettings.map(([key, label, hint]) => (
              <JsonField key={key} label={label} hint={hint} value={form.json[key]} onChange={(value) => set('json', { ...form.json, [key]: value })} problems={messages(key)} rows={key === 'tools' || key === 'outcome' ? 8 : 4} />
            ))}
          </fieldset>
          </details>

          <ErrorBox error={save.error instanceof ApiError && Object.keys(problems).length > 0 ? new Error(`${save.error.message} (shown beside each field)`) : save.error} title={creating ? 'The agent was not created' : 'Not saved'} />
          {saved ? <p className="ok" role="status">Saved.</p> : null}
          {writable ? (
            <div className="actions">
              <button className="button primary" type="submit" disabled={save.busy}>{save.busy ? 'Saving…' : creating ? 'Create agent' : 'Save changes'}</button>
              {!creating ? <button type="button" className="button danger" onClick={() => void remove.run()} disabled={remove.busy}>Delete</button> : null}
            </div>
          ) : <p className="muted">This key can read agents but not change them.</p>}
          <ErrorBox error={remove.error} title="Not deleted" />
        </form>
        {!creating && agent.data ? (
          <aside className="talk" aria-label="Talk to the agent">
            <ChatPanel agent={agent.data} variables={callVariables} />
            {can('calls:write') ? <WebCallPanel agent={agent.data} variables={callVariables} /> : null}
          </aside>
        ) : null}
      </div>
    </section>
  );
}
