import React from 'react';

/** One numbered setup step: the title, the description, and per platform the instructions
 * and the commands to type, as a book's custom component shows them. */
export default function InstallationStep({stepNumber, title, description, platforms = {}}) {
  return (
    <section className="installation-step">
      <h4>
        Step {stepNumber}: {title}
      </h4>
      <p>{description}</p>
      {Object.entries(platforms).map(([name, platform]) => (
        <div key={name}>
          <strong>{name}</strong>
          <p>{platform.instructions}</p>
          <ul>
            {(platform.commands || []).map((c) => (
              <li key={c.command}>
                <code>{c.command}</code> {c.description}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
