/** The opaque cursor of `gpuNodes` pages: base64url of "GpuNode:" and the last node's minerId. */
import { InvalidInputError } from '../domain/errors.js';
import { addressField } from '../domain/fields.js';

const PREFIX = 'GpuNode:';

export const encodeNodeCursor = (minerId: string) => Buffer.from(`${PREFIX}${minerId}`).toString('base64url');

/** The minerId a cursor stands for; anything this API did not hand out is INVALID_INPUT. */
export function decodeNodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const minerId = addressField.safeParse(text.slice(PREFIX.length));
  if (!text.startsWith(PREFIX) || !minerId.success) throw new InvalidInputError('after is not a gpuNodes cursor');
  return minerId.data;
}
