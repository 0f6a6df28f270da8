// The error a promise rejects with, for tests that look at its fields (code, cause); a promise
// that resolves fails the test.

export type CodedError = Error & { code?: string; cause?: CodedError };

export async function errorOf(p: Promise<unknown>): Promise<CodedError> {
  try {
    await p;
  } catch (err) {
    return err as CodedError;
  }
  throw new Error("expected a rejection");
}

/** The `code` of the error a call throws, or "no error". */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as CodedError).code;
  }
  return "no error";
}
