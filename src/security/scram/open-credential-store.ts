/**
 * The broker's SCRAM credential store: a file when `gregor.scram.credentials.file` names one (the operator's
 * choice), else the cluster metadata store, into which a `scram-credentials.json` of the metadata dir (the
 * format before) is moved once.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { metadataDirOf } from '../../cluster/cluster-metadata.js';
import type { OpenPrefix } from '../../cluster/store/watched-prefix.js';
import type { BrokerConfig } from '../../config/broker-config.js';
import type { ScramCredentialChange, ScramCredentialStore } from './credential-store.js';
import { FileScramCredentialStore, SCRAM_CREDENTIALS_FILE } from './file-credential-store.js';
import { MetadataScramCredentialStore } from './metadata-credential-store.js';

/** What a `scram-credentials.json` becomes once its credentials are in the metadata store. */
export const MIGRATED_SCRAM_CREDENTIALS_FILE = `${SCRAM_CREDENTIALS_FILE}.migrated`;

/** `openCredentials` opens the metadata store's `scram/` prefix. */
export async function openScramCredentialStore(config: BrokerConfig, openCredentials: OpenPrefix): Promise<ScramCredentialStore> {
  if (config.has('gregor.scram.credentials.file')) return FileScramCredentialStore.open(config.string('gregor.scram.credentials.file'));
  const store = await MetadataScramCredentialStore.open(openCredentials);
  const dir = metadataDirOf(config);
  const legacy = await FileScramCredentialStore.open(join(dir, SCRAM_CREDENTIALS_FILE));
  const changes: ScramCredentialChange[] = [];
  for (const [user, credentials] of legacy.users()) {
    for (const [mechanism, credential] of credentials) if (!store.credential(user, mechanism)) changes.push({ type: 'upsert', user, mechanism, credential });
  }
  if (changes.length > 0) await store.apply(changes);
  await rename(legacy.path, join(dir, MIGRATED_SCRAM_CREDENTIALS_FILE)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  return store;
}
