/** Where a campaign's list stands: a bar of done, live and waiting contacts, and the counts behind it. */
import type { CampaignProgress } from '../../types';

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);
const label = (key: string) => key.replace(/_/g, ' ');

/** One line: "3 of 10 done · 2 live · 1 retry waiting". */
export function progressSummary(progress: CampaignProgress): string {
  const finished = sum(progress.done) + sum(progress.skipped) + progress.canceled;
  const parts = [`${finished} of ${progress.total} finished`];
  if (progress.live) parts.push(`${progress.live} live`);
  if (progress.retries_waiting) parts.push(`${progress.retries_waiting} ${progress.retries_waiting === 1 ? 'retry' : 'retries'} waiting`);
  if (progress.pending) parts.push(`${progress.pending} not yet called`);
  return parts.join(' · ');
}

export function CampaignProgressView({ progress }: { progress: CampaignProgress }) {
  const finished = sum(progress.done) + sum(progress.skipped) + progress.canceled;
  const percent = progress.total ? Math.round((finished / progress.total) * 100) : 0;
  const counts: [string, number][] = [
    ['Not yet called', progress.pending],
    ['Live', progress.live],
    ['Retries waiting', progress.retries_waiting],
    ...Object.entries(progress.done).map(([key, n]): [string, number] => [`Done: ${label(key)}`, n]),
    ...Object.entries(progress.skipped).map(([key, n]): [string, number] => [`Skipped: ${label(key)}`, n]),
    ...(progress.canceled ? [['Canceled', progress.canceled] as [string, number]] : []),
    ['Calls placed', progress.calls],
  ];
  return (
    <div data-testid="campaign-progress">
      <p className="progress-line" aria-live="polite">{progressSummary(progress)}</p>
      <progress className="progress" max={100} value={percent} aria-label={`${percent}% of the contacts finished`}>{percent}%</progress>
      <dl className="counts">
        {counts.map(([name, n]) => (
          <div key={name} data-count={name}><dt>{name}</dt><dd>{n}</dd></div>
        ))}
      </dl>
    </div>
  );
}
