import { useState, type FormEvent, type ReactNode } from 'react';
import { useAuth } from '../auth';
import { ErrorBox, Field } from '../ui';

export function SignIn({ themeButton }: { themeButton: ReactNode }) {
  const { signIn } = useAuth();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <div className="signin-card">
        <div className="signin-head">
          <div className="brand"><span className="logo" aria-hidden="true">P</span> Parley</div>
          {themeButton}
        </div>
        <h1>Sign in</h1>
        <p className="muted">Use an API key of your organisation. <code>npm start</code> prints an admin key on the first start; <code>npm run parley -- keys create</code> makes more.</p>
        <form onSubmit={(event) => void submit(event)}>
          <Field label="API key" hint="Kept in this tab only (session storage), never in a URL.">
            {(props) => <input {...props} type="password" autoComplete="off" spellCheck={false} value={key} onChange={(event) => setKey(event.target.value)} placeholder="pk_…" required />}
          </Field>
          <ErrorBox error={error} title="That key did not work" />
          <button className="button primary" type="submit" disabled={busy || key.trim() === ''}>{busy ? 'Signing in…' : 'Sign in'}</button>
        </form>
        <p className="muted small">The API reference is at <a href="/docs">/docs</a>.</p>
      </div>
    </main>
  );
}
