/**
 * Cryptography shared by every module: Ed25519 / SHA-256 on node:crypto (./ed25519.ts), the one
 * Signer (./signer.ts), the one key-file format (./key-file.ts) and the one secret-file writer
 * (./secret-file.ts).
 */
export { sha256 } from './ed25519.ts';
export {
  decodeKeyFile,
  encodeKeyFile,
  KEY_FILE_TYPE,
  type KeyJson,
  keyPairFromJson,
  keyPairToJson,
  loadOrCreateKeyFile,
  readKeyFile,
  writeKeyFile,
} from './key-file.ts';
export { type SecretFileOptions, type SecretFileSystem, writeSecretFile } from './secret-file.ts';
export {
  generateKeyPair,
  generateSigner,
  type KeyPair,
  type SeededSigner,
  type Signer,
  signerFromKeyPair,
  signerFromSeed,
  verifySignature,
} from './signer.ts';
