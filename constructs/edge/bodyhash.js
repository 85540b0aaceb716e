'use strict';
// Lambda@Edge, origin request: CloudFront's origin access control signs the
// request to the Lambda function URL, and Lambda refuses a signed request
// whose body has no x-amz-content-sha256 header. Browsers, HTML forms and
// webhooks do not send one, so this function computes it from the body.
const crypto = require('crypto');

const WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE'];

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (!WITH_BODY.includes(request.method)) {
    return request;
  }
  const body = request.body || {};
  if (body.inputTruncated) {
    return {
      status: '413',
      statusDescription: 'Payload Too Large',
      headers: { 'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }] },
      body: 'Request bodies are limited to 1 MB. Files are uploaded directly to storage with a presigned URL.',
    };
  }
  const data = Buffer.from(body.data || '', body.encoding === 'base64' ? 'base64' : 'utf8');
  const hash = crypto.createHash('sha256').update(data).digest('hex');
  request.headers['x-amz-content-sha256'] = [{ key: 'x-amz-content-sha256', value: hash }];
  return request;
};
