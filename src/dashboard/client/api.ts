/** The admin API as the dashboard calls it: JSON in and out, the session cookie for auth. */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint?: string;
  constructor(status: number, code: string, message: string, hint?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint;
  }
}

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`/admin/api/${path}`, {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: options.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(response.status, 'bad_response', `The gateway answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const body = (parsed ?? {}) as { error?: string; message?: string; hint?: string };
    if (response.status === 401 && path !== 'session') onUnauthorized();
    throw new ApiError(response.status, body.error ?? 'error', body.message ?? `The gateway answered ${response.status}`, body.hint);
  }
  return parsed as T;
}

/** "message (hint: …)" for toasts. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  return (error as Error)?.message ?? String(error);
}
