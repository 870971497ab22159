import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type BlobBody,
  type BlobInfo,
  BlobNotFoundError,
  type BlobStore,
  type OpenedBlob,
  PreconditionFailedError,
  type PutOptions,
} from './blob-store';

/** What {@link createS3Client} needs to know about where S3 is. */
export interface S3Location {
  /** A custom endpoint such as the local S3 server (`http://127.0.0.1:4569`); unset on AWS. */
  s3Endpoint?: string;
  region?: string;
}

/** Credentials the local S3 server (s3rver) accepts. */
const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * An S3 client for AWS, or for a local S3 server when `s3Endpoint` is set. A local server needs
 * path-style addressing (no bucket subdomains on 127.0.0.1) and checksums only when required: with
 * the SDK's default (`WHEN_SUPPORTED`) streamed uploads are sent aws-chunked and s3rver stores the
 * chunk framing as part of the object. Local credentials apply unless the environment provides some.
 */
export function createS3Client(location: S3Location = {}): S3Client {
  const region = location.region ?? 'us-east-1';
  if (!location.s3Endpoint) return new S3Client({ region: location.region });
  const hasEnvCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY);
  return new S3Client({
    region,
    endpoint: location.s3Endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(hasEnvCredentials ? {} : { credentials: localCredentials }),
  });
}

export interface S3BlobStoreOptions {
  /**
   * Also check `ifMatch` with a HEAD before writing. For servers that ignore conditional-write headers
   * (s3rver, behind the local stack, stores the object whatever `If-Match` says): this catches a
   * stale writer, though not two writers racing between the HEAD and the PUT. S3 itself needs no help.
   */
  emulateConditionalWrites?: boolean;
}

/**
 * The store of the data bucket as configured: S3 on AWS, the local S3 server when `s3Endpoint` is set
 * (where conditional writes are emulated, see {@link S3BlobStoreOptions}).
 */
export function createS3BlobStore(config: S3Location & { dataBucket: string }): S3BlobStore {
  return new S3BlobStore(createS3Client(config), config.dataBucket, {
    emulateConditionalWrites: Boolean(config.s3Endpoint),
  });
}

/** Bodies at or above this size are uploaded in parts, in parallel. */
const partSize = 8 * 1024 * 1024;

/**
 * A {@link BlobStore} over one S3 bucket. Streams are uploaded with `@aws-sdk/lib-storage` (multipart
 * above {@link partSize}, so memory stays bounded whatever the size); `ifMatch` uses S3 conditional
 * writes (`If-Match` / `If-None-Match: *`), so a lost race surfaces as {@link PreconditionFailedError}.
 */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly options: S3BlobStoreOptions = {},
  ) {}

  async head(key: string): Promise<BlobInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        size: out.ContentLength ?? 0,
        etag: out.ETag ?? '',
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (e: unknown) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async open(key: string): Promise<OpenedBlob> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        body: out.Body instanceof Readable ? out.Body : Readable.from([]),
        info: {
          key,
          size: out.ContentLength ?? 0,
          etag: out.ETag ?? '',
          lastModified: out.LastModified ?? new Date(0),
          ...(out.VersionId !== undefined && out.VersionId !== 'null' && { versionId: out.VersionId }),
        },
      };
    } catch (e: unknown) {
      if (isNotFound(e)) throw new BlobNotFoundError(key);
      throw e;
    }
  }

  async put(key: string, body: BlobBody, options: PutOptions = {}): Promise<void> {
    const params = {
      Bucket: this.bucket,
      Key: key,
      ContentType: options.contentType,
      ...conditionOf(options.ifMatch),
    };
    if (this.options.emulateConditionalWrites && options.ifMatch !== undefined) {
      const current = await this.head(key);
      if ((current?.etag ?? null) !== options.ifMatch) throw new PreconditionFailedError(key);
    }
    try {
      if (body instanceof Readable) {
        await new Upload({ client: this.client, params: { ...params, Body: body }, partSize }).done();
      } else {
        await this.client.send(new PutObjectCommand({ ...params, Body: body }));
      }
    } catch (e: unknown) {
      if (isPreconditionFailed(e)) throw new PreconditionFailedError(key);
      throw e;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          etag: item.ETag ?? '',
          lastModified: item.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

function conditionOf(ifMatch: string | null | undefined): { IfMatch?: string; IfNoneMatch?: string } {
  if (ifMatch === undefined) return {};
  return ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch };
}

/** The HTTP status of an SDK error; duck-typed because a bundle may hold another copy of the SDK. */
function statusOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null || !('$metadata' in e)) return undefined;
  const metadata = (e as Pick<S3ServiceException, '$metadata'>).$metadata;
  return metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  return statusOf(e) === 404;
}

function isPreconditionFailed(e: unknown): boolean {
  // 409 ConditionalRequestConflict: a concurrent conditional write to the same key won on S3.
  const status = statusOf(e);
  return status === 412 || status === 409;
}
