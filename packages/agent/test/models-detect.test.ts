/**
 * Model detection on folder trees built the way each tool leaves them (test/support/model-trees.ts) and on
 * `ollama list` fixtures (test/fixtures/model-tools): what each scanner finds, what it skips and why.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coquiModelName, coquiModelsDir, scanCoquiModels } from '../src/models/detect-coqui.js';
import { huggingFaceHubDir, huggingFaceRepoId, scanHuggingFaceCache } from '../src/models/detect-huggingface.js';
import { scanModelFiles } from '../src/models/detect-model-files.js';
import { findOnPath, parseOllamaList, scanOllamaModels } from '../src/models/detect-ollama.js';
import type { ModelCandidate } from '../src/models/detect-scan.js';
import { modelMachine } from './support/model-trees.js';

const MODEL_TOOLS = join(import.meta.dirname, 'fixtures', 'model-tools');
const toolOutput = (name: string) => readFileSync(join(MODEL_TOOLS, name), 'utf8');

/** name → skip reason ('' when kept), for compact expectations. */
const byName = (candidates: ModelCandidate[]) => Object.fromEntries(candidates.map((c) => [c.name, c.skip ?? '']));

/** A folder holding an executable `ollama` script (a node script, as the real binary is not here). */
function fakeOllama(body: string): string {
  const bin = mkdtempSync(join(tmpdir(), 'agent-ollama-bin-'));
  writeFileSync(join(bin, 'ollama'), `#!${process.execPath}\n${body}\n`);
  chmodSync(join(bin, 'ollama'), 0o755);
  return bin;
}

describe('Hugging Face cache', () => {
  it('resolves the cache folder as huggingface_hub does', () => {
    expect(huggingFaceHubDir({ HF_HUB_CACHE: '/c/hub', HF_HOME: '/h' }, '/home/u')).toBe('/c/hub');
    expect(huggingFaceHubDir({ HF_HOME: '/h' }, '/home/u')).toBe('/h/hub');
    expect(huggingFaceHubDir({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/x/huggingface/hub');
    expect(huggingFaceHubDir({}, '/home/u')).toBe('/home/u/.cache/huggingface/hub');
  });

  it('names a repository folder org/name', () => {
    expect(huggingFaceRepoId('models--openai--whisper-large-v3')).toBe('openai/whisper-large-v3');
    expect(huggingFaceRepoId('models--gpt2')).toBe('gpt2');
    expect(huggingFaceRepoId('datasets--mozilla-foundation--common_voice_17_0')).toBeUndefined();
  });

  it('lists complete repositories at their snapshot and skips unfinished or weightless ones with the reason', async () => {
    const { hub } = modelMachine();
    const { candidates, notes } = await scanHuggingFaceCache(hub);
    expect(notes).toStrictEqual([]);
    expect(byName(candidates)).toStrictEqual({
      'coqui/XTTS-v2': '',
      'google-bert/bert-base-uncased': '',
      'meta-llama/Llama-3.1-8B-Instruct':
        'not installed: an unfinished download (1 blobs/*.incomplete); finish it or delete the folder',
      'mistralai/Mistral-7B-Instruct-v0.3': 'not installed: no weights file (.safetensors, .bin…) under snapshots/',
      'openai/whisper-large-v3': '',
      'Systran/faster-whisper-large-v3': '',
      'suno/bark': '',
    });
    const whisper = candidates.find((c) => c.name === 'openai/whisper-large-v3')!;
    expect(whisper).toStrictEqual({
      source: 'huggingface',
      name: 'openai/whisper-large-v3',
      where: join(hub, 'models--openai--whisper-large-v3', 'snapshots', 'f1e2d3c4b5a6'),
    });
  });

  it('a missing cache is a note, not an error', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'agent-no-hub-')), 'hub');
    expect(await scanHuggingFaceCache(root)).toStrictEqual({
      candidates: [],
      notes: [{ source: 'huggingface', where: root, message: 'no Hugging Face cache here' }],
    });
  });
});

describe('Coqui TTS', () => {
  it('resolves its data folder as Coqui does', () => {
    expect(coquiModelsDir({ TTS_HOME: '/t', XDG_DATA_HOME: '/x' }, '/home/u', 'linux')).toBe('/t/tts');
    expect(coquiModelsDir({ XDG_DATA_HOME: '/x' }, '/home/u', 'linux')).toBe('/x/tts');
    expect(coquiModelsDir({}, '/home/u', 'linux')).toBe('/home/u/.local/share/tts');
    expect(coquiModelsDir({}, '/Users/u', 'darwin')).toBe('/Users/u/Library/Application Support/tts');
  });

  it('turns a folder name back into the model name ModelManager uses', () => {
    expect(coquiModelName('tts_models--multilingual--multi-dataset--xtts_v2')).toBe(
      'tts_models/multilingual/multi-dataset/xtts_v2',
    );
    expect(coquiModelName('tts_models--en--ljspeech--tacotron2-DDC')).toBe('tts_models/en/ljspeech/tacotron2-DDC');
    expect(coquiModelName('tts_models--en--ljspeech')).toBeUndefined();
    expect(coquiModelName('not-a-model.txt')).toBeUndefined();
  });

  it('lists TTS models with weights; vocoders and empty folders are skipped with the reason', async () => {
    const { coqui } = modelMachine();
    const { candidates, notes } = await scanCoquiModels(coqui);
    expect(notes).toStrictEqual([]);
    expect(byName(candidates)).toStrictEqual({
      'tts_models/de/thorsten/vits': 'not installed: no weights file (.pth, .safetensors…) in the folder',
      'tts_models/en/ljspeech/tacotron2-DDC': '',
      'tts_models/multilingual/multi-dataset/xtts_v2': '',
      'vocoder_models/en/ljspeech/hifigan_v2': 'a vocoder or voice-conversion part, not a model to serve',
    });
    expect(candidates.find((c) => c.name.endsWith('xtts_v2'))!.where).toBe(
      join(coqui, 'tts_models--multilingual--multi-dataset--xtts_v2'),
    );
  });
});

describe('whisper.cpp and GGUF files in model_dirs', () => {
  it('finds them two folders down, joins split GGUFs, and skips projectors, unfinished and empty files', async () => {
    const { modelDir } = modelMachine();
    const { candidates, notes } = await scanModelFiles([modelDir]);
    expect(notes).toStrictEqual([]);
    expect(byName(candidates)).toStrictEqual({
      'ggml-base.en': '',
      'ggml-large-v3': '',
      'Meta-Llama-3.1-8B-Instruct-Q4_K_M': '',
      'Qwen2.5-14B-Instruct-Q4_K_M': '',
      'mmproj-model-f16': 'a vision projector (mmproj), not a model on its own',
      'Mixtral-8x7B-Instruct-v0.1-Q4_K_M': '',
      'Llama-3.3-70B-Instruct-Q4_K_M': 'not installed: part 2 of 2 is missing',
      'Mistral-7B-Instruct-v0.3.Q4_K_M.gguf': 'not installed: an unfinished download',
      empty: 'an empty file',
    });
    expect(candidates.find((c) => c.name === 'ggml-large-v3')).toStrictEqual({
      source: 'whisper.cpp',
      name: 'ggml-large-v3',
      where: join(modelDir, 'whisper', 'ggml-large-v3.bin'),
    });
    expect(candidates.find((c) => c.name === 'Qwen2.5-14B-Instruct-Q4_K_M')!.source).toBe('gguf');
  });

  it('a folder that does not exist is a note', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'agent-no-models-')), 'models');
    expect((await scanModelFiles([missing])).notes).toStrictEqual([
      { source: 'gguf', where: missing, message: 'model_dirs lists a folder that does not exist' },
    ]);
  });
});

describe('ollama list', () => {
  it('parses the documented table', () => {
    expect(parseOllamaList(toolOutput('ollama-list.txt'))).toStrictEqual([
      { name: 'llama3.1:70b-instruct-q4_K_M', id: 'a1b2c3d4e5f6', size: '42 GB', modified: '3 days ago' },
      { name: 'llama3.1:latest', id: '46e0c10c039e', size: '4.9 GB', modified: '2 weeks ago' },
      { name: 'qwen2.5:14b', id: '7cdf5a0187d5', size: '9.0 GB', modified: '5 weeks ago' },
      { name: 'nomic-embed-text:latest', id: '0a109f422b47', size: '274 MB', modified: '2 months ago' },
    ]);
    expect(parseOllamaList(toolOutput('ollama-list-empty.txt'))).toStrictEqual([]);
    expect(() => parseOllamaList('Error: something else\n')).toThrow(/no "NAME ID SIZE MODIFIED" header/);
  });

  it('looks for the command on PATH without running anything', () => {
    const bin = fakeOllama('process.exit(0);');
    expect(findOnPath('ollama', `/nonexistent:${bin}`, 'linux')).toBe(join(bin, 'ollama'));
    expect(findOnPath('ollama', mkdtempSync(join(tmpdir(), 'agent-empty-path-')), 'linux')).toBeUndefined();
    const notExecutable = mkdtempSync(join(tmpdir(), 'agent-noexec-'));
    writeFileSync(join(notExecutable, 'ollama'), 'text');
    expect(findOnPath('ollama', notExecutable, 'linux')).toBeUndefined();
  });

  it('not on PATH: a note, and nothing is run', async () => {
    let ran = false;
    const scan = await scanOllamaModels({
      findCommand: (command) => findOnPath(command, mkdtempSync(join(tmpdir(), 'agent-empty-path-'))),
      run: async () => {
        ran = true;
        return { stdout: '', code: 0 };
      },
    });
    expect(ran).toBe(false);
    expect(scan).toStrictEqual({
      candidates: [],
      notes: [{ source: 'ollama', where: 'ollama list', message: 'ollama is not on PATH: not run' }],
    });
  });

  it('runs the real command found on PATH and lists its models', async () => {
    const fixture = join(MODEL_TOOLS, 'ollama-list.txt');
    const bin = fakeOllama(
      `if (process.argv[2] !== 'list') process.exit(2);\n` +
        `process.stdout.write(require('node:fs').readFileSync(${JSON.stringify(fixture)}));`,
    );
    const scan = await scanOllamaModels({ findCommand: (command) => findOnPath(command, bin) });
    expect(scan.notes).toStrictEqual([]);
    expect(scan.candidates.map((c) => [c.source, c.name, c.where])).toStrictEqual([
      ['ollama', 'llama3.1:70b-instruct-q4_K_M', 'ollama list'],
      ['ollama', 'llama3.1:latest', 'ollama list'],
      ['ollama', 'qwen2.5:14b', 'ollama list'],
      ['ollama', 'nomic-embed-text:latest', 'ollama list'],
    ]);
  });

  it('a failing or hanging ollama is a note with its own words', async () => {
    const stderr = toolOutput('ollama-list-not-running.stderr.txt');
    const failing = fakeOllama(`process.stderr.write(${JSON.stringify(stderr)}); process.exit(1);`);
    expect((await scanOllamaModels({ findCommand: (c) => findOnPath(c, failing) })).notes).toStrictEqual([
      {
        source: 'ollama',
        where: 'ollama list',
        message: 'failed (exit 1): Error: could not connect to ollama app, is it running?',
      },
    ]);
    const hanging = fakeOllama('setTimeout(() => {}, 60_000);');
    const hung = await scanOllamaModels({ findCommand: (c) => findOnPath(c, hanging), timeoutMs: 300 });
    expect(hung.notes).toStrictEqual([
      { source: 'ollama', where: 'ollama list', message: 'failed: it did not finish within 0.3 s (SIGKILL)' },
    ]);
    const garbled = await scanOllamaModels({
      findCommand: () => '/usr/bin/ollama',
      run: async () => ({ stdout: 'Usage:\n  ollama [flags]\n', code: 0 }),
    });
    expect(garbled.notes[0]!.message).toBe('its output has no "NAME ID SIZE MODIFIED" header; it said: "Usage:"');
  });
});
