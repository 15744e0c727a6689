/**
 * "Did you mean": the edit distance (a swap of neighbours is one edit) and the
 * nearest known name, which prefers a difference of case and stays silent when
 * nothing is close.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance, nearestName } from '../../policies/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    assert.equal(editDistance('strict', 'strict'), 0);
    assert.equal(editDistance('strict', 'stric'), 1);
    assert.equal(editDistance('strict', 'strictt'), 1);
    assert.equal(editDistance('strict', 'strist'), 1);
    assert.equal(editDistance('strict', 'strcit'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});

describe('nearestName', () => {
  const known = ['ingest', 'strict', 'sleeves'];
  it('names the close one', () => {
    assert.equal(nearestName('strcit', known), 'strict');
    assert.equal(nearestName('stirct', known), 'strict');
    assert.equal(nearestName('ingets', known), 'ingest');
    assert.equal(nearestName('sleeve', known), 'sleeves');
  });
  it('prefers a name that differs only in case', () => {
    assert.equal(nearestName('STRICT', known), 'strict');
    assert.equal(nearestName('Ma-Long', ['ma-lung', 'ma-long']), 'ma-long');
  });
  it('is silent when nothing is close, or the name itself is known', () => {
    assert.equal(nearestName('quantum', known), undefined);
    assert.equal(nearestName('ab', ['xy']), undefined);
    assert.equal(nearestName('strict', known), undefined);
    assert.equal(nearestName('anything', []), undefined);
  });
});
