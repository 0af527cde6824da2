/** A configuration problem; the message names every variable at fault and why. */
export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; reason: string }[]) {
    super('Invalid configuration: ' + problems.map((p) => `${p.variable} ${p.reason}`).join('; '));
    this.name = 'ConfigError';
  }
}
