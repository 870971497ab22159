import { GetParameterCommand, type GetParameterCommandOutput, SSMClient } from '@aws-sdk/client-ssm';
import type { SecureParameterReader } from './api-key';

/** The part of an SSM client the reader uses (the real `SSMClient`, or a fake in tests). */
export interface SsmGetParameter {
  send(command: GetParameterCommand): Promise<GetParameterCommandOutput>;
}

/**
 * Reads SecureString parameters with one `GetParameter` call each, decrypted (the role needs
 * `ssm:GetParameter` on the parameter, and `kms:Decrypt` when a customer-managed key encrypts it).
 * Loaded only when a parameter is configured: see functions/predict.ts.
 */
export function ssmParameterReader(client: SsmGetParameter = new SSMClient({})): SecureParameterReader {
  return async (name) =>
    (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
}
