import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `presented` equals `expected`, in time independent of where they differ. Both are hashed
 * first so the buffers compared have equal length whatever was presented (timingSafeEqual needs that),
 * and the length of the key does not leak either.
 */
export function apiKeyMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
