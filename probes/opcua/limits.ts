/** What the agent announces in HEL and enforces on every reply, whatever the server acknowledges. */
export const LIMITS = { receiveBufferSize: 65_536, sendBufferSize: 65_536, maxMessageSize: 4 * 1024 * 1024, maxChunkCount: 64 } as const;

/** How much of a device's answer is kept: a device may announce any number; the facts stay small. */
export const KEPT = { endpoints: 64, userTokens: 16, servers: 16, discoveryUrls: 64, writableVariables: 64 } as const;
