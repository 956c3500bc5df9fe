/**
 * A verdict on one property of one run. `ok: null` means the property was NOT checked (the checker is not wired
 * in this build, or it gave up): never counted as a pass.
 */
export interface Verdict {
  property: string;
  ok: boolean | null;
  explanation: string;
}

export function failed(vs: readonly Verdict[]): Verdict | undefined {
  return vs.find((v) => v.ok === false);
}
