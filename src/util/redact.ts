/** A URL as it may be shown or logged: its password (and a user name used as a token) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password && !u.username) return url;
    if (u.password) u.password = '***';
    else u.username = '***'; // redis://<token>@host: a bare user part is the credential
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}
