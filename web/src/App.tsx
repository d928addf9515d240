/** The shell: sign-in when no key, else the header, navigation (what the key may see) and pages. */
import { useEffect, useRef } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { useAuth } from './auth';
import { useTheme } from './theme';
import { Loading } from './ui';
import { SignIn } from './pages/SignIn';
import { CallsPage } from './pages/Calls';
import { NewCallPage } from './pages/NewCall';
import { CallPage } from './pages/Call';
import { AgentsPage } from './pages/Agents';
import { AgentPage } from './pages/Agent';
import { NumbersPage } from './pages/Numbers';
import { KeysPage } from './pages/Keys';
import { HooksPage } from './pages/Hooks';
import { WebhooksPage } from './pages/Webhooks';
import { CampaignsPage } from './pages/campaigns/CampaignsList';
import { NewCampaignPage } from './pages/campaigns/NewCampaign';
import { CampaignPage } from './pages/campaigns/Campaign';
import { DoNotCallPage } from './pages/DoNotCall';
import type { Scope } from './types';

const sections: { path: string; label: string; scope: Scope }[] = [
  { path: '/calls', label: 'Calls', scope: 'calls:read' },
  { path: '/campaigns', label: 'Campaigns', scope: 'calls:read' },
  { path: '/agents', label: 'Agents', scope: 'agents:read' },
  { path: '/numbers', label: 'Numbers', scope: 'agents:read' },
  { path: '/do-not-call', label: 'Do not call', scope: 'calls:read' },
  { path: '/hooks', label: 'Inbound hooks', scope: 'calls:read' },
  { path: '/webhooks', label: 'Webhooks', scope: 'calls:read' },
  { path: '/keys', label: 'API keys', scope: 'admin' },
];

export function App() {
  const { me, checking, can, signOut } = useAuth();
  const [theme, toggleTheme] = useTheme();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);

  // A new page moves focus to its content, as a page load would.
  useEffect(() => {
    main.current?.focus();
  }, [location.pathname]);

  const themeButton = (
    <button type="button" className="button ghost small" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );

  if (checking) return <main className="center"><Loading what="Checking your key" /></main>;
  if (!me) return <SignIn themeButton={themeButton} />;

  const visible = sections.filter((section) => can(section.scope));
  const home = visible[0]?.path ?? '/docs';
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <div className="brand"><span className="logo" aria-hidden="true">P</span> Parley</div>
        <nav aria-label="Main">
          <ul>
            {visible.map((section) => (
              <li key={section.path}><NavLink to={section.path}>{section.label}</NavLink></li>
            ))}
            <li><a href="/docs" target="_blank" rel="noreferrer">API reference</a></li>
          </ul>
        </nav>
        <div className="top-actions">
          {themeButton}
          <button type="button" className="button ghost small" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to={home} replace />} />
          <Route path="/calls" element={<Guard scope="calls:read"><CallsPage /></Guard>} />
          <Route path="/calls/new" element={<Guard scope="calls:write"><NewCallPage /></Guard>} />
          <Route path="/calls/:id" element={<Guard scope="calls:read"><CallPage /></Guard>} />
          <Route path="/campaigns" element={<Guard scope="calls:read"><CampaignsPage /></Guard>} />
          <Route path="/campaigns/new" element={<Guard scope="calls:write"><NewCampaignPage /></Guard>} />
          <Route path="/campaigns/:id" element={<Guard scope="calls:read"><CampaignPage /></Guard>} />
          <Route path="/do-not-call" element={<Guard scope="calls:read"><DoNotCallPage /></Guard>} />
          <Route path="/agents" element={<Guard scope="agents:read"><AgentsPage /></Guard>} />
          <Route path="/agents/new" element={<Guard scope="agents:write"><AgentPage /></Guard>} />
          <Route path="/agents/:id" element={<Guard scope="agents:read"><AgentPage /></Guard>} />
          <Route path="/numbers" element={<Guard scope="agents:read"><NumbersPage /></Guard>} />
          <Route path="/keys" element={<Guard scope="admin"><KeysPage /></Guard>} />
          <Route path="/hooks" element={<Guard scope="calls:read"><HooksPage /></Guard>} />
          <Route path="/webhooks" element={<Guard scope="calls:read"><WebhooksPage /></Guard>} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

function Guard({ scope, children }: { scope: Scope; children: React.ReactNode }) {
  const { can } = useAuth();
  if (can(scope)) return <>{children}</>;
  return (
    <section>
      <h1>Not available with this key</h1>
      <p>This page needs the <code>{scope}</code> scope. Sign in with a key that has it.</p>
    </section>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p><NavLink to="/">Back to the dashboard</NavLink></p>
    </section>
  );
}
