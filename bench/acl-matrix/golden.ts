/**
 * The ACL matrix's golden file (Kafka's recorded answers and the differences gregor is known to have) and
 * the comparison of a broker's answers with a reference, cell by cell and probe by probe.
 */
import type { CellAnswers, MatrixAnswers } from './matrix.js';

/** Where the golden file lives, from the repository root. */
export const goldenPath = 'test/security/acl-matrix/kafka-4.4.json';

/** Where Kafka answers a probe with `kafka`, gregor answers exactly `gregor` instead, for the reason given. */
export interface KnownDifference {
  readonly probe: string;
  readonly kafka: readonly (number | string)[];
  readonly gregor: readonly (number | string)[];
  readonly reason: string;
}

export interface MatrixGolden {
  readonly broker: string;
  readonly regenerate: string;
  readonly knownDifferences: readonly KnownDifference[];
  readonly cells: MatrixAnswers;
}

export interface Mismatch {
  readonly cell: string;
  readonly probe: string;
  readonly expected: readonly (number | string)[] | undefined;
  readonly actual: readonly (number | string)[] | undefined;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function expectedAnswer(probe: string, reference: CellAnswers, known: readonly KnownDifference[]) {
  const difference = known.find((d) => d.probe === probe && same(d.kafka, reference[probe]));
  return difference ? difference.gregor : reference[probe];
}

/** Every (cell, probe) whose answer differs from the reference's, after the known differences. */
export function compareAnswers(actual: MatrixAnswers, reference: MatrixAnswers, known: readonly KnownDifference[] = []): Mismatch[] {
  const mismatches: Mismatch[] = [];
  const cells = new Set([...Object.keys(reference), ...Object.keys(actual)]);
  for (const cell of cells) {
    const probes = new Set([...Object.keys(reference[cell] ?? {}), ...Object.keys(actual[cell] ?? {})]);
    for (const probe of probes) {
      const expected = expectedAnswer(probe, reference[cell] ?? {}, known);
      const answer = actual[cell]?.[probe];
      if (!same(expected, answer)) mismatches.push({ cell, probe, expected, actual: answer });
    }
  }
  return mismatches;
}

/** The golden file's text: one line per probe of a cell and per known difference, so a change reads as a diff of the cells it touches. */
export function formatGolden(golden: MatrixGolden): string {
  const cells = Object.entries(golden.cells).map(([cell, answers]) => {
    const probes = Object.entries(answers).map(([probe, answer]) => `   ${JSON.stringify(probe)}: ${JSON.stringify(answer)}`);
    return `  ${JSON.stringify(cell)}: {\n${probes.join(',\n')}\n  }`;
  });
  return [
    '{',
    ` "broker": ${JSON.stringify(golden.broker)},`,
    ` "regenerate": ${JSON.stringify(golden.regenerate)},`,
    ` "knownDifferences": [\n${golden.knownDifferences.map((d) => `  ${JSON.stringify(d)}`).join(',\n')}\n ],`,
    ` "cells": {\n${cells.join(',\n')}\n }`,
    '}',
    '',
  ].join('\n');
}
