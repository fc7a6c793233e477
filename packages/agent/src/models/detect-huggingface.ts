/**
 * Models in the Hugging Face hub cache, where `huggingface_hub` (transformers, faster-whisper, diffusers…)
 * keeps what it downloaded: one folder per repository, `models--<org>--<name>`, whose `snapshots/<revision>/`
 * holds the files as symlinks into `blobs/`. A file still downloading is `blobs/<hash>.incomplete` and only
 * gets its snapshot link once complete; an interrupted download leaves that file behind. So a repository
 * counts as installed when a snapshot holds a weights file and no blob is unfinished; a snapshot of config
 * files alone (what `AutoConfig.from_pretrained` fetches) is not an installed model.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { emptyScan, holdsFile, listFolder, type ScanResult } from './detect-scan.js';

const MODEL_FOLDER = /^models--(.+)$/;
/** Snapshots keep the repository's own layout: weights sit at most a few folders down. */
const SNAPSHOT_DEPTH = 4;
/** PyTorch, safetensors, CTranslate2 (faster-whisper's model.bin), GGUF, ONNX, Keras, Flax, Core ML weights. */
const WEIGHTS_FILE = /\.(safetensors|bin|pt|pth|pth\.tar|ckpt|gguf|onnx|h5|msgpack|npz|tflite|mlmodel|mlpackage)$/i;

/**
 * The cache folder as huggingface_hub resolves it: `$HF_HUB_CACHE` (formerly `$HUGGINGFACE_HUB_CACHE`),
 * else `$HF_HOME/hub`, else `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
 */
export function huggingFaceHubDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const hubCache = env['HF_HUB_CACHE'] || env['HUGGINGFACE_HUB_CACHE'];
  if (hubCache) return hubCache;
  if (env['HF_HOME']) return join(env['HF_HOME'], 'hub');
  return join(env['XDG_CACHE_HOME'] || join(home, '.cache'), 'huggingface', 'hub');
}

/** `models--openai--whisper-large-v3` → `openai/whisper-large-v3`; `models--gpt2` → `gpt2`. Repository ids cannot hold `--`. */
export function huggingFaceRepoId(folder: string): string | undefined {
  const rest = MODEL_FOLDER.exec(folder)?.[1];
  if (!rest) return undefined;
  const [org, ...name] = rest.split('--');
  return name.length === 0 ? org : `${org}/${name.join('--')}`;
}

async function incompleteBlobs(repoFolder: string): Promise<number> {
  const blobs = await listFolder(join(repoFolder, 'blobs'));
  return 'names' in blobs ? blobs.names.filter((n) => n.endsWith('.incomplete')).length : 0;
}

async function snapshotWithWeights(repoFolder: string): Promise<string | undefined> {
  const snapshots = await listFolder(join(repoFolder, 'snapshots'));
  for (const revision of 'names' in snapshots ? snapshots.names : []) {
    const snapshot = join(repoFolder, 'snapshots', revision);
    if (await holdsFile(snapshot, SNAPSHOT_DEPTH, (file) => WEIGHTS_FILE.test(file))) return snapshot;
  }
  return undefined;
}

/** Lists the model repositories of a hub cache folder; datasets and spaces are not models and are not listed. */
export async function scanHuggingFaceCache(root: string): Promise<ScanResult> {
  const result = emptyScan();
  const listing = await listFolder(root);
  if ('missing' in listing) {
    result.notes.push({ source: 'huggingface', where: root, message: 'no Hugging Face cache here' });
    return result;
  }
  if ('error' in listing) {
    result.notes.push({ source: 'huggingface', where: root, message: `cannot read it: ${listing.error}` });
    return result;
  }
  for (const folder of listing.names) {
    const name = huggingFaceRepoId(folder);
    if (name === undefined) continue;
    const repoFolder = join(root, folder);
    const incomplete = await incompleteBlobs(repoFolder);
    const snapshot = await snapshotWithWeights(repoFolder);
    if (incomplete === 0 && snapshot !== undefined) {
      result.candidates.push({ source: 'huggingface', name, where: snapshot });
      continue;
    }
    result.candidates.push({
      source: 'huggingface',
      name,
      where: repoFolder,
      skip:
        incomplete > 0
          ? `not installed: an unfinished download (${incomplete} blobs/*.incomplete); finish it or delete the folder`
          : 'not installed: no weights file (.safetensors, .bin…) under snapshots/',
    });
  }
  return result;
}
