import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
// The rules `npm run layers` enforces (dependency-cruiser's configuration is plain CommonJS).
const config = require(path.join(root, '.dependency-cruiser.cjs')) as {
  forbidden: { name: string; severity: string }[];
};
const architecture = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');

describe('docs/architecture.md and .dependency-cruiser.cjs', () => {
  it('names every rule npm test enforces, and no rule it does not', () => {
    // Prepare
    const enforced = config.forbidden.map((rule) => rule.name).sort();
    const documented = [...architecture.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((m) => m[1]).sort();

    // Assess
    expect(documented).toEqual(enforced);
    expect(config.forbidden.every((rule) => rule.severity === 'error')).toBe(true);
  });
});
