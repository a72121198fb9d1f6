/**
 * Whether a product URL names one of its store's hosts (the host itself or a subdomain of it). `hosts`
 * undefined: the store has no host rule (not listed in STORES). Pure.
 */
export function productUrlAllowed(productUrl: string, hosts: readonly string[] | undefined): boolean {
  if (hosts === undefined) return true;
  let host: string;
  try {
    host = new URL(productUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  return hosts.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}
