/** A campaign's contacts in list order: status, result, and each attempt linking to its call. */
import { Link } from 'react-router';
import type { CampaignContact } from '../../types';
import { StatusBadge, Time } from '../../ui';

function contactName(contact: CampaignContact): string {
  return [contact.first_name, contact.last_name].filter(Boolean).join(' ');
}

export function ContactsTable({ contacts }: { contacts: readonly CampaignContact[] }) {
  return (
    <div className="table-wrap">
      <table className="stack" data-testid="contacts">
        <thead><tr><th scope="col">Number</th><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Next</th></tr></thead>
        <tbody>
          {contacts.map((contact) => (
            <tr key={contact.id} data-contact-phone={contact.phone}>
              <td data-label="Number" className="mono">{contact.phone}</td>
              <td data-label="Name">{contactName(contact) || <span className="muted">—</span>}</td>
              <td data-label="Status">
                <StatusBadge status={contact.status} />
                {contact.result && contact.result !== contact.status ? <span className="muted small"> {contact.result.replace(/_/g, ' ')}</span> : null}
              </td>
              <td data-label="Attempts">
                {contact.calls.length === 0 ? <span className="muted">none yet</span> : null}
                <ol className="attempts">
                  {contact.calls.map((call) => (
                    <li key={call.call_id}>
                      <Link to={`/calls/${call.call_id}`} aria-label={`Attempt ${call.attempt ?? ''} to ${contact.phone}: ${call.status.replace(/_/g, ' ')}`}>#{call.attempt ?? '?'}</Link>{' '}
                      <StatusBadge status={call.status} />
                    </li>
                  ))}
                </ol>
              </td>
              <td data-label="Next">
                {contact.next_attempt_at ? <Time at={contact.next_attempt_at} /> : <span className="muted">—</span>}
                {contact.held_reason ? <span className="muted small"> (held: {contact.held_reason.replace(/_/g, ' ')})</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
