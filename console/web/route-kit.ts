import type http from 'node:http';
import type { Role, Session } from '../accounts.ts';
import { htmlReply, type WebOptions, type WebReply } from './http-kit.ts';
import type { UploadedFile } from './multipart.ts';
import * as pages from './pages.ts';

/**
 * What every route module shares (routes.ts and the route lists it takes in, such as
 * zone-routes.ts): the request context, the route entry and the two replies every handler
 * needs. Kept apart from routes.ts so a route module never imports the module that imports it.
 */
export interface Ctx {
  readonly req: http.IncomingMessage;
  readonly url: URL;
  readonly o: WebOptions;
  readonly session: Session | undefined;
  readonly sessionId: string | undefined;
  /** Path parameters of the matched route, decoded. */
  readonly params: string[];
}

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  /** Least role that may use the route; undefined: open to anyone (login page, assets). */
  readonly role?: Role;
  /** A POST that takes one file (multipart/form-data) of at most this many bytes, rather than a urlencoded form. */
  readonly upload?: number;
  readonly handle: (c: Ctx, form: URLSearchParams, file?: UploadedFile) => Promise<WebReply> | WebReply;
}

export const ctxOf = (c: Ctx, flash?: string): pages.PageContext => ({ ...(c.session ? { session: c.session } : {}), ...(flash ? { flash } : {}) });
export const notFound = (c: Ctx, what: string) => htmlReply(c.o, 404, pages.errorPage(ctxOf(c), 404, what));
/** Who proposes or decides a change: the signed-in person (routes that change things need a role, so a session). */
export const actorOf = (c: Ctx) => ({ user: c.session?.user ?? '-', role: c.session?.role ?? 'viewer' }) as const;
