// @metrox/kit/cipher: the client for the local-only encryption helper, and the wire
// protocol it shares with the helper (services/cipher).
export { cipherClientFromEnv, createCipherClient, defaultMaxFrameBytes } from './client.ts';
export type { CallOptions, CipherClient, CipherClientOptions, CipherResult } from './client.ts';
export { CipherError } from './errors.ts';
export { isLoopbackIp, parseCipherAddress } from './address.ts';
export type { CipherAddress } from './address.ts';
export { encodeFrame, FrameDecoder, FrameTooLargeError, frameHeaderBytes } from './framing.ts';
export { cipherOps, encodeMessage, parseRequest, parseResponse } from './protocol.ts';
export type { CipherErrorCode, CipherOp, CipherRequest, CipherResponse, ClientErrorCode, Parsed, ServerErrorCode } from './protocol.ts';
