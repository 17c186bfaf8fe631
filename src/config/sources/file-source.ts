/** Settings from a config file: a Kafka server.properties read as is, each entry remembering its file and line. */
import { readFile } from 'node:fs/promises';
import { parseProperties, PropertiesSyntaxError } from './properties.js';
import type { SourcedSetting } from './setting.js';

export class ConfigFileError extends Error {
  constructor(path: string, why: string) {
    super(`config file ${path}: ${why}`);
    this.name = 'ConfigFileError';
  }
}

export async function readConfigFile(path: string): Promise<SourcedSetting[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigFileError(path, (error as Error).message);
  }
  try {
    return parseProperties(text).map(({ key, value, line }) => ({ key, value, origin: `${path}:${line}` }));
  } catch (error) {
    if (error instanceof PropertiesSyntaxError) throw new ConfigFileError(path, error.message);
    throw error;
  }
}
