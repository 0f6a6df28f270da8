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
