/** The agent's config file: what it accepts as given, and messages that name the field for what it refuses. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadAgentConfig, parseAgentConfig } from '../src/config.js';
import { EXAMPLE_CONFIG } from './support/cli.js';

function configError(value: unknown): string {
  try {
    parseAgentConfig(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('agent config', () => {
  const valid = {
    job_types: ['render', 'llm'],
    prices: { render_minute_urtc: '250000', llm_1k_tokens_urtc: '2000' },
    benchmark_score: 35.6,
  };

  it('accepts the example config', () => {
    const config = loadAgentConfig(EXAMPLE_CONFIG);
    expect(config.job_types.length).toBeGreaterThan(0);
  });

  it('accepts a valid config as given', () => {
    expect(parseAgentConfig(valid)).toStrictEqual(valid);
  });

  it('requires a price for each served job type', () => {
    expect(configError({ ...valid, prices: { render_minute_urtc: '250000' } })).toContain(
      'prices.llm_1k_tokens_urtc: is required because job_types includes "llm"',
    );
  });

  it('refuses a price or a model list for a job type not served', () => {
    expect(configError({ ...valid, prices: { ...valid.prices, stt_minute_urtc: '100' } })).toContain(
      'prices.stt_minute_urtc: is set but job_types does not include "stt"',
    );
    expect(configError({ ...valid, tts_models: ['xtts-v2'] })).toContain(
      'tts_models: is set but job_types does not include "tts"',
    );
  });

  it('refuses prices that are not positive digit strings', () => {
    for (const price of ['1.5', 250000, '-1', '0', '007', '1e6', '8388608000001']) {
      expect(configError({ ...valid, prices: { ...valid.prices, render_minute_urtc: price } })).toContain(
        'prices.render_minute_urtc:',
      );
    }
  });

  it('refuses unknown job types, unknown keys and a missing benchmark', () => {
    expect(configError({ ...valid, job_types: ['render', 'video'] })).toContain(
      'job_types.1: must be one of render, tts, stt, llm',
    );
    expect(configError({ ...valid, price: {} })).toMatch(/price/);
    const { benchmark_score: _, ...noBenchmark } = valid;
    expect(configError(noBenchmark)).toMatch(/benchmark_score.*benchmark_scores/);
    expect(configError({ ...valid, benchmark_score: -3 })).toContain('benchmark_score:');
  });

  it('reports a file that is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agent-config-')), 'bad.json');
    writeFileSync(file, '{ job_types: [] }');
    expect(() => loadAgentConfig(file)).toThrow(/is not valid JSON/);
  });
});
