// The kafkajs codec plugins the compat tests use: kafkajs-snappy (pure JS) and kafkajs-lz4. kafkajs-lz4 rests
// on the `lz4` package, a node-gyp addon built for the Node that ran `npm install`; under another Node (CI
// reruns the TypeScript tests under Node 24) it does not load, and the lz4 cases skip.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const SnappyCodec = require('kafkajs-snappy') as () => unknown;

export type LZ4CodecClass = new () => { codec: () => unknown };

export const LZ4Codec: LZ4CodecClass | undefined = (() => {
  try {
    return require('kafkajs-lz4') as LZ4CodecClass;
  } catch {
    return undefined;
  }
})();
