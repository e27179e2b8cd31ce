import React from 'react';

/** Problems, their causes and their fixes, each in a <details> the reader opens. */
export default function TroubleshootingAccordion({entries = []}) {
  return (
    <div className="troubleshooting">
      {entries.map((entry) => (
        <details key={entry.id}>
          <summary>{entry.problem}</summary>
          <p>Cause: {entry.cause}</p>
          <ul>
            {(entry.solutions || []).map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </details>
      ))}
    </div>
  );
}
