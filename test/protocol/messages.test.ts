/** The generated message types (src/protocol/messages.ts) match the definitions; `-u` regenerates them. */
import { expect, it } from 'vitest';
import { generateMessageTypes } from './tools/generate-types.js';

it('src/protocol/messages.ts is generated from the current definitions', async () => {
  await expect(generateMessageTypes()).toMatchFileSnapshot('../../src/protocol/messages.ts');
});
