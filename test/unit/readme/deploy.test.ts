import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runInShell } from '../../support/shell';

// README.md "Deploy to AWS": `npm run package` (with the API key's SSM parameter named: without a key it
// refuses) builds the deployable zips and the template offline, and lints the template with cfn-lint where
// installed.
describe('README "Deploy to AWS"', () => {
  it('npm run package writes the three function zips and the CloudFormation template into .serverless/', async () => {
    // Act
    const run = await runInShell('API_KEY_SSM_PARAMETER=/valuecast/dev/api-key npm run package');

    // Assess
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Packaged into \.serverless\/ in [\d.]+ s/);
    expect(run.stdout).toMatch(/cfn-lint: template clean|cfn-lint is not installed: template lint skipped/);
    const out = path.join(PROJECT_ROOT, '.serverless');
    for (const fn of ['preprocess', 'train', 'predict'])
      expect(existsSync(path.join(out, `${fn}.zip`)), fn).toBe(true);
    const template = JSON.parse(
      readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string }> };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(3);
  }, 900_000);
});
