/**
 * The click-out target: the stored product URL with the store's affiliate parameters set (a store's own value
 * of the same name is replaced); undefined when the stored URL is not an absolute http(s) URL. Never any other
 * destination: the path, host and other parameters come from the stored URL alone.
 */
export function affiliateUrl(
  productUrl: string,
  params: Readonly<Record<string, string>> | undefined,
): string | undefined {
  let url: URL;
  try {
    url = new URL(productUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  for (const [name, value] of Object.entries(params ?? {})) url.searchParams.set(name, value);
  return url.toString();
}
