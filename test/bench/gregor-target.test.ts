import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../bench/lib/paths.js';
import { environmentVariable, nodeFlagsOf, startNodeFlags } from '../../bench/targets/gregor.js';
import { keyForVariable } from '../../src/config/sources/env-source.js';

describe('gregor target Node flags', () => {
  it('reads the flags between node and the script', () => {
    expect(nodeFlagsOf('node --a=1 --b dist/src/cli/main.js serve --config x')).toEqual(['--a=1', '--b']);
    expect(nodeFlagsOf('node dist/src/cli/main.js serve --flag')).toEqual([]);
    expect(nodeFlagsOf('#!/usr/bin/env -S node --a=1')).toEqual(['--a=1']);
    expect(nodeFlagsOf('tsx src/cli/main.ts')).toEqual([]);
  });

  it('starts gregor serve with the flags of npm start, the same as the executable’s shebang line', () => {
    const shebang = readFileSync(join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0]!;
    expect(shebang.startsWith('#!')).toBe(true);
    expect(startNodeFlags(REPO_ROOT)).toEqual(nodeFlagsOf(shebang));
    expect(startNodeFlags(REPO_ROOT).length).toBeGreaterThan(0);
  });
});

describe('gregor target settings', () => {
  it('names each setting by the GREGOR_* variable that gregor reads back as the same key', () => {
    const keys = [
      'listeners',
      'listener.name.sasl_ssl.plain.sasl.jaas.config',
      'gregor.log.level',
      'gregor.flush.before.acks.all.enable',
      'log.segment.delete.delay.ms',
    ];
    for (const key of keys) expect(keyForVariable(environmentVariable(key))).toBe(key);
    expect(environmentVariable('listener.name.sasl_ssl.plain.sasl.jaas.config')).toBe('GREGOR_LISTENER_NAME_SASL__SSL_PLAIN_SASL_JAAS_CONFIG');
  });
});
