import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { METRIC } from '../../functions/shared/telemetry';
import { lintTemplate, PackagingError, packageService } from '../../scripts/package';
import { zipEntries, zipEntry } from '../support/zip-entries';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
/** A statement CloudFormation adds only under a condition: `{"Fn::If": [condition, statement, NoValue]}`. */
type ConditionalStatement = { 'Fn::If': [string, Statement, unknown] };
// biome-ignore lint/suspicious/noExplicitAny: the template is loose JSON, read by path in assertions
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

const outDir = mkdtemp(path.join(tmpdir(), 'valuecast-package-'));

/** This environment without an API key, so the packaged template is the one without one. */
const { API_KEY: _key, API_KEY_SSM_PARAMETER: _parameter, ...keylessEnv } = process.env;

function statementsOf(template: Template, role: string): (Statement | ConditionalStatement)[] {
  return template.Resources[role]?.Properties.Policies[0].PolicyDocument.Statement;
}

/** Every S3 action a role allows, as `action resource` strings with the bucket ARN prefix dropped. */
function s3Grants(template: Template, role: string): string[] {
  const statements = statementsOf(template, role).filter((s): s is Statement => 'Action' in s);
  return statements.flatMap((s) => {
    const actions = ([] as string[]).concat(s.Action).filter((a) => a.startsWith('s3:'));
    const resources = ([] as unknown[])
      .concat(s.Resource)
      .map((r) =>
        String((r as { 'Fn::Sub': string })['Fn::Sub']).replace(
          /^arn:\$\{AWS::Partition\}:s3:::valuecast-dev-data/,
          '',
        ),
      );
    return actions.flatMap((a) => resources.map((r) => `${a} ${r || '(bucket)'}`));
  });
}

describe('npm run package', () => {
  afterAll(async () => rm(await outDir, { recursive: true, force: true }));

  it('builds a template with the secured bucket, three functions (no local-only ping) and least-privilege roles', async () => {
    // Act
    const templatePath = packageService({
      stage: 'dev',
      outDir: await outDir,
      params: { apiAccess: 'open' },
      env: keylessEnv,
    });
    const template: Template = JSON.parse(await readFile(templatePath, 'utf8'));

    // Assess
    const bucket = template.Resources.S3BucketData?.Properties ?? {};
    expect(bucket.BucketName).toBe('valuecast-dev-data');
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'AES256',
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(
      functions.map((f) => [f.Properties.FunctionName, f.Properties.Runtime, f.Properties.Role]),
    ).toEqual([
      ['valuecast-dev-preprocess', 'nodejs22.x', { 'Fn::GetAtt': ['PreprocessRole', 'Arn'] }],
      ['valuecast-dev-train', 'nodejs22.x', { 'Fn::GetAtt': ['TrainRole', 'Arn'] }],
      ['valuecast-dev-predict', 'nodejs22.x', { 'Fn::GetAtt': ['PredictRole', 'Arn'] }],
    ]);
    // Ingestion builds its outputs in /tmp: the preprocess function gets more than the 512 MB default.
    expect(functions[0]?.Properties.EphemeralStorage).toEqual({ Size: 4096 });
    // Every object under uploads/ triggers preprocessing, whatever the case of its suffix (S3's suffix
    // filters are case-sensitive: `.CSV` never triggered); the handler skips what is no upload.
    expect(bucket.NotificationConfiguration.LambdaConfigurations).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Function: { 'Fn::GetAtt': ['PreprocessLambdaFunction', 'Arn'] },
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
      },
    ]);
    expect(s3Grants(template, 'PreprocessRole').sort()).toEqual(
      [
        's3:ListBucket (bucket)',
        's3:GetObject /uploads/*',
        's3:GetObject /reports/ingest/*',
        ...['normalized', 'quarantine', 'reports/ingest'].flatMap((p) => [
          `s3:PutObject /${p}/*`,
          `s3:DeleteObject /${p}/*`,
        ]),
      ].sort(),
    );
    expect(s3Grants(template, 'TrainRole').sort()).toEqual(
      [
        's3:ListBucket (bucket)',
        's3:GetObject /normalized/*',
        's3:GetObject /reports/ingest/*',
        's3:GetObject /models/*',
        's3:PutObject /models/*',
      ].sort(),
    );
    expect(s3Grants(template, 'PredictRole').sort()).toEqual(
      ['s3:ListBucket (bucket)', 's3:GetObject /models/*'].sort(),
    );
    const roles = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    expect(roles.map(([id]) => id).sort()).toEqual(['PredictRole', 'PreprocessRole', 'TrainRole']);
  });

  it('lets the predict role read the API key parameter only, and only when one is configured', async () => {
    // Act: packaged above without API_KEY_SSM_PARAMETER in the environment.
    const template = JSON.parse(
      await readFile(path.join(await outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    );

    // Assess: the grants exist only under conditions on the (empty by default) template parameters.
    const conditional = statementsOf(template, 'PredictRole').filter(
      (s): s is ConditionalStatement => 'Fn::If' in s,
    );
    expect(conditional.map((s) => [s['Fn::If'][0], s['Fn::If'][1].Action, s['Fn::If'][2]])).toEqual([
      ['ApiKeyInSsm', 'ssm:GetParameter', { Ref: 'AWS::NoValue' }],
      ['ApiKeyCustomerKmsKey', 'kms:Decrypt', { Ref: 'AWS::NoValue' }],
    ]);
    const parameterArn = conditional[0]?.['Fn::If'][1].Resource as { 'Fn::Sub': string } | undefined;
    expect(parameterArn?.['Fn::Sub']).toMatch(
      /^arn:\$\{AWS::Partition\}:ssm:\$\{AWS::Region\}:\$\{AWS::AccountId\}:parameter\$\{ApiKeySsmParameter\}$/,
    );
    expect(template.Parameters.ApiKeySsmParameter.Default).toBe('');
    expect(template.Conditions.ApiKeyInSsm).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ApiKeySsmParameter' }, ''] }],
    });
  });

  it('puts in each zip the runtime files its code reads, and no others', async () => {
    // Arrange: the files scripts/esbuild-plugins.cjs copies into the one build folder all bundles share.
    const entries = async (fn: string) => zipEntries(path.join(await outDir, `${fn}.zip`));
    const runtimeFiles = async (fn: string) =>
      (await entries(fn))
        .filter((name) => !/\.js(\.map)?$/.test(name) || name.endsWith('chart.umd.min.js'))
        .filter((name) => !name.startsWith('functions/node_modules/') && !name.startsWith('functions/sql/'))
        .sort();
    const wasm = [
      'functions/tfjs-backend-wasm-simd.wasm',
      'functions/tfjs-backend-wasm-threaded-simd.wasm',
      'functions/tfjs-backend-wasm.wasm',
    ];
    // (serverless keeps LICENSE files whatever the patterns say: the code is what must not be there.)
    const duckdb = (names: string[]) =>
      names.filter((name) => /^functions\/(node_modules\/.*\.(js|node|so)|sql\/.*)$/.test(name));

    const sql = readdirSync(path.resolve(__dirname, '../../sql'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => `functions/sql/${f.split(path.sep).join('/')}`)
      .sort();

    // Assess: ingest runs no TF.js and renders no report; serving runs TF.js; training does both.
    expect(await runtimeFiles('preprocess')).toEqual([]);
    expect(await runtimeFiles('predict')).toEqual(wasm);
    expect(await runtimeFiles('train')).toEqual(['functions/chart.umd.min.js', ...wasm]);
    // DuckDB: preprocess and train carry the loader, the binding of the deployed architecture and every
    // query of sql/; predict opens no DuckDB.
    for (const fn of ['preprocess', 'train']) {
      const names = await entries(fn);
      expect(names).toEqual(
        expect.arrayContaining([
          'functions/node_modules/@duckdb/node-bindings/duckdb.js',
          'functions/node_modules/detect-libc/package.json',
          'functions/node_modules/@duckdb/node-bindings-linux-arm64/duckdb.node',
          'functions/node_modules/@duckdb/node-bindings-linux-arm64/libduckdb.so',
        ]),
      );
      expect(names.filter((n) => n.startsWith('functions/sql/')).sort()).toEqual(sql);
      expect(names.filter((n) => /node-bindings-(linux-x64|darwin|win32)/.test(n))).toEqual([]);
    }
    expect(duckdb(await entries('predict'))).toEqual([]);
  });

  it('carries an aarch64 DuckDB binding, the architecture the functions are deployed on', async () => {
    // Act: the ELF header of the binding in the preprocess zip (e_machine at byte 18; 0xB7 is AArch64).
    const zip = path.join(await outDir, 'preprocess.zip');
    const binding = zipEntry(zip, 'functions/node_modules/@duckdb/node-bindings-linux-arm64/duckdb.node');
    const template = JSON.parse(
      await readFile(path.join(await outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;

    // Assess
    expect(binding?.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binding?.readUInt16LE(18)).toBe(0xb7);
    const architectures = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Architectures);
    expect(architectures).toEqual([['arm64'], ['arm64'], ['arm64']]);
  });

  it('refuses to package an API without a key unless apiAccess=open says so, with one line saying what to do', async () => {
    // Act
    let refusal: unknown;
    try {
      packageService({ stage: 'dev', outDir: path.join(tmpdir(), 'never'), env: keylessEnv });
    } catch (e: unknown) {
      refusal = e;
    }

    // Assess
    expect(refusal).toBeInstanceOf(PackagingError);
    expect((refusal as Error).message).toMatch(
      /^serverless package failed: the API would be open to anyone: deploy with API_KEY_SSM_PARAMETER=\/valuecast\/<stage>\/api-key \(or API_KEY=\.\.\.\) in the environment, or pass --param="apiAccess=open" to open it on purpose$/,
    );
  });

  it('routes failed asynchronous invocations to a queue, bounds concurrency and the API rate, and alarms', async () => {
    // Act
    const template = JSON.parse(
      await readFile(path.join(await outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    );
    const resources: Template['Resources'] = template.Resources;
    const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

    // Assess: the on-failure destination of preprocess and train, and only they may send to it.
    expect(resources.FailedEventsQueue?.Properties).toMatchObject({
      QueueName: 'valuecast-dev-failed-events',
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
    expect(
      ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => [
        r.Properties.FunctionName,
        r.Properties.MaximumRetryAttempts,
        r.Properties.DestinationConfig.OnFailure.Destination,
      ]),
    ).toEqual(
      ['PreprocessLambdaFunction', 'TrainLambdaFunction'].map((fn) => [
        { Ref: fn },
        2,
        { 'Fn::GetAtt': ['FailedEventsQueue', 'Arn'] },
      ]),
    );
    const sends = (role: string) =>
      statementsOf(template, role).filter((s) => 'Action' in s && s.Action === 'sqs:SendMessage');
    expect([sends('PreprocessRole').length, sends('TrainRole').length, sends('PredictRole').length]).toEqual([
      1, 1, 0,
    ]);
    // Concurrency and the API's throttling.
    expect(ofType('AWS::Lambda::Function').map(([, r]) => r.Properties.ReservedConcurrentExecutions)).toEqual(
      [5, 2, 20],
    );
    expect(resources.HttpApiStage?.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    // The bucket: versioned, TLS only, quarantine and old versions expire.
    const bucket = resources.S3BucketData?.Properties ?? {};
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Prefix: 'quarantine/', ExpirationInDays: 90, Status: 'Enabled' }),
      expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
    ]);
    expect(resources.S3BucketDataPolicy?.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
    // Alarms: every function's errors, the queue's depth, and each metric they watch is one the functions emit.
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const watched = alarms.map(
      (a) => `${a.Namespace} ${a.MetricName} ${JSON.stringify(a.Dimensions[0].Value)}`,
    );
    expect(watched).toEqual(
      expect.arrayContaining([
        ...['Preprocess', 'Train', 'Predict'].map((fn) => `AWS/Lambda Errors {"Ref":"${fn}LambdaFunction"}`),
        'AWS/SQS ApproximateNumberOfMessagesVisible {"Fn::GetAtt":["FailedEventsQueue","QueueName"]}',
      ]),
    );
    const emitted = new Set<string>(Object.values(METRIC));
    const custom = alarms.filter((a) => a.Namespace === 'valuecast');
    expect(custom.map((a) => a.MetricName).sort()).toEqual([
      'ApiInternalError',
      'ChampionLoadFailed',
      'TrainingFailed',
    ]);
    for (const alarm of custom) {
      expect(emitted.has(alarm.MetricName), alarm.MetricName).toBe(true);
      expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: 'valuecast-dev' }]);
    }
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('passes cfn-lint where it is installed', async () => {
    // Act
    const lint = lintTemplate(path.join(await outDir, 'cloudformation-template-update-stack.json'));

    // Assess
    if (lint.skipped) console.log('cfn-lint is not installed: template lint skipped');
    else expect(lint, lint.output).toMatchObject({ ok: true });
  });
});
