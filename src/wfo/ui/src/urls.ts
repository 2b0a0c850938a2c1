/** Checks on addresses users type in. */

/** Client-side check before saving; the server validates again. Returns an error message or null. */
export function validateDashboardUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a full address starting with http:// or https://.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return "Only http:// and https:// addresses can be used.";
  }
  return null;
}
