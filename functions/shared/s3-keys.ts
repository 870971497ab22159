import type { S3EventRecord } from 'aws-lambda';

/** The object key of an S3 event record: S3 sends keys URL-encoded, with spaces as `+`. */
export function objectKeyOf(record: S3EventRecord): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
}
