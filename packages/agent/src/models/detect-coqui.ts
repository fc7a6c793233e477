/**
 * Models downloaded by Coqui TTS (the `TTS` package and its maintained fork `coqui-tts`). Its ModelManager
 * names a model `<type>/<language>/<dataset>/<model>` (e.g. `tts_models/multilingual/multi-dataset/xtts_v2`)
 * and stores it in the folder `<type>--<language>--<dataset>--<model>` under its data folder. The folder is
 * created before the download starts, so a model counts as installed when it holds a weights file.
 * Vocoders and voice-conversion models are parts a TTS model uses, not models a node serves.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { emptyScan, holdsFile, listFolder, type ScanResult } from './detect-scan.js';

const WEIGHTS_FILE = /\.(pth|pth\.tar|pt|ckpt|safetensors|bin|onnx)$/i;
const MODEL_TYPES = new Set(['tts_models', 'vocoder_models', 'voice_conversion_models']);

/**
 * Coqui's data folder as its `get_user_data_dir("tts")` resolves it: `$TTS_HOME/tts`, else
 * `$XDG_DATA_HOME/tts`, else `~/Library/Application Support/tts` on macOS, `%LOCALAPPDATA%\tts` on
 * Windows, `~/.local/share/tts` elsewhere.
 */
export function coquiModelsDir(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
  platform: NodeJS.Platform = process.platform,
): string {
  if (env['TTS_HOME']) return join(env['TTS_HOME'], 'tts');
  if (env['XDG_DATA_HOME']) return join(env['XDG_DATA_HOME'], 'tts');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'tts');
  if (platform === 'win32') return join(env['LOCALAPPDATA'] || join(home, 'AppData', 'Local'), 'tts');
  return join(home, '.local', 'share', 'tts');
}

/** `tts_models--en--ljspeech--tacotron2-DDC` → `tts_models/en/ljspeech/tacotron2-DDC`; undefined for other folders. */
export function coquiModelName(folder: string): string | undefined {
  const parts = folder.split('--');
  if (parts.length !== 4 || !MODEL_TYPES.has(parts[0]!) || parts.some((p) => p === '')) return undefined;
  return parts.join('/');
}

export async function scanCoquiModels(root: string): Promise<ScanResult> {
  const result = emptyScan();
  const listing = await listFolder(root);
  if ('missing' in listing) {
    result.notes.push({ source: 'coqui', where: root, message: 'no Coqui TTS models here' });
    return result;
  }
  if ('error' in listing) {
    result.notes.push({ source: 'coqui', where: root, message: `cannot read it: ${listing.error}` });
    return result;
  }
  for (const folder of listing.names) {
    const name = coquiModelName(folder);
    if (name === undefined) continue;
    const where = join(root, folder);
    let skip: string | undefined;
    if (!name.startsWith('tts_models/')) skip = 'a vocoder or voice-conversion part, not a model to serve';
    else if (!(await holdsFile(where, 1, (file, size) => WEIGHTS_FILE.test(file) && size > 0)))
      skip = 'not installed: no weights file (.pth, .safetensors…) in the folder';
    result.candidates.push({ source: 'coqui', name, where, ...(skip !== undefined && { skip }) });
  }
  return result;
}
