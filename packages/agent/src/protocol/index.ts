/**
 * The pure pieces of the wire contract that both sides of a signature need: canonical JSON, wallet keys
 * and addresses, and the contract's names and limits. The node agent signs with them and the market
 * server verifies with them, so there is one copy. Node built-ins only.
 */
export { canonicalJson, hasPythonForm, type CanonicalForm, type VerbatimJson } from './canonical-json.js';
export {
  addressFromPublicKey,
  RTC_ADDRESS,
  walletFromSeed,
  walletOfAddress,
  type ActionObject,
  type Wallet,
} from './wallet.js';
export {
  ATTEST_ACTION,
  DEVICE_ARCHES,
  JOB_TYPES,
  MAX_AMOUNT_URTC,
  MODEL_LIST_FIELD,
  PRICE_FIELD,
  URTC_PER_RTC,
  type DeviceArch,
  type JobType,
  type PriceField,
} from './contract.js';
