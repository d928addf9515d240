/** Light or dark: the system's choice until the person picks one (kept in local storage: not a secret). */
import { useEffect, useState } from 'react';

type Theme = 'light' | 'dark';
const storageKey = 'parley.theme';

function initial(): Theme {
  const stored = localStorage.getItem(storageKey);
  if (stored === 'light' || stored === 'dark') return stored;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(initial);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  return [theme, () => setTheme((current) => {
    const next = current === 'dark' ? 'light' : 'dark';
    localStorage.setItem(storageKey, next);
    return next;
  })];
}
