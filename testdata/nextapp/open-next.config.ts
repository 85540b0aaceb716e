// OpenNext configuration of the test app: what the MedBookings app needs too
// (docs/app-changes.md). The server runs buffered behind a Lambda function
// URL; the stack provides S3 for the incremental cache and no DynamoDB tag
// cache or SQS revalidation queue; sharp for linux/arm64 comes from npm (the
// default install fetches libvips from GitHub, fails offline, and OpenNext
// still exits 0).
const config = {
  default: {
    override: {
      wrapper: 'aws-lambda',
      converter: 'aws-apigw-v2',
      incrementalCache: 's3-lite',
      tagCache: 'dummy',
      queue: 'dummy',
    },
  },
  imageOptimization: {
    install: {
      packages: ['sharp@0.33.5'],
      arch: 'arm64',
      libc: 'glibc',
      additionalArgs: '--cpu=arm64',
    },
  },
};

export default config;
