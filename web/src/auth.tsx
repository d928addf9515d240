/** Who is signed in: the API key (session storage only), what it may do, sign in and out. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, session, setUnauthenticatedHandler } from './api';
import type { Me, Scope } from './types';

interface Auth {
  readonly me: Me | null;
  /** True while a stored key is being checked on load. */
  readonly checking: boolean;
  can(scope: Scope): boolean;
  signIn(key: string): Promise<void>;
  signOut(): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(() => session.key() !== null);

  const signOut = useCallback(() => {
    session.clear();
    setMe(null);
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(signOut);
    const key = session.key();
    if (!key) return;
    api<Me>('GET', '/v1/me', undefined, key)
      .then(setMe)
      .catch(() => signOut())
      .finally(() => setChecking(false));
  }, [signOut]);

  const signIn = useCallback(async (key: string) => {
    const found = await api<Me>('GET', '/v1/me', undefined, key);
    session.set(key);
    setMe(found);
  }, []);

  const value = useMemo<Auth>(
    () => ({ me, checking, signIn, signOut, can: (scope) => !!me && (me.scopes.includes('admin') || me.scopes.includes(scope)) }),
    [me, checking, signIn, signOut],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}
