/**
 * A small wallet for trying the API by hand:
 *   npm run -s wallet -- new payer.key                      creates a key file (or reuses it), prints the address
 *   npm run -s wallet -- address payer.key                  prints the address and public key
 *   npm run -s wallet -- sign payer.key escrow.lock '{...}' prints the request body, signed
 * `sign` takes the action's fields (snake_case, values as the contract says) and prints them with
 * `public_key` and `signature` added: exactly what the REST paths expect.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { walletFromSeed } from '../src/domain/signatures.js';

const [command, file, action, fieldsJson] = process.argv.slice(2);
const load = (path: string) => walletFromSeed(readFileSync(path, 'utf8').trim());

switch (command) {
  case 'new': {
    if (!file) throw new Error('usage: wallet new FILE');
    // Run twice, it reuses the key rather than failing: a walkthrough pasted again keeps its wallets.
    if (existsSync(file)) console.error(`${file} exists: using the key in it`);
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    }
    console.log(load(file).address);
    break;
  }
  case 'address': {
    const w = load(file!);
    console.log(JSON.stringify({ address: w.address, public_key: w.publicKey }));
    break;
  }
  case 'sign': {
    if (!file || !action || !fieldsJson) throw new Error('usage: wallet sign FILE ACTION \'{"field":"value"}\'');
    const w = load(file);
    const fields = JSON.parse(fieldsJson) as Record<string, unknown>;
    console.log(JSON.stringify({ ...fields, public_key: w.publicKey, signature: w.sign({ ...fields, action }) }));
    break;
  }
  default:
    console.error('usage: wallet new FILE | address FILE | sign FILE ACTION FIELDS_JSON');
    process.exit(2);
}
