/**
 * Wraps a conformance test so it runs on a fresh adapter from `open`, destroyed afterwards even when the
 * test fails.
 */
export function withFresh<R extends { destroy(): Promise<void> }>(open: () => Promise<R>) {
  return (test: (resource: R) => Promise<void>) => async () => {
    const resource = await open();
    try {
      await test(resource);
    } finally {
      await resource.destroy();
    }
  };
}
