import { SourceError } from '../../adapters/http/source-error';

/** The SourceError `p` rejects with; the test fails if `p` resolves or rejects with anything else. */
export async function sourceFailure(p: Promise<unknown>): Promise<SourceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SourceError);
    return e as SourceError;
  }
  throw new Error('expected the call to fail with a SourceError');
}
