// CloudFront Function (cloudfront-js-2.0), viewer request, on every
// behavior of the distribution. The construct replaces the two constants.
var CANONICAL = "__CANONICAL_HOST__";
var REDIRECTS = __REDIRECT_HOSTS__;

function handler(event) {
  var request = event.request;
  var host = request.headers.host ? request.headers.host.value.toLowerCase() : '';
  if (host === CANONICAL) {
    // The function URL refuses a foreign Host, so the origin request policy
    // drops it; Next.js reads the viewer's host from x-forwarded-host
    // (absolute URLs, NextAuth, the Server Actions origin check). Always
    // overwritten: a viewer cannot choose it.
    request.headers['x-forwarded-host'] = { value: host };
    return request;
  }
  if (REDIRECTS.indexOf(host) !== -1) {
    var qs = request.rawQueryString();
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: {
        location: { value: 'https://' + CANONICAL + request.uri + (qs ? '?' + qs : '') },
        'cache-control': { value: 'public, max-age=3600' },
      },
    };
  }
  // The distribution's own *.cloudfront.net name, or a host nobody
  // configured: the app answers on its host names only.
  return { statusCode: 403, statusDescription: 'Forbidden' };
}
