// Types of web/server.mjs, for the TypeScript that starts it (test/browser/, scripts).
import type { Server } from "node:http";

/** The file a URL path names, or null when it names nothing the server may serve. */
export function resolvePath(urlPath: string, root?: string): string | null;

/** Starts the server on 127.0.0.1; resolves to it and its URL once it listens. */
export function startWebServer(options?: { port?: number; root?: string }): Promise<{ server: Server; url: string }>;
