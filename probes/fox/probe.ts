import { oneExchangeProbe } from '../exchange.ts';
import { ProbeUnavailable } from '../types.ts';
import { FoxHelloFacts } from './facts.ts';
import { buildHello, type FoxHello, headerCommand, helloFrameLength, MAX_HELLO_BYTES, parseHello } from './hello.ts';

const OP = 'fox.hello';

/** Fox field name -> facts key. */
const NAMED = {
  'fox.version': 'foxVersion',
  'station.name': 'stationName',
  'app.name': 'appName',
  'app.version': 'appVersion',
  brandId: 'brandId',
  'vm.name': 'vmName',
  'vm.version': 'vmVersion',
  'os.name': 'osName',
  'os.version': 'osVersion',
  hostName: 'hostName',
  hostAddress: 'hostAddress',
  hostId: 'hostId',
  timeZone: 'timeZone',
} as const satisfies Record<string, keyof FoxHelloFacts>;

function helloFacts(hello: FoxHello): FoxHelloFacts {
  const command = headerCommand(hello.header);
  if (command !== 'fox hello') throw new ProbeUnavailable('protocol-mismatch', `station answered the hello with "${command}", not a hello`);
  const facts: FoxHelloFacts = { header: hello.header, fields: [...hello.fields], requestsSent: 1 };
  for (const field of hello.fields) {
    const key = NAMED[field.name as keyof typeof NAMED];
    const value = field.value.trim();
    if (key && value && facts[key] === undefined) facts[key] = value;
  }
  return facts;
}

const HELLO_EXCHANGE = { op: OP, request: buildHello(), replyOp: 'fox.reply', maxBytes: MAX_HELLO_BYTES, frameLength: helloFrameLength };
const read = (reply: Buffer) => helloFacts(parseHello(reply));

/**
 * The Fox hello exchange on one connection: our hello, the station's hello, close. Never logs in.
 * A station that answers with anything but a hello (an error message) yields no facts.
 */
export const foxHelloProbe = oneExchangeProbe({ id: 'fox.hello', protocol: 'fox', facts: FoxHelloFacts, exchange: HELLO_EXCHANGE, read });

/**
 * The same hello inside TLS on 4911, where a hardened station offers Fox only: one handshake
 * accepting any certificate, then the same request and reply. Evidence of Fox in TLS, never of
 * Fox in clear.
 */
export const foxHelloTlsProbe = oneExchangeProbe({
  id: 'fox.hello-tls',
  protocol: 'fox-tls',
  carrier: 'tls',
  facts: FoxHelloFacts,
  exchange: HELLO_EXCHANGE,
  read,
});
