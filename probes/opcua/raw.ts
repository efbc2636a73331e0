/**
 * What a device said in discovery, as plain values: the discovery client (discovery-client.ts) and the
 * node-opcua session (session-node-opcua.ts) both produce these, and probe.ts turns them into facts.
 */

export interface RawUserToken {
  readonly tokenType: number;
  readonly policyId: string;
  readonly securityPolicyUri: string;
}

export interface RawApplication {
  readonly applicationUri: string;
  readonly productUri: string;
  readonly applicationName: string;
  readonly applicationType: number;
  readonly discoveryUrls: readonly string[];
}

export interface RawEndpoint {
  readonly endpointUrl: string;
  readonly securityMode: number;
  readonly securityPolicyUri: string;
  readonly securityLevel: number;
  readonly userTokens: readonly RawUserToken[];
  readonly server: RawApplication;
  readonly serverCertificate: Uint8Array | undefined;
}
